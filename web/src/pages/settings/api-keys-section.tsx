import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { ConfirmDialog } from '../../components/dialog.tsx';
import { errorText } from '../../lib/error-text.ts';
import { api, showToast } from '../../lib/state.ts';
import { expiryFromDate, formatDate, localDate } from '../account-format.ts';
import { FormStatus, useFormSubmit } from './form-status.tsx';

interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
}

const KEYS = '/api/v1/auth/api-keys';

/** API keys for programs: the list, a form to create one (shown once), and revocation. */
export function ApiKeysSection() {
  const [keys, setKeys] = useState<ApiKey[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [created, setCreated] = useState<(ApiKey & { key: string }) | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const id = useId();

  const load = () =>
    api.get<ApiKey[]>(KEYS).then(
      (list) => {
        setKeys(list);
        setLoadError(null);
      },
      (err) => setLoadError(errorText(err, 'Could not load your API keys')),
    );
  useEffect(() => void load(), []);

  return (
    <section class="settings-card" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>API keys</h2>
      <p class="muted settings-lead">
        Programs use a key as a bearer token with this server’s API. Treat a key like a password.
      </p>
      <CreateKeyForm
        onCreated={(key) => {
          setCreated(key);
          setKeys((list) => [key, ...(list ?? [])]);
        }}
      />
      {created && <NewKey value={created.key} name={created.name} onDone={() => setCreated(null)} />}
      {loadError && (
        <p class="error-text" role="alert">
          {loadError}
        </p>
      )}
      {keys && keys.length === 0 && <p class="muted">No API keys yet.</p>}
      {keys && keys.length > 0 && (
        <div class="table-wrap">
          <table class="settings-table">
            <caption class="visually-hidden">Your API keys</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Expires</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.map((key) => (
                <tr key={key.id}>
                  <th scope="row">{key.name}</th>
                  <td>
                    <code>{key.prefix}…</code>
                  </td>
                  <td>{formatDate(key.created_at)}</td>
                  <td>{key.last_used_at ? formatDate(key.last_used_at) : 'Never'}</td>
                  <td>{key.expires_at ? formatDate(key.expires_at) : 'Never'}</td>
                  <td class="cell-action">
                    <button type="button" class="danger" aria-label={`Revoke ${key.name}`} onClick={() => setRevoking(key)}>
                      Revoke
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {revoking && (
        <ConfirmDialog
          title="Revoke API key?"
          message={<p>Programs using “{revoking.name}” will stop working at once. This cannot be undone.</p>}
          confirmLabel="Revoke"
          danger
          onClose={() => setRevoking(null)}
          onConfirm={async () => {
            await api.delete(`${KEYS}/${revoking.id}`);
            setKeys((list) => (list ?? []).filter((k) => k.id !== revoking.id));
            if (created?.id === revoking.id) setCreated(null);
            showToast('Key revoked');
          }}
        />
      )}
    </section>
  );
}

function CreateKeyForm(props: { onCreated: (key: ApiKey & { key: string }) => void }) {
  const [name, setName] = useState('');
  const [expires, setExpires] = useState('');
  const id = useId();
  const form = useFormSubmit(async () => {
    const key = await api.post<ApiKey & { key: string }>(KEYS, { name: name.trim(), expires_at: expiryFromDate(expires) });
    setName('');
    setExpires('');
    props.onCreated(key);
    // No sentence: the section shows the new key itself.
    return undefined;
  });

  return (
    <form class="key-form" onSubmit={form.onSubmit}>
      <div class="key-form-field">
        <label for={`${id}-name`}>Key name</label>
        <input
          id={`${id}-name`}
          type="text"
          required
          maxLength={100}
          placeholder="e.g. Laptop script"
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
        />
      </div>
      <div class="key-form-field">
        <label for={`${id}-expires`}>Expires on</label>
        <input
          id={`${id}-expires`}
          type="date"
          min={localDate(new Date(), 1)}
          aria-describedby={`${id}-expires-hint`}
          value={expires}
          onInput={(e) => setExpires(e.currentTarget.value)}
        />
      </div>
      <button type="submit" class="primary" disabled={form.busy}>
        Create key
      </button>
      <p id={`${id}-expires-hint`} class="field-hint key-form-hint">
        Optional: leave the date empty for a key that does not expire.
      </p>
      <FormStatus status={form.status} />
    </form>
  );
}

/** The new key, shown this once, with a Copy button. */
function NewKey(props: { value: string; name: string; onDone: () => void }) {
  const ref = useRef<HTMLElement>(null);
  useEffect(() => ref.current?.focus(), []);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.value);
      showToast('Key copied');
    } catch {
      const range = document.createRange();
      range.selectNodeContents(ref.current!.querySelector('code')!);
      getSelection()?.removeAllRanges();
      getSelection()?.addRange(range);
      showToast('Select the key and copy it', 'error');
    }
  };
  return (
    <section class="new-key" ref={ref} tabIndex={-1} aria-label="New API key">
      <p class="new-key-title">
        Key “{props.name}” created. Copy it now: it will not be shown again.
      </p>
      <div class="new-key-value">
        <code>{props.value}</code>
        <button type="button" class="secondary" onClick={() => void copy()}>
          Copy
        </button>
        <button type="button" class="secondary" onClick={props.onDone}>
          Done
        </button>
      </div>
    </section>
  );
}
