import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Client } from '../support/http.ts';
import { oneLine, randomEmail, randomPassword, succeeded, useCliData } from './support.ts';

const login = (api: Client, email: string, password: string) => api.post('/api/v1/auth/login', { email, password });

async function signIn(api: Client, email: string, password: string) {
  const res = await login(api, email, password);
  assert.equal(res.status, 200, res.text);
  return { token: res.body.access_token as string, refreshToken: res.body.refresh_token as string };
}

describe('parley user …', () => {
  const { cli, withServer } = useCliData();

  /** Creates an account with a known password and answers its email. */
  async function createUser(extra: string[] = [], password = randomPassword()) {
    const email = randomEmail();
    succeeded(await cli(['user', 'create', email, '--password', password, ...extra]));
    return { email, password };
  }

  it('creates an admin with a generated password and a user with one from stdin; both sign in; user list shows them', async () => {
    const adminEmail = randomEmail('admin');
    const created = succeeded(await cli(['user', 'create', adminEmail, '--admin', '--name', 'Root Admin']));
    assert.equal(created.length, 2);
    assert.match(created[0], new RegExp(`^Created ${adminEmail} \\(admin, free tier\\), id [0-9a-f-]{36}\\.$`));
    const generated = /^Password \(shown only this once\): (\S{24})$/.exec(created[1]);
    assert.ok(generated, created[1]);

    const userEmail = randomEmail();
    const password = 'a long passphrase, for once';
    // The newline that ends the line read from stdin is not part of the password.
    const user = succeeded(await cli(['user', 'create', userEmail.toUpperCase(), '--password-stdin', '--tier', 'pro'], { input: `${password}\n` }));
    assert.deepEqual(user.length, 1, 'a given password is never printed');
    assert.match(user[0], new RegExp(`^Created ${userEmail} \\(user, pro tier\\)`));

    const table = succeeded(await cli(['user', 'list']));
    assert.match(table[0], /^EMAIL +ROLE +TIER +STATUS +BUDGET +CREATED \(UTC\) +LAST ACTIVE +NAME$/);
    assert.match(table.find((l) => l.startsWith(adminEmail)) ?? '', /^\S+ +admin +free +active +- +\d{4}-\d\d-\d\d \d\d:\d\d +- +Root Admin$/);
    assert.match(table.find((l) => l.startsWith(userEmail)) ?? '', /^\S+ +user +pro +active +- /);

    await withServer(async (api) => {
      const admin = await signIn(api, adminEmail, generated[1]);
      const me = await api.get('/api/v1/auth/me', { token: admin.token });
      assert.equal(me.body.role, 'admin');
      assert.equal(me.body.display_name, 'Root Admin');
      const them = await signIn(api, userEmail, password);
      const theirs = await api.get('/api/v1/auth/me', { token: them.token });
      assert.equal(theirs.body.tier, 'pro');
      assert.equal(theirs.body.role, 'user');
      // The admin API sees the same accounts.
      const listed = await api.get(`/api/v1/admin/users?q=${encodeURIComponent(userEmail)}`, { token: admin.token });
      assert.equal(listed.body.total, 1);
    });

    const json = JSON.parse(succeeded(await cli(['user', 'list', '--json', '--query', userEmail.slice(0, 12)])).join('\n'));
    assert.equal(json.total, 1);
    assert.equal(json.items[0].email, userEmail);
    assert.equal(json.items[0].tier, 'pro');
    assert.ok(json.items[0].last_active_at, 'the sign-in above is its last activity');
    const limited = JSON.parse(succeeded(await cli(['user', 'list', '--json', '--limit', '1'])).join('\n'));
    assert.equal(limited.items.length, 1);
    assert.ok(limited.total >= 2);
  });

  it('refuses in one line a taken email, a weak password, a bad email, tier or option, creating nothing', async () => {
    const { email } = await createUser();
    assert.equal(oneLine(await cli(['user', 'create', email, '--password', randomPassword()])), 'parley user create: Email already registered');
    const weak = randomEmail();
    assert.equal(
      oneLine(await cli(['user', 'create', weak, '--password', 'short'])),
      'parley user create: Password must be at least 8 characters long',
    );
    assert.match(oneLine(await cli(['user', 'create', weak, '--password', 'password1'])), /most commonly used passwords/);
    assert.equal(oneLine(await cli(['user', 'create', 'not-an-email']), 2), "parley user create: 'not-an-email' is not an email address");
    assert.equal(
      oneLine(await cli(['user', 'create', weak, '--tier', 'gold']), 2),
      "parley user create: --tier must be one of free, pro, enterprise, not 'gold'",
    );
    assert.equal(
      oneLine(await cli(['user', 'create', weak, '--password', 'x', '--password-stdin'], { input: 'y\n' }), 2),
      'parley user create: give --password or --password-stdin, not both',
    );
    assert.match(oneLine(await cli(['user', 'create', weak, '--bogus']), 2), /^parley user create: Unknown option '--bogus'; see `parley user create --help`$/);
    const listed = JSON.parse(succeeded(await cli(['user', 'list', '--json', '--query', weak])).join('\n'));
    assert.equal(listed.total, 0);
  });

  it('reset-password: the old password and every token of the user stop working; the new password signs in', async () => {
    const { email, password } = await createUser();
    const before = await withServer((api) => signIn(api, email, password));
    const reset = succeeded(await cli(['user', 'reset-password', email]));
    assert.equal(reset[0], `Reset the password of ${email}; every login of theirs has ended.`);
    const fresh = /^Password \(shown only this once\): (\S+)$/.exec(reset[1])?.[1];
    assert.ok(fresh, reset.join('\n'));
    await withServer(async (api) => {
      assert.equal((await login(api, email, password)).status, 401);
      assert.equal((await api.get('/api/v1/auth/me', { token: before.token })).status, 401);
      assert.equal((await api.post('/api/v1/auth/refresh', { refresh_token: before.refreshToken })).status, 401);
      await signIn(api, email, fresh);
    });
    assert.match(oneLine(await cli(['user', 'reset-password', email, '--password', 'short'])), /at least 8 characters/);
  });

  it('disable refuses the user at once and enable lets them sign in again', async () => {
    const { email, password } = await createUser();
    const session = await withServer((api) => signIn(api, email, password));
    assert.deepEqual(succeeded(await cli(['user', 'disable', email])), [
      `Disabled ${email}: every login has ended and every credential is refused until it is enabled.`,
    ]);
    assert.deepEqual(succeeded(await cli(['user', 'disable', email])), [`${email} was already disabled.`]);
    await withServer(async (api) => {
      assert.equal((await login(api, email, password)).status, 403);
      assert.equal((await api.get('/api/v1/auth/me', { token: session.token })).status, 401);
    });
    assert.deepEqual(succeeded(await cli(['user', 'enable', email])), [`Enabled ${email}: they can sign in again.`]);
    await withServer(async (api) => {
      // Its ended logins stay ended.
      assert.equal((await api.get('/api/v1/auth/me', { token: session.token })).status, 401);
      await signIn(api, email, password);
    });
  });

  it('set-tier, set-budget and set-role show through the admin API', async () => {
    const admin = await createUser(['--admin']);
    const { email } = await createUser();
    assert.deepEqual(succeeded(await cli(['user', 'set-tier', email, 'enterprise'])), [`${email}: tier enterprise (was free).`]);
    assert.deepEqual(succeeded(await cli(['user', 'set-budget', email, '12.5'], { env: { SPEND_LIMIT_ENTERPRISE_MONTHLY_USD: '100' } })), [
      `${email}: monthly spend limit $12.50 a month (was the enterprise tier's default, $100 a month).`,
    ]);
    assert.deepEqual(succeeded(await cli(['user', 'set-role', email, 'admin'])), [`${email}: role admin (was user).`]);
    const shown = async () =>
      withServer(async (api) => {
        const { token } = await signIn(api, admin.email, admin.password);
        const res = await api.get(`/api/v1/admin/users?q=${encodeURIComponent(email)}`, { token });
        assert.equal(res.status, 200, res.text);
        return res.body.items[0];
      });
    const changed = await shown();
    assert.equal(changed.tier, 'enterprise');
    assert.equal(changed.monthly_budget_usd, 12.5);
    assert.equal(changed.role, 'admin');

    assert.deepEqual(succeeded(await cli(['user', 'set-budget', email, 'none'])), [
      `${email}: monthly spend limit the enterprise tier's default, no limit (was $12.50 a month).`,
    ]);
    assert.equal((await shown()).monthly_budget_usd, null);

    for (const [args, line] of [
      [['user', 'set-tier', email, 'gold'], "parley user set-tier: the tier must be one of free, pro, enterprise, not 'gold'"],
      [['user', 'set-role', email, 'root'], "parley user set-role: the role must be one of user, admin, not 'root'"],
      [['user', 'set-budget', email, '0'], "parley user set-budget: the budget must be an amount of US dollars above 0 and at most 1000000, or none; not '0'"],
      [['user', 'set-budget', email, 'lots'], "parley user set-budget: the budget must be an amount of US dollars above 0 and at most 1000000, or none; not 'lots'"],
      [['user', 'set-tier', email], 'parley user set-tier: missing <tier>; usage: parley user set-tier <email> <free|pro|enterprise>'],
    ]) {
      assert.equal(oneLine(await cli(args as string[]), 2), line);
    }
  });

  it('names an unknown email in one line', async () => {
    const nobody = randomEmail('nobody');
    for (const command of ['reset-password', 'disable', 'enable']) {
      assert.equal(oneLine(await cli(['user', command, nobody, ...(command === 'reset-password' ? ['--password', randomPassword()] : [])])), `parley user ${command}: no user with email ${nobody}`);
    }
  });
});
