import { type SQL, sql } from 'drizzle-orm';
import { type Db, rowsOf } from '../../db/client.ts';
import type { Actor } from '../actor.ts';
import { containsPattern, type ParsedQuery, parseSearchQuery } from './search-query.ts';
import { MARK_END, MARK_START, renderSnippet, windowAround } from './snippet.ts';

export interface SearchHit {
  conversation_id: string;
  title: string | null;
  /** Null when the conversation's title matched rather than one of its messages. */
  message_id: string | null;
  snippet: string;
  rank: number;
  created_at: string;
}

export interface SearchPage {
  items: SearchHit[];
  total: number;
  skip: number;
  limit: number;
}

// A title match outranks the same match in one message among many.
const TITLE_WEIGHT = 2;
// Scales substring counts to about the size of ts_rank's values, so mixed queries rank sensibly.
const CJK_WEIGHT = 0.1;
// ts_headline reads the whole text it is given: only the start of a very long message is marked.
const HEADLINE_CHARS = 20_000;
/**
 * Ranking a message re-reads its text (the index finds matches, it cannot score them), so only
 * the newest this many matching messages are scored; older ones follow them, newest first. A word
 * common in a large history stays a fast query, and what it finds first is recent.
 */
const RANKED_HITS = 500;
const HEADLINE_OPTIONS = `StartSel=${MARK_START}, StopSel=${MARK_END}, MaxWords=35, MinWords=15`;

// Both drivers (node-postgres and PGlite) answer a raw statement with its rows in `rows`.

interface Terms {
  parsed: ParsedQuery;
  /** websearch_to_tsquery('english', ...) of the English part, or null when it holds no searchable word. */
  english: SQL | null;
}

export class SearchService {
  private readonly db: Db;

  constructor(deps: { db: Db }) {
    this.db = deps.db;
  }

  /**
   * The caller's conversations whose title or (not deleted) messages match `q`, best first.
   * Only the caller's own conversations are read: the user id is the first condition of every
   * branch of the query, and deleted conversations and messages are left out.
   */
  async search(actor: Actor, q: string, page: { skip: number; limit: number }): Promise<SearchPage> {
    const terms = await this.terms(q);
    if (!terms) return { items: [], total: 0, skip: page.skip, limit: page.limit };
    const hits = this.hitsQuery(actor.userId, terms);
    const text = sql`coalesce(m.content, c.title, '')`;
    const clean = sql`translate(left(${text}, ${HEADLINE_CHARS}), ${MARK_START + MARK_END}, '')`;
    // Escaped before ts_headline, whose parser would otherwise drop anything that looks like a tag.
    const escaped = sql`replace(replace(replace(replace(replace(${clean}, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;'), '''', '&#39;')`;
    const snippetSource = terms.english ? sql`ts_headline('english', ${escaped}, ${terms.english}, ${HEADLINE_OPTIONS})` : clean;
    const rows = rowsOf<{
      conversation_id: string;
      message_id: string | null;
      rank: number;
      created_at: Date | string;
      total: number;
      title: string | null;
      snippet: string;
    }>(await this.db.execute(sql`
      with hits as (${hits}),
      page as (
        select h.*, count(*) over () as total from hits h
        order by h.rank desc, h.created_at desc, h.conversation_id, h.message_id nulls first
        limit ${page.limit} offset ${page.skip}
      )
      select p.conversation_id, p.message_id, p.rank::float8 as rank, p.created_at, p.total::int as total,
        c.title, ${snippetSource} as snippet
      from page p
      join conversations c on c.id = p.conversation_id
      left join messages m on m.id = p.message_id
      order by p.rank desc, p.created_at desc, p.conversation_id, p.message_id nulls first`));
    let total = rows[0]?.total ?? 0;
    // Past the last hit the page has no row to carry the count.
    if (rows.length === 0 && page.skip > 0) {
      const [counted] = rowsOf<{ total: number }>(await this.db.execute(sql`select count(*)::int as total from (${hits}) h`));
      total = counted?.total ?? 0;
    }
    const runs = terms.parsed.cjkRuns;
    return {
      items: rows.map((r) => ({
        conversation_id: r.conversation_id,
        title: r.title,
        message_id: r.message_id,
        snippet: terms.english ? renderSnippet(r.snippet, runs, true) : renderSnippet(windowAround(r.snippet, runs), runs, false),
        rank: Number(r.rank),
        created_at: new Date(r.created_at).toISOString(),
      })),
      total,
      skip: page.skip,
      limit: page.limit,
    };
  }

