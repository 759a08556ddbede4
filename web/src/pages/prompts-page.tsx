import { useEffect, useState } from 'preact/hooks';
import { ConfirmDelete } from '../components/prompts/confirm-delete.tsx';
import { PreviewDialog } from '../components/prompts/preview-dialog.tsx';
import { listPrompts, type Prompt, type PromptPage } from '../components/prompts/prompt-api.ts';
import { PromptCard } from '../components/prompts/prompt-card.tsx';
import { PromptEditor } from '../components/prompts/prompt-editor.tsx';
import '../components/prompts/prompts.css';
import { ApiError } from '../lib/api.ts';
import { currentUser, showToast } from '../lib/state.ts';

type Open = { kind: 'new' } | { kind: 'edit' | 'preview' | 'delete'; prompt: Prompt } | null;

const SEARCH_DELAY_MS = 250;

/** The prompt library: the caller's prompts and the shared templates; create, edit, delete, preview. */
export function PromptsPage() {
  const user = currentUser.value;
  const isAdmin = user?.role === 'admin';
  const [search, setSearch] = useState('');
  const [query, setQuery] = useState('');
  const [data, setData] = useState<PromptPage>();
  const [more, setMore] = useState<Prompt[]>([]);
  const [error, setError] = useState<string>();
  const [version, setVersion] = useState(0);
  const [open, setOpen] = useState<Open>(null);

  useEffect(() => {
    const timer = setTimeout(() => setQuery(search), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [search]);

  useEffect(() => {
    const controller = new AbortController();
    listPrompts({ search: query, signal: controller.signal })
      .then((page) => {
        setData(page);
        setMore([]);
        setError(undefined);
      })
      .catch((err: unknown) => {
        if (!controller.signal.aborted) setError(err instanceof ApiError ? err.message : 'Prompts could not be loaded');
      });
    return () => controller.abort();
  }, [query, version]);

  const reload = () => setVersion((v) => v + 1);
  const items = data ? [...data.items, ...more] : [];
  const own = items.filter((p) => !p.is_template);
  const templates = items.filter((p) => p.is_template);
  const loadMore = async () => {
    if (!data) return;
    try {
      const next = await listPrompts({ search: query, page: data.page + 1 + Math.floor(more.length / data.page_size) });
      setMore([...more, ...next.items]);
    } catch (err) {
      showToast(err instanceof ApiError ? err.message : 'More prompts could not be loaded', 'error');
    }
  };

  const card = (p: Prompt) => (
    <PromptCard
      key={p.id}
      prompt={p}
      canChange={!p.is_template || isAdmin}
      onPreview={() => setOpen({ kind: 'preview', prompt: p })}
      onEdit={() => setOpen({ kind: 'edit', prompt: p })}
      onDelete={() => setOpen({ kind: 'delete', prompt: p })}
    />
  );

  return (
    <section class="page prompts-page" aria-labelledby="prompts-heading">
      <header class="prompts-header">
        <div>
          <h1 id="prompts-heading">Prompts</h1>
          <p class="muted">Reusable prompts with variables, ready to insert into a chat.</p>
        </div>
        <button type="button" class="primary" onClick={() => setOpen({ kind: 'new' })}>
          New prompt
        </button>
      </header>

      <div class="prompts-search">
        <label for="prompts-search" class="visually-hidden">
          Search prompts
        </label>
        <input
          id="prompts-search"
          type="search"
          placeholder="Search prompts"
          value={search}
          onInput={(e) => setSearch(e.currentTarget.value)}
        />
      </div>

      {error ? (
        <p class="error-text" role="alert">
          {error}
        </p>
      ) : null}

      <section aria-labelledby="own-prompts-heading" aria-busy={!data}>
        <h2 id="own-prompts-heading">Your prompts</h2>
        {data && own.length === 0 ? (
          <div class="prompts-empty">
            <p>{query ? `None of your prompts match “${query}”.` : 'You have no prompts yet.'}</p>
            {!query ? (
              <button type="button" class="secondary" onClick={() => setOpen({ kind: 'new' })}>
                Create your first prompt
              </button>
            ) : null}
          </div>
        ) : (
          <ul class="prompt-list" aria-labelledby="own-prompts-heading">
            {own.map(card)}
          </ul>
        )}
      </section>

      {templates.length > 0 ? (
        <section aria-labelledby="template-prompts-heading">
          <h2 id="template-prompts-heading">Templates</h2>
          <ul class="prompt-list" aria-labelledby="template-prompts-heading">
            {templates.map(card)}
          </ul>
        </section>
      ) : null}

      {data && items.length < data.total ? (
        <button type="button" class="secondary prompts-more" onClick={loadMore}>
          Load more
        </button>
      ) : null}

      {open?.kind === 'new' || open?.kind === 'edit' ? (
        <PromptEditor
          prompt={open.kind === 'edit' ? open.prompt : undefined}
          canShare={isAdmin}
          onClose={() => setOpen(null)}
          onSaved={(p) => {
            setOpen(null);
            showToast(open.kind === 'edit' ? `Saved “${p.title}”` : `Created “${p.title}”`);
            reload();
          }}
        />
      ) : null}
      {open?.kind === 'preview' ? <PreviewDialog prompt={open.prompt} onClose={() => setOpen(null)} onUsed={reload} /> : null}
      {open?.kind === 'delete' ? (
        <ConfirmDelete
          prompt={open.prompt}
          onClose={() => setOpen(null)}
          onDeleted={() => {
            setOpen(null);
            showToast(`Deleted “${open.prompt.title}”`);
            reload();
          }}
        />
      ) : null}
    </section>
  );
}
