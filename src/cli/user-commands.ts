import { z } from 'zod';
import type { User } from '../core/accounts/accounts-service.ts';
import type { Role, Tier } from '../db/schema.ts';
import { presentUser } from '../http/api-v1/presenters.ts';
import { type Command, stringOption } from './command.ts';
import { count, minute, table, usd } from './format.ts';
import { usageError } from './io.ts';
import { passwordInput, passwordOptions } from './password-input.ts';
import { operator } from './runtime.ts';
import { userByEmail } from './user-lookup.ts';

const TIERS: readonly Tier[] = ['free', 'pro', 'enterprise'];
const ROLES: readonly Role[] = ['user', 'admin'];
// As the API's admin route takes it.
const MAX_BUDGET_USD = 1_000_000;
const MAX_LIST = 10_000;

const oneOf = <T extends string>(what: string, value: string, allowed: readonly T[]): T => {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw usageError(`${what} must be one of ${allowed.join(', ')}, not '${value}'`);
};

const describeUser = (u: User) => `${u.email} (${u.role === 'admin' ? 'admin' : 'user'}, ${u.tier} tier${u.active ? '' : ', disabled'})`;

const create: Command = {
  name: 'user create',
  usage: '<email> [--password P | --password-stdin] [--admin] [--name N] [--tier free|pro|enterprise]',
  summary: 'create an account (with no password given, one is generated and printed once)',
  details: ['Registration need not be open. The password policy applies as at registration.'],
  args: [{ name: 'email' }],
  options: {
    ...passwordOptions,
    admin: { type: 'boolean', help: 'make the account an admin' },
    name: { type: 'string', value: 'N', help: 'display name (1 to 100 characters)' },
    tier: { type: 'string', value: 'T', help: 'free (the default), pro or enterprise' },
  },
  async run(ctx) {
    const email = ctx.args[0].trim();
    if (!z.email().max(254).safeParse(email).success) throw usageError(`'${email}' is not an email address`);
    const name = stringOption(ctx, 'name')?.trim();
    if (name !== undefined && (name.length === 0 || name.length > 100)) throw usageError('--name must be 1 to 100 characters');
    const tierOption = stringOption(ctx, 'tier');
    const tier = tierOption === undefined ? 'free' : oneOf('--tier', tierOption, TIERS);
    const { password, generated } = await passwordInput(ctx);
    const runtime = await ctx.open();
    const user = await runtime.core.accounts.createUser(operator, {
      email,
      password,
      displayName: name ?? null,
      role: ctx.options.admin === true ? 'admin' : 'user',
      tier,
    });
    ctx.io.out(`Created ${describeUser(user)}, id ${user.id}.`);
    if (generated) ctx.io.out(`Password (shown only this once): ${password}`);
  },
};

const resetPassword: Command = {
  name: 'user reset-password',
  usage: '<email> [--password P | --password-stdin]',
  summary: 'set a new password and end every login of the user (API keys keep working)',
  args: [{ name: 'email' }],
  options: passwordOptions,
  async run(ctx) {
    const { password, generated } = await passwordInput(ctx);
    const runtime = await ctx.open();
    const user = await userByEmail(runtime, ctx.args[0]);
    await runtime.core.accounts.resetPassword(operator, user.id, password);
    ctx.io.out(`Reset the password of ${user.email}; every login of theirs has ended.`);
    if (generated) ctx.io.out(`Password (shown only this once): ${password}`);
  },
};

const disable: Command = {
  name: 'user disable',
  usage: '<email>',
  summary: 'disable an account: its logins end, its sockets close, its API keys are refused',
  args: [{ name: 'email' }],
  async run(ctx) {
    const runtime = await ctx.open();
    const user = await userByEmail(runtime, ctx.args[0]);
    if (!user.active) return ctx.io.out(`${user.email} was already disabled.`);
    await runtime.core.accounts.updateUser(operator, user.id, { active: false });
    ctx.io.out(`Disabled ${user.email}: every login has ended and every credential is refused until it is enabled.`);
  },
};

const enable: Command = {
  name: 'user enable',
  usage: '<email>',
  summary: 'enable a disabled account (its ended logins stay ended: the user signs in again)',
  args: [{ name: 'email' }],
  async run(ctx) {
    const runtime = await ctx.open();
    const user = await userByEmail(runtime, ctx.args[0]);
    if (user.active) return ctx.io.out(`${user.email} was already enabled.`);
    await runtime.core.accounts.updateUser(operator, user.id, { active: true });
    ctx.io.out(`Enabled ${user.email}: they can sign in again.`);
  },
};

