import { useState } from 'preact/hooks';
import { errorText } from '../../lib/error-text.ts';

/** The outcome of a settings form, next to its button: read out when it appears. */
export type Status = { kind: 'ok' | 'error'; text: string } | null;

export function FormStatus(props: { status: Status; id?: string }) {
  if (!props.status) return <span id={props.id} class="form-status" role="status" />;
  const { kind, text } = props.status;
  return (
    <span id={props.id} class={`form-status ${kind === 'ok' ? 'is-ok' : 'error-text'}`} role={kind === 'error' ? 'alert' : 'status'}>
      {text}
    </span>
  );
}

/**
 * A settings form's submission: `busy` while `action` runs, then its outcome as a `status` for
 * `FormStatus`: the sentence `action` answers, or the request's error.
 */
export function useFormSubmit(action: () => Promise<string | undefined>) {
  const [status, setStatus] = useState<Status>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setStatus(null);
    try {
      const done = await action();
      if (done) setStatus({ kind: 'ok', text: done });
    } catch (err) {
      setStatus({ kind: 'error', text: errorText(err) });
    } finally {
      setBusy(false);
    }
  };

  return { status, busy, onSubmit: (event: Event) => void submit(event) };
}
