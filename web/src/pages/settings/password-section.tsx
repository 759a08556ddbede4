import { useId, useState } from 'preact/hooks';
import { api, currentUser } from '../../lib/state.ts';
import { FormStatus, useFormSubmit } from './form-status.tsx';

export function PasswordSection() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const id = useId();
  const form = useFormSubmit(async () => {
    await api.post('/api/v1/auth/password', { current_password: current, new_password: next });
    setCurrent('');
    setNext('');
    return 'Password changed. Your other sign-ins have ended.';
  });

  return (
    <section class="settings-card" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>Password</h2>
      <form onSubmit={form.onSubmit}>
        {/* Lets password managers tie the new password to the account. */}
        <input type="email" autocomplete="username" hidden readOnly value={currentUser.value?.email ?? ''} />
        <label for={`${id}-current`}>Current password</label>
        <input
          id={`${id}-current`}
          type="password"
          autocomplete="current-password"
          required
          value={current}
          onInput={(e) => setCurrent(e.currentTarget.value)}
        />
        <label for={`${id}-new`}>New password</label>
        <input
          id={`${id}-new`}
          type="password"
          autocomplete="new-password"
          required
          minLength={8}
          aria-describedby={`${id}-hint`}
          value={next}
          onInput={(e) => setNext(e.currentTarget.value)}
        />
        <p id={`${id}-hint`} class="field-hint">
          At least 8 characters, not your email, not a common password.
        </p>
        <div class="settings-actions">
          <button type="submit" class="primary" disabled={form.busy}>
            Change password
          </button>
          <FormStatus status={form.status} />
        </div>
      </form>
    </section>
  );
}
