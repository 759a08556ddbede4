import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../lib/api.ts';
import { Dialog, DialogActions } from './dialog.tsx';
import { listPrompts, type Prompt } from './prompts/prompt-api.ts';
import { VariableFields } from './prompts/variable-fields.tsx';
import { fillTemplate, templateVariables } from './prompts/template.ts';
import './prompts/prompts.css';

/**
 * "Insert prompt": a dialog to pick a prompt of the library, fill in its variables, and hand
 * the filled-in text to `onInsert` (the composer puts it in the message box).
 */
export function PromptInsert(props: { onInsert(text: string): void }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" class="icon-button prompt-insert-button" title="Insert prompt" onClick={() => setOpen(true)}>
        <svg viewBox="0 0 20 20" width="18" height="18" aria-hidden="true">
          <path
            d="M4 3.5h9.5L16 6v10.5H4zM7 8h6M7 11h6M7 14h3.5"
            fill="none"
            stroke="currentColor"
            stroke-width="1.5"
            stroke-linecap="round"
            stroke-linejoin="round"
          />
        </svg>
        <span class="visually-hidden">Insert prompt</span>
      </button>
      {open ? (
        <InsertDialog
          onClose={() => setOpen(false)}
          onInsert={(text) => {
            setOpen(false);
            props.onInsert(text);
          }}
        />
      ) : null}
    </>
  );
}

function InsertDialog(props: { onClose(): void; onInsert(text: string): void }) {
  const [search, setSearch] = useState('');
  const [prompts, setPrompts] = useState<Prompt[]>();
  const [error, setError] = useState<string>();
  const [chosen, setChosen] = useState<Prompt>();
  const firstLoad = useRef(true);
  const searchInput = useRef<HTMLInputElement>(null);
  // Back from a prompt's form: the search box again.
  useEffect(() => {
    if (!chosen) searchInput.current?.focus();
  }, [chosen]);

  useEffect(() => {
    // The first load goes out at once; typing waits for a pause.
    const delay = firstLoad.current ? 0 : 200;
    firstLoad.current = false;
    const controller = new AbortController();
    const timer = setTimeout(
      () =>
        listPrompts({ search, signal: controller.signal })
          .then((page) => {
            setPrompts(page.items);
            setError(undefined);
          })
          .catch((err: unknown) => {
            if (!controller.signal.aborted) setError(err instanceof ApiError ? err.message : 'Prompts could not be loaded');
          }),
      delay,
    );
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [search]);

  return (
    <Dialog title={chosen ? chosen.title : 'Insert a prompt'} onClose={props.onClose} dismissible wide>
      {chosen ? (
        <FillForm prompt={chosen} onBack={() => setChosen(undefined)} onInsert={props.onInsert} />
      ) : (
        <div class="prompt-picker">
          <label for="prompt-insert-search" class="visually-hidden">
            Search prompts
          </label>
          <input
            ref={searchInput}
            id="prompt-insert-search"
            type="search"
            placeholder="Search prompts"
            autoFocus
            value={search}
            onInput={(e) => setSearch(e.currentTarget.value)}
          />
          {error ? (
            <p class="error-text" role="alert">
              {error}
            </p>
          ) : null}
          {prompts && prompts.length === 0 ? (
            <p class="muted prompt-picker-empty">{search ? 'No prompt matches.' : 'Your prompt library is empty. Add prompts on the Prompts page.'}</p>
          ) : null}
          <ul class="prompt-picker-list" aria-label="Prompts" aria-busy={prompts === undefined}>
            {(prompts ?? []).map((p) => (
              <li key={p.id}>
                <button type="button" class="prompt-picker-item" onClick={() => setChosen(p)}>
                  <span class="prompt-picker-title">
                    {p.title}
                    {p.is_template ? <span class="prompt-badge prompt-badge-accent">Template</span> : null}
                  </span>
                  <span class="prompt-picker-snippet">{p.description || p.content}</span>
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
    </Dialog>
  );
}

function FillForm(props: { prompt: Prompt; onBack(): void; onInsert(text: string): void }) {
  const variables = templateVariables(props.prompt.content);
  const [values, setValues] = useState<Record<string, string>>(() => Object.fromEntries(variables.map((v) => [v, ''])));
  const text = fillTemplate(props.prompt.content, values);
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => {
    // The first thing to fill in, or the Insert button when there is nothing to fill.
    form.current?.querySelector<HTMLElement>('textarea, button[type="submit"]')?.focus();
  }, []);
  return (
    <form
      ref={form}
      class="prompt-form"
      onSubmit={(e) => {
        e.preventDefault();
        props.onInsert(text);
      }}
    >
      <VariableFields idPrefix="insert" names={variables} values={values} onChange={setValues} />
      <h3 class="prompt-subhead">Text to insert</h3>
      <pre class="prompt-filled">{text}</pre>
      <DialogActions cancelLabel="Back" onCancel={props.onBack} actionLabel="Insert" />
    </form>
  );
}
