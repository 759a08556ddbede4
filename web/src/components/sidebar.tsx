import { useCallback, useId, useState } from 'preact/hooks';
import { currentPath, navigate } from '../lib/router.ts';
import type { Conversation } from '../lib/types.ts';
import { ConversationList } from './sidebar/conversation-list.tsx';
import { ArchiveIcon, PlusIcon, SearchIcon } from './sidebar/icons.tsx';
import { ImportButton } from './sidebar/import-button.tsx';
import { tagsOf } from './sidebar/list-logic.ts';
import { SearchResults } from './sidebar/search-results.tsx';
import './sidebar/sidebar.css';

/**
 * The conversation sidebar: New chat, search over titles and messages, filters (a tag, the
 * archive), the list itself and the import of conversations.
 */
export function Sidebar(props: { activeConversationId?: string }) {
  const [query, setQuery] = useState('');
  const [tag, setTag] = useState<string | null>(null);
  const [archived, setArchived] = useState(false);
  const [knownTags, setKnownTags] = useState<string[]>([]);
  const searchId = useId();
  const searching = query.trim().length > 0;

  // The chips are the tags seen in the list; while one filters the list, the others stay offered.
  const onLoaded = useCallback(
    (items: Conversation[]) => setKnownTags((known) => (tag === null ? tagsOf(items) : tagsOf(items, known))),
    [tag],
  );

  const chips = tag !== null && !knownTags.includes(tag) ? tagsOf([], [...knownTags, tag]) : knownTags;
  return (
    <div class="conversation-list sidebar-panel">
      <div class="sidebar-head">
        <span class="sidebar-brand" aria-hidden="true">
          <span class="sidebar-logo" />
          Parley
        </span>
        <button
          type="button"
          class="new-chat"
          onClick={() => {
            if (currentPath.value !== '/') navigate('/');
          }}
        >
          <PlusIcon />
          New chat
        </button>
      </div>
      <search class="sidebar-search">
        <label for={searchId} class="visually-hidden">
          Search conversations
        </label>
        <SearchIcon />
        <input
          id={searchId}
          type="search"
          placeholder="Search conversations"
          maxLength={200}
          autocomplete="off"
          value={query}
          onInput={(e) => setQuery(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape' && query) {
              e.preventDefault();
              setQuery('');
            }
          }}
        />
      </search>
      {searching ? (
        <SearchResults query={query.trim()} activeId={props.activeConversationId} />
      ) : (
        <>
          {chips.length > 0 && (
            <fieldset class="sidebar-filters">
              <legend class="visually-hidden">Filter by tag</legend>
              {chips.map((t) => (
                <button key={t} type="button" class="filter-chip" aria-pressed={tag === t} onClick={() => setTag(tag === t ? null : t)}>
                  <span aria-hidden="true">#</span>
                  {t}
                </button>
              ))}
            </fieldset>
          )}
          <ConversationList activeId={props.activeConversationId} tag={tag} archived={archived} onLoaded={onLoaded} />
        </>
      )}
      <div class="sidebar-tools">
        <ImportButton />
        {!searching && (
          <button type="button" class="sidebar-tool" aria-pressed={archived} onClick={() => setArchived(!archived)}>
            <ArchiveIcon />
            Archived
          </button>
        )}
      </div>
    </div>
  );
}
