import { useId, useState } from 'preact/hooks';
import { errorText } from '../../lib/error-text.ts';
import { showToast } from '../../lib/state.ts';
import type { Conversation } from '../../lib/types.ts';
import { Dialog } from '../dialog.tsx';
import { setTags } from './actions.ts';
import { CloseIcon } from './icons.tsx';
import { conversationTitle, MAX_TAGS, parseTags } from './list-logic.ts';

/** Edits a conversation's tags: chips to remove, a field to add (Enter or a comma adds). */
export function TagsDialog(props: { conversation: Conversation; onClose: () => void; returnFocus?: () => HTMLElement | null }) {
  const [tags, setTagList] = useState<string[]>(props.conversation.tags);
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const inputId = useId();
  const hintId = useId();

  /** Adds what is typed; answers the tags with it, or null when it cannot be added. */
  const add = (typed: string): string[] | null => {
    const parsed = parseTags([...tags, typed].join(','));
    if ('error' in parsed) {
      setError(parsed.error);
      return null;
    }
    setError(null);
    setTagList(parsed.tags);
    setDraft('');
    return parsed.tags;
  };

  const save = async (event: Event) => {
    event.preventDefault();
    const next = add(draft);
    if (!next) return;
    setBusy(true);
    try {
      await setTags(props.conversation.id, next);
      showToast('Tags saved');
      props.onClose();
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };

  return (
    <Dialog title="Edit tags" description={<p>{conversationTitle(props.conversation)}</p>} onClose={props.onClose} returnFocus={props.returnFocus}>
      <form onSubmit={(e) => void save(e)}>
        {tags.length > 0 && (
          <ul class="tag-editor-list" aria-label="Tags">
            {tags.map((tag) => (
              <li key={tag} class="tag-chip">
                <span>{tag}</span>
                <button
                  type="button"
                  class="tag-chip-remove"
                  aria-label={`Remove tag ${tag}`}
                  onClick={() => setTagList(tags.filter((t) => t !== tag))}
                >
                  <CloseIcon />
                </button>
              </li>
            ))}
          </ul>
        )}
        <label for={inputId}>Add a tag</label>
        <input
          id={inputId}
          type="text"
          autofocus
          aria-describedby={hintId}
          value={draft}
          onInput={(e) => {
            const value = e.currentTarget.value;
            if (value.endsWith(',')) add(value.slice(0, -1));
            else setDraft(value);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && draft.trim()) {
              e.preventDefault();
              add(draft);
            } else if (e.key === 'Backspace' && !draft && tags.length > 0) {
              setTagList(tags.slice(0, -1));
            }
          }}
        />
        <p id={hintId} class="field-hint">
          Press Enter or type a comma to add; up to {MAX_TAGS} tags.
        </p>
        {error && (
          <p class="error-text" role="alert">
            {error}
          </p>
        )}
        <div class="dialog-actions">
          <button type="button" class="secondary" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={busy}>
            Save
          </button>
        </div>
      </form>
    </Dialog>
  );
}
