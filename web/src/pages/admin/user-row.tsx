import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { User } from '../../lib/api.ts';
import { errorText } from '../../lib/error-text.ts';
import { api, showToast } from '../../lib/state.ts';
import { formatDate } from '../account-format.ts';
import { UsageDetails } from './usage-details.tsx';

const TIERS: User['tier'][] = ['free', 'pro', 'enterprise'];
const COLUMNS = 8;

/** A user as the admin list gives it: with the latest sign-in or model call. */
export interface ListedUser extends User {
  last_active_at?: string | null;
}

/** One user: tier and activation change at once; the usage opens in a row below. */
export function UserRow(props: { user: ListedUser; self: boolean; onChange: (user: ListedUser) => void }) {
  const u = props.user;
  // What was just chosen, shown while the server applies it (the controls would snap back
  // otherwise); one state, so no render shows the controls busy but the choice undone.
  const [pending, setPending] = useState<{ tier?: User['tier']; active?: boolean } | null>(null);
  const busy = pending !== null;
  const [open, setOpen] = useState(false);
  const detailsId = `usage-${u.id}`;

  const update = async (change: { tier?: User['tier']; active?: boolean }, done: string) => {
    setPending(change);
    try {
      props.onChange({ ...u, ...(await api.patch<User>(`/api/v1/admin/users/${u.id}`, change)) });
      showToast(done);
    } catch (err) {
      // Refused: the controls go back to what the server still has.
      showToast(errorText(err), 'error');
    } finally {
      setPending(null);
    }
  };

  return (
    <>
      <tr class={u.is_active ? undefined : 'is-inactive'}>
        <th scope="row" class="cell-email">
          <Email address={u.email} />
        </th>
        <td>{u.display_name ?? <span class="muted">—</span>}</td>
        <td>
          <span class={`role-badge role-${u.role}`}>{u.role === 'admin' ? 'Admin' : 'User'}</span>
        </td>
        <td>
          <select
            aria-label={`Tier of ${u.email}`}
            value={pending?.tier ?? u.tier}
            disabled={busy}
            onChange={(e) => void update({ tier: e.currentTarget.value as User['tier'] }, `${u.email} is now on ${e.currentTarget.value}`)}
          >
            {TIERS.map((tier) => (
              <option key={tier} value={tier}>
                {tier[0].toUpperCase() + tier.slice(1)}
              </option>
            ))}
          </select>
        </td>
        <td>
          <Switch
            label={`${u.email} active`}
            on={pending?.active ?? u.is_active}
            disabled={busy || props.self}
            title={props.self ? 'You cannot deactivate your own account' : undefined}
            onToggle={(on) => void update({ active: on }, `${u.email} ${on ? 'enabled' : 'disabled'}`)}
          />
        </td>
        <td class="cell-date">{formatDate(u.created_at)}</td>
        <td class="cell-date">{u.last_active_at ? formatDate(u.last_active_at) : <span class="muted">Never</span>}</td>
        <td class="cell-action">
          <button
            type="button"
            class="secondary"
            aria-expanded={open}
            aria-controls={open ? detailsId : undefined}
            aria-label={`Usage of ${u.email}`}
            onClick={() => setOpen(!open)}
          >
            Usage
          </button>
        </td>
      </tr>
      {open && (
        <tr class="usage-row" id={detailsId}>
          <td colSpan={COLUMNS}>
            <UsageDetails userId={u.id} />
          </td>
        </tr>
      )}
    </>
  );
}

/**
 * An on/off switch. Its state is set on the element after each render rather than through the
 * `checked` prop: with the prop, a re-render of the table could briefly put back the old state
 * just after a click, while the change was on its way to the server.
 */
function Switch(props: { label: string; on: boolean; disabled: boolean; title?: string; onToggle: (on: boolean) => void }) {
  const ref = useRef<HTMLInputElement>(null);
  useLayoutEffect(() => {
    if (ref.current) ref.current.checked = props.on;
  });
  return (
    <label class="switch">
      <input
        ref={ref}
        type="checkbox"
        role="switch"
        aria-label={props.label}
        aria-checked={props.on}
        defaultChecked={props.on}
        disabled={props.disabled}
        title={props.title}
        onChange={(e) => props.onToggle(e.currentTarget.checked)}
      />
      <span class="switch-track" aria-hidden="true" />
    </label>
  );
}

/** An address that may wrap before its @ but never inside either part. */
function Email(props: { address: string }) {
  const at = props.address.lastIndexOf('@');
  if (at <= 0) return <>{props.address}</>;
  return (
    <>
      <span class="nowrap">{props.address.slice(0, at)}</span>
      <wbr />
      <span class="nowrap">{props.address.slice(at)}</span>
    </>
  );
}
