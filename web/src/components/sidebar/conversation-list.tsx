import { useEffect, useRef, useState } from 'preact/hooks';
import { errorText } from '../../lib/error-text.ts';
import { api, conversationsVersion } from '../../lib/state.ts';
import type { Conversation, Page } from '../../lib/types.ts';
import { ConversationItem } from './conversation-item.tsx';
import { hasMore, mergePage, PAGE_SIZE, reloadLimit } from './list-logic.ts';

interface Props {
  activeId?: string;
  tag: string | null;
  archived: boolean;
  /** Told what is shown after each load (the sidebar offers the tags present as filters). */
  onLoaded: (items: Conversation[]) => void;
}

interface Live {
  key: string;
  items: Conversation[];
  total: number | null;
  loading: boolean;
  failed: boolean;
  /** Bumped by every reload: an answer to an older request is dropped. */
  generation: number;
}

/**
 * The conversations in the server's order (pinned first, then most recent activity), a page at
 * a time: the next page loads when the end of the list scrolls into view. It reloads in place
 * (as many as are shown) when `conversationsVersion` changes, and from the top on a new filter.
 */
export function ConversationList(props: Props) {
  const version = conversationsVersion.value;
  const key = `${props.archived}|${props.tag ?? ''}`;
  const [items, setItems] = useState<Conversation[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const live = useRef<Live>({ key, items: [], total: null, loading: false, failed: false, generation: 0 });
  const scroller = useRef<HTMLDivElement>(null);
  const sentinel = useRef<HTMLDivElement>(null);
  const observer = useRef<IntersectionObserver | null>(null);
  const onLoaded = useRef(props.onLoaded);
  onLoaded.current = props.onLoaded;

  const fetchPage = (skip: number, limit: number) =>
    api.get<Page<Conversation>>('/api/v1/conversations', {
      query: { skip, limit, archived: props.archived || undefined, tag: props.tag ?? undefined },
    });

  const show = (next: Conversation[], nextTotal: number | null) => {
    live.current.items = next;
    live.current.total = nextTotal;
    setItems(next);
    onLoaded.current(next);
  };

  const request = (skip: number, limit: number, merge: boolean) => {
    const state = live.current;
    const generation = state.generation;
    state.loading = true;
    state.failed = false;
    setLoading(true);
    setError(null);
    fetchPage(skip, limit)
      .then((page) => {
        if (generation !== state.generation) return;
        const next = merge ? mergePage(state.items, page.items) : page.items;
        // A page that adds nothing ends the list even if the count said more (it changed meanwhile).
        show(next, merge && next.length === state.items.length ? next.length : page.total);
      })
      .catch((err) => {
        if (generation !== state.generation) return;
        state.failed = true;
        setError(errorText(err, 'Could not load the conversations'));
      })
      .finally(() => {
        if (generation !== state.generation) return;
        state.loading = false;
        setLoading(false);
      });
  };

  // From the top on a new filter; in place (as many as are shown) when told the list changed.
  useEffect(() => {
    const state = live.current;
    const sameFilter = state.key === key;
    state.key = key;
    state.generation++;
    if (!sameFilter) {
      show([], null);
      scroller.current?.scrollTo({ top: 0 });
    }
    request(0, sameFilter ? reloadLimit(state.items.length) : PAGE_SIZE, false);
  }, [key, version]);

  const loadMore = () => {
    const state = live.current;
    if (state.loading || state.failed || !hasMore(state.items.length, state.total)) return;
    request(state.items.length, PAGE_SIZE, true);
  };
  const loadMoreRef = useRef(loadMore);
  loadMoreRef.current = loadMore;

  useEffect(() => {
    observer.current = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && loadMoreRef.current(), {
      root: scroller.current,
      rootMargin: '0px 0px 160px 0px',
    });
    if (sentinel.current) observer.current.observe(sentinel.current);
    return () => observer.current?.disconnect();
  }, []);

  // After each load, look again: if the end is still in view (a tall screen), the next page follows.
  useEffect(() => {
    if (loading || !sentinel.current || !observer.current) return;
    observer.current.unobserve(sentinel.current);
    observer.current.observe(sentinel.current);
  }, [loading, items.length]);

  const empty = !loading && !error && items.length === 0;
  return (
    <div class="conv-scroll" ref={scroller}>
      {props.archived && <p class="conv-section-label">Archived</p>}
      <ul class="conv-list" aria-label="Conversations" aria-busy={loading}>
        {items.map((c, i) => (
          <ConversationItem key={c.id} conversation={c} active={c.id === props.activeId} afterPinned={i > 0 && items[i - 1].pinned && !c.pinned} />
        ))}
      </ul>
      {empty && (
        <p class="conv-empty">
          {props.tag
            ? `No ${props.archived ? 'archived ' : ''}conversations tagged “${props.tag}”.`
            : props.archived
              ? 'No archived conversations.'
              : 'No conversations yet. Start one with New chat.'}
        </p>
      )}
      {error && (
        <div class="conv-error" role="alert">
          <span>{error}</span>
          <button type="button" class="secondary" onClick={() => request(items.length, PAGE_SIZE, items.length > 0)}>
            Retry
          </button>
        </div>
      )}
      {loading && <div class="conv-loading" aria-hidden="true" />}
      <div ref={sentinel} class="conv-sentinel" aria-hidden="true" />
    </div>
  );
}
