import { useState } from 'preact/hooks';
import { ApiError } from '../../lib/api.ts';
import { Dialog, DialogActions } from '../dialog.tsx';
import { createPrompt, type Prompt, updatePrompt } from './prompt-api.ts';
import { templateVariables } from './template.ts';

/** Create a prompt (no `prompt`) or edit one, in a dialog; `onSaved` gets the stored prompt. */
export function PromptEditor(props: { prompt?: Prompt; canShare: boolean; onClose(): void; onSaved(prompt: Prompt): void }) {
  const editing = props.prompt;
  const [title, setTitle] = useState(editing?.title ?? '');
  const [content, setContent] = useState(editing?.content ?? '');
  const [scenario, setScenario] = useState(editing?.scenario ?? '');
  const [description, setDescription] = useState(editing?.description ?? '');
  const [share, setShare] = useState(false);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string>();
  const variables = templateVariables(content);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!title.trim() || !content.trim()) {
      setError('A title and some content are required');
      return;
    }
    setSaving(true);
    setError(undefined);
    const fields = { title: title.trim(), content, scenario: scenario.trim() || null, description: description.trim() || null };
    try {
      const saved = editing ? await updatePrompt(editing.id, fields) : await createPrompt({ ...fields, ...(share ? { is_template: true } : {}) });
      props.onSaved(saved);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'The prompt could not be saved');
      setSaving(false);
    }
  };

  return (
    <Dialog title={editing ? 'Edit prompt' : 'New prompt'} onClose={props.onClose} dismissible wide>
      <form class="prompt-form" onSubmit={submit} noValidate>
        <label for="prompt-title">Title</label>
        <input id="prompt-title" type="text" maxLength={200} required value={title} onInput={(e) => setTitle(e.currentTarget.value)} />

        <div class="prompt-form-row">
          <div>
            <label for="prompt-scenario">Category</label>
            <input
              id="prompt-scenario"
              type="text"
              maxLength={100}
              placeholder="e.g. writing"
              value={scenario}
              onInput={(e) => setScenario(e.currentTarget.value)}
            />
          </div>
          <div>
            <label for="prompt-description">Description</label>
            <input
              id="prompt-description"
              type="text"
              maxLength={2000}
              value={description}
              onInput={(e) => setDescription(e.currentTarget.value)}
            />
          </div>
        </div>

        <label for="prompt-content">Content</label>
        <textarea
          id="prompt-content"
          rows={8}
          maxLength={20000}
          required
          aria-describedby="prompt-content-hint"
          value={content}
          onInput={(e) => setContent(e.currentTarget.value)}
        />
        <p id="prompt-content-hint" class="field-hint">
          Write <code>{'{name}'}</code> for a value filled in when the prompt is used; <code>{'{{'}</code> and <code>{'}}'}</code> stand for
          literal braces.
        </p>
        {variables.length > 0 ? (
          <p class="prompt-variables" aria-live="polite">
            <span class="muted">Variables:</span>
            {variables.map((v) => (
              <code key={v} class="prompt-chip">
                {v}
              </code>
            ))}
          </p>
        ) : null}

        {!editing && props.canShare ? (
          <label class="checkbox">
            <input type="checkbox" checked={share} onChange={(e) => setShare(e.currentTarget.checked)} />
            Share as a system template (every user can use it)
          </label>
        ) : null}

        <DialogActions
          error={error}
          cancelLabel="Cancel"
          onCancel={props.onClose}
          actionLabel={editing ? 'Save changes' : 'Create prompt'}
          busy={saving}
        />
      </form>
    </Dialog>
  );
}