  private async terms(q: string): Promise<Terms | null> {
    const parsed = parseSearchQuery(q);
    let english: SQL | null = null;
    if (parsed.english) {
      // Stop words alone ("the", "of") make an empty query, which would match nothing.
      const [probe] = rowsOf<{ n: number }>(await this.db.execute(sql`select numnode(websearch_to_tsquery('english', ${parsed.english}))::int as n`));
      if (probe && probe.n > 0) english = sql`websearch_to_tsquery('english', ${parsed.english})`;
    }
    if (!english && parsed.cjkRuns.length === 0) return null;
    return { parsed, english };
  }

  /** conversation_id, message_id, rank, created_at of every hit, titles and messages together. */
  private hitsQuery(userId: string, terms: Terms): SQL {
    const title = sql`coalesce(c.title, '')`;
    const content = sql`m.content`;
    return sql`
      select c.id as conversation_id, null::uuid as message_id, (${this.rank(title, terms)}) * ${TITLE_WEIGHT} as rank, c.created_at
      from conversations c
      where c.user_id = ${userId} and c.deleted_at is null and ${this.matches(title, terms)}
      union all
      select x.conversation_id, x.id, case when x.recency <= ${RANKED_HITS} then ${this.rank(sql`x.content`, terms)} else 0 end, x.created_at
      from (
        select m.conversation_id, m.id, m.content, m.created_at, row_number() over (order by m.created_at desc, m.id desc) as recency
        from messages m
        join conversations c on c.id = m.conversation_id
        where c.user_id = ${userId} and c.deleted_at is null and m.deleted_at is null and ${this.matches(content, terms)}
      ) x`;
  }

  // Each condition is written exactly as its index expression in the schema, so the planner can
  // use the index when it is the cheaper way in (a user with many messages) and the user's own
  // conversations otherwise (a user with few messages among many).
  private matches(text: SQL, { parsed, english }: Terms): SQL {
    const conditions: SQL[] = [];
    if (english) conditions.push(sql`to_tsvector('english', ${text}) @@ ${english}`);
    // Every pair of the runs is indexed; the LIKE rechecks that they occur in order. A run of one
    // character has no pair: it is only a LIKE over the rows the other conditions leave.
    if (parsed.cjkPairs) conditions.push(sql`search_cjk_bigrams(${text}) @@ ${parsed.cjkPairs}::tsquery`);
    for (const run of parsed.cjkRuns) conditions.push(sql`${text} like ${containsPattern(run)}`);
    return sql.join(conditions, sql` and `);
  }

  private rank(text: SQL, { parsed, english }: Terms): SQL {
    const parts: SQL[] = [];
    // Normalization 1: divided by 1 + the log of the length, so a short text that is all match
    // ranks above a long one that mentions it once.
    if (english) parts.push(sql`ts_rank(to_tsvector('english', ${text}), ${english}, 1)::float8`);
    for (const run of parsed.cjkRuns) {
      const occurrences = sql`((char_length(${text}) - char_length(replace(${text}, ${run}, ''))) / ${[...run].length})::float8`;
      parts.push(sql`${CJK_WEIGHT} * ${occurrences} / (1 + ln(1 + char_length(${text})))`);
    }
    return sql.join(parts, sql` + `);
  }
}
