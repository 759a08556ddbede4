import { useId, useState } from 'preact/hooks';
import type { User } from '../../lib/api.ts';
import { api, currentUser } from '../../lib/state.ts';
import { FormStatus, useFormSubmit } from './form-status.tsx';

export function ProfileSection() {
  const user = currentUser.value!;
  const [name, setName] = useState(user.display_name ?? '');
  const id = useId();
  const form = useFormSubmit(async () => {
    const updated = await api.patch<User>('/api/v1/auth/me', { display_name: name.trim() || null });
    currentUser.value = updated;
    setName(updated.display_name ?? '');
    return 'Saved';
  });

  return (
    <section class="settings-card" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>Profile</h2>
      <dl class="settings-facts">
        <div>
          <dt>Email</dt>
          <dd>{user.email}</dd>
        </div>
        <div>
          <dt>Plan</dt>
          <dd class="capitalize">{user.tier}</dd>
        </div>
      </dl>
      <form onSubmit={form.onSubmit}>
        <label for={id}>Display name</label>
        <div class="settings-row">
          <input id={id} type="text" maxLength={100} autocomplete="nickname" value={name} onInput={(e) => setName(e.currentTarget.value)} />
          <button type="submit" class="primary" disabled={form.busy}>
            Save
          </button>
        </div>
        <FormStatus status={form.status} />
      </form>
    </section>
  );
}
