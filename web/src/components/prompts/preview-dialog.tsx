import { useState } from 'preact/hooks';
import { ApiError } from '../../lib/api.ts';
import { Dialog, DialogActions } from '../dialog.tsx';
import { formatTokens } from '../usage/usage-series.ts';
import { type PreviewResult, type Prompt, previewPrompt } from './prompt-api.ts';
import { VariableFields } from './variable-fields.tsx';
import { fillTemplate, templateVariables } from './template.ts';

/** Fill in a prompt's variables and run it through the default model once. */
export function PreviewDialog(props: { prompt: Prompt; onClose(): void; onUsed(): void }) {
  const variables = templateVariables(props.prompt.content);
  const [values, setValues] = useState<Record<string, string>>(() => Object.fromEntries(variables.map((v) => [v, ''])));
  const [running, setRunning] = useState(false);
  const [result, setResult] = useState<PreviewResult>();
  const [error, setError] = useState<string>();

  const run = async (e: Event) => {
    e.preventDefault();
    setRunning(true);
    setError(undefined);
    try {
      setResult(await previewPrompt(props.prompt.id, values));
      props.onUsed();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'The preview failed');
    } finally {
      setRunning(false);
    }
  };

  return (
    <Dialog title={`Preview: ${props.prompt.title}`} onClose={props.onClose} dismissible wide>
      <form class="prompt-form" onSubmit={run}>
        <VariableFields idPrefix="preview" names={variables} values={values} onChange={setValues} />
        <h3 class="prompt-subhead">Filled-in prompt</h3>
        <pre class="prompt-filled">{fillTemplate(props.prompt.content, values)}</pre>
        <p class="field-hint">Runs the prompt through the default model once; this counts toward your usage.</p>
        <DialogActions
          error={error}
          cancelLabel="Close"
          onCancel={props.onClose}
          actionLabel={running ? 'Running…' : 'Run preview'}
          busy={running}
        />
      </form>
      <div aria-live="polite">
        {result ? (
          <section class="prompt-result" aria-label="Model reply">
            <h3 class="prompt-subhead">Model reply</h3>
            <div class="prompt-result-text">{result.preview}</div>
            <p class="field-hint">
              {result.model_used} · {formatTokens(result.tokens_used)} tokens
            </p>
          </section>
        ) : null}
      </div>
    </Dialog>
  );
}
