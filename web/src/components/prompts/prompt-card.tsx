import type { Prompt } from './prompt-api.ts';
import { templateVariables } from './template.ts';

/** One prompt of the library: what it is, its variables, and what the caller may do with it. */
export function PromptCard(props: { prompt: Prompt; canChange: boolean; onPreview(): void; onEdit(): void; onDelete(): void }) {
  const p = props.prompt;
  const variables = templateVariables(p.content);
  const name = <span class="visually-hidden"> {p.title}</span>;
  return (
    <li class="prompt-card">
      <article aria-label={p.title}>
        <header class="prompt-card-head">
          <h3>{p.title}</h3>
          {p.is_template || p.scenario ? (
            <div class="prompt-badges">
              {p.is_template ? <span class="prompt-badge prompt-badge-accent">Template</span> : null}
              {p.scenario ? <span class="prompt-badge">{p.scenario}</span> : null}
            </div>
          ) : null}
        </header>
        {p.description ? <p class="prompt-description">{p.description}</p> : null}
        <div class="prompt-content-preview">
          <p>{p.content}</p>
        </div>
        <footer class="prompt-card-foot">
          <span class="prompt-meta">
            {variables.length > 0 ? (
              <span>
                {variables.length} {variables.length === 1 ? 'variable' : 'variables'}
              </span>
            ) : null}
            <span>
              Used {p.usage_count} {p.usage_count === 1 ? 'time' : 'times'}
            </span>
          </span>
          <span class="prompt-actions">
            <button type="button" class="secondary small" onClick={props.onPreview}>
              Preview{name}
            </button>
            {props.canChange ? (
              <>
                <button type="button" class="secondary small" onClick={props.onEdit}>
                  Edit{name}
                </button>
                <button type="button" class="danger small" onClick={props.onDelete}>
                  Delete{name}
                </button>
              </>
            ) : null}
          </span>
        </footer>
      </article>
    </li>
  );
}