const setTier: Command = {
  name: 'user set-tier',
  usage: '<email> <free|pro|enterprise>',
  summary: "set a user's tier (their rate limits and default budgets)",
  args: [{ name: 'email' }, { name: 'tier' }],
  async run(ctx) {
    const tier = oneOf('the tier', ctx.args[1], TIERS);
    const runtime = await ctx.open();
    const user = await userByEmail(runtime, ctx.args[0]);
    await runtime.core.accounts.updateUser(operator, user.id, { tier });
    ctx.io.out(`${user.email}: tier ${tier} (was ${user.tier}).`);
  },
};

const setBudget: Command = {
  name: 'user set-budget',
  usage: '<email> <usd|none>',
  summary: "set a user's monthly spend limit in US dollars, or none for their tier's default",
  args: [{ name: 'email' }, { name: 'usd' }],
  async run(ctx) {
    const raw = ctx.args[1].trim();
    let budget: number | null = null;
    if (raw !== 'none') {
      budget = Number(raw.replace(/^\$/, ''));
      if (raw === '' || !Number.isFinite(budget) || budget <= 0 || budget > MAX_BUDGET_USD) {
        throw usageError(`the budget must be an amount of US dollars above 0 and at most ${MAX_BUDGET_USD}, or none; not '${raw}'`);
      }
    }
    const runtime = await ctx.open();
    const user = await userByEmail(runtime, ctx.args[0]);
    const changed = await runtime.core.accounts.updateUser(operator, user.id, { monthlyBudgetUsd: budget });
    const describe = (amount: number | null) => {
      if (amount !== null) return `${usd(amount)} a month`;
      const fallback = runtime.config.limits.monthlyUsd[changed.tier];
      return `the ${changed.tier} tier's default, ${fallback === null ? 'no limit' : `${usd(fallback)} a month`}`;
    };
    ctx.io.out(`${user.email}: monthly spend limit ${describe(budget)} (was ${describe(user.monthlyBudgetUsd)}).`);
  },
};

const setRole: Command = {
  name: 'user set-role',
  usage: '<email> <user|admin>',
  summary: "set a user's role",
  args: [{ name: 'email' }, { name: 'role' }],
  async run(ctx) {
    const role = oneOf('the role', ctx.args[1], ROLES);
    const runtime = await ctx.open();
    const user = await userByEmail(runtime, ctx.args[0]);
    await runtime.core.accounts.updateUser(operator, user.id, { role });
    ctx.io.out(`${user.email}: role ${role} (was ${user.role}).`);
  },
};

const list: Command = {
  name: 'user list',
  usage: '[--query Q] [--limit N] [--json]',
  summary: 'list accounts, newest first',
  details: ['--json prints {"items": [...], "total": n} with the fields of GET /api/v1/admin/users.'],
  args: [],
  options: {
    query: { type: 'string', value: 'Q', help: 'only users whose email or display name contains Q, in any case' },
    limit: { type: 'string', value: 'N', help: `at most N users (default 100, at most ${MAX_LIST})` },
    json: { type: 'boolean', help: 'machine-readable output' },
  },
  async run(ctx) {
    const rawLimit = stringOption(ctx, 'limit') ?? '100';
    const limit = Number(rawLimit);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST) throw usageError(`--limit must be a whole number from 1 to ${MAX_LIST}`);
    const q = stringOption(ctx, 'query')?.trim() || undefined;
    const runtime = await ctx.open();
    const { items, total } = await runtime.core.userDirectory.list(operator, { q, offset: 0, limit });
    if (ctx.options.json === true) {
      const presented = items.map((u) => ({ ...presentUser(u), last_active_at: u.lastActiveAt?.toISOString() ?? null }));
      return ctx.io.out(JSON.stringify({ items: presented, total }, null, 2));
    }
    if (items.length === 0) return ctx.io.out(q ? `No user matches '${q}'.` : 'No users yet.');
    const rows = items.map((u) => [
      u.email,
      u.role,
      u.tier,
      u.active ? 'active' : 'disabled',
      u.monthlyBudgetUsd === null ? '-' : usd(u.monthlyBudgetUsd),
      minute(u.createdAt),
      u.lastActiveAt ? minute(u.lastActiveAt) : '-',
      u.displayName ?? '',
    ]);
    for (const line of table([['EMAIL', 'ROLE', 'TIER', 'STATUS', 'BUDGET', 'CREATED (UTC)', 'LAST ACTIVE', 'NAME'], ...rows])) ctx.io.out(line);
    if (total > items.length) ctx.io.out(`${items.length} of ${count(total, 'user')}; --limit shows more.`);
  },
};

export const userCommands: Command[] = [create, list, resetPassword, disable, enable, setTier, setBudget, setRole];
