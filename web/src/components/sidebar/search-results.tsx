import { useEffect, useState } from 'preact/hooks';
import { errorText } from '../../lib/error-text.ts';
import { onLinkClick } from '../../lib/router.ts';
import { api } from '../../lib/state.ts';
import { conversationTitle } from './list-logic.ts';
import { snippetParts } from './snippet.ts';

interface SearchHit {
  conversation_id: string;
  title: string | null;
  message_id: string | null;
  snippet: string;
}

interface SearchPage {
  items: SearchHit[];
  total: number;
}

/** How long typing must pause before the search runs. */
export const SEARCH_DELAY_MS = 250;
const LIMIT = 30;

interface State {
  status: 'waiting' | 'done' | 'failed';
  /** The last answer's hits, kept on screen while the next query runs. */
  hits: SearchHit[];
  total: number;
  error?: string;
}

/** Search hits for `query` (titles and messages), best first; a hit opens its conversation. */
export function SearchResults(props: { query: string; activeId?: string }) {
  const [state, setState] = useState<State>({ status: 'waiting', hits: [], total: 0 });

  useEffect(() => {
    setState((s) => ({ ...s, status: 'waiting' }));
    const controller = new AbortController();
    const timer = setTimeout(() => {
      api
        .get<SearchPage>('/api/v1/search', { query: { q: props.query, limit: LIMIT }, signal: controller.signal })
        .then((page) => setState({ status: 'done', hits: page.items, total: page.total }))
        .catch((err: Error) => {
          if (err.name !== 'AbortError') setState({ status: 'failed', hits: [], total: 0, error: errorText(err, 'Search failed') });
        });
    }, SEARCH_DELAY_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [props.query]);

  let status = 'Searching…';
  if (state.status === 'failed') status = state.error ?? 'Search failed';
  else if (state.status === 'done') {
    status = state.total === 0 ? 'No conversations match' : `${state.total} ${state.total === 1 ? 'match' : 'matches'}`;
  }

  return (
    <div class="conv-scroll">
      <p class={`search-status${state.status === 'failed' ? ' error-text' : ''}`} role="status">
        {status}
      </p>
      {state.hits.length > 0 && (
        <ul class="search-hits" aria-label="Search results">
          {state.hits.map((hit) => {
            const href = `/c/${hit.conversation_id}`;
            return (
              <li key={`${hit.conversation_id}:${hit.message_id ?? 'title'}`}>
                <a
                  class="search-hit"
                  href={href}
                  aria-current={hit.conversation_id === props.activeId ? 'page' : undefined}
                  onClick={(e) => onLinkClick(e, href)}
                >
                  {hit.message_id ? (
                    <>
                      <span class="search-hit-title">{conversationTitle(hit)}</span>
                      <span class="search-hit-snippet">
                        <Marked snippet={hit.snippet} />
                      </span>
                    </>
                  ) : (
                    <span class="search-hit-title">{hit.snippet ? <Marked snippet={hit.snippet} /> : conversationTitle(hit)}</span>
                  )}
                </a>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}

/** A snippet as text with its matches in <mark>: never parsed as HTML. */
function Marked(props: { snippet: string }) {
  return <>{snippetParts(props.snippet).map((part, i) => (part.marked ? <mark key={i}>{part.text}</mark> : part.text))}</>;
}
