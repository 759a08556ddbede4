import type { Actor } from '../actor.ts';
import { AppError, errors, isWrongPassword } from '../errors.ts';
import type { RateLimiter } from '../limits/rate-limiter.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { AccountsService, Session } from './accounts-service.ts';

const MINUTE_MS = 60_000;
const LOGIN_WINDOW_MS = 15 * MINUTE_MS;
const HOUR_MS = 60 * MINUTE_MS;

export interface DoorLimits {
  /** Failed logins per account and per address in a 15-minute window. */
  loginFailures: number;
  registrationsPerHour: number;
  refreshPerMinute: number;
}

/** Who knocks: the client's address, and where to report a counter store that does not answer. */
export interface DoorCaller {
  address: string;
  warn?: (err: unknown, message: string) => void;
}

type Accounts = Pick<AccountsService, 'login' | 'register' | 'refresh' | 'me' | 'changePassword'>;

interface DoorThrottleDeps {
  accounts: Accounts;
  limiter: RateLimiter;
  limits: DoorLimits;
  metrics?: Pick<Metrics, 'refused'>;
}

/**
 * The unauthenticated doors (login, registration, refresh) with their throttles in front, and the
 * one signed-in door that takes a password (changing it).
 * Login counts failures only, per account and per address: once either has had its failures in
 * the window, every login for it is refused until the window ends, the right password included,
 * so guessing cannot go on. An unknown email is counted like a known one, so the answers do not
 * tell which accounts exist. Registrations and refreshes count every attempt per address.
 */
export class DoorThrottle {
  private readonly deps: DoorThrottleDeps;
  constructor(deps: DoorThrottleDeps) {
    this.deps = deps;
  }

  async login(input: { email: string; password: string }, from: DoorCaller): Promise<Session> {
    const keys = loginKeys(input.email, from);
    await this.refuseAfterFailures(keys, from);
    try {
      return await this.deps.accounts.login(input);
    } catch (err) {
      if (err instanceof AppError && err.code === 'unauthorized') await this.countFailure(keys, from);
      throw err;
    }
  }

  /**
   * A password change confirms the current password, so it is one more way to guess it: a wrong
   * one counts as a failed login of the account (and the address), and once the login throttle
   * is reached the change is refused like a login.
   */
  async changePassword(actor: Actor, input: { currentPassword: string; newPassword: string }, from: DoorCaller): Promise<void> {
    const { email } = await this.deps.accounts.me(actor);
    const keys = loginKeys(email, from);
    await this.refuseAfterFailures(keys, from);
    try {
      await this.deps.accounts.changePassword(actor, input);
    } catch (err) {
      if (isWrongPassword(err)) await this.countFailure(keys, from);
      throw err;
    }
  }

  /** Checked without counting, before the password is verified: a success must not use up the allowance. */
  private async refuseAfterFailures(keys: string[], from: DoorCaller): Promise<void> {
    const limit = this.deps.limits.loginFailures;
    const windows = await this.guard(from, () => Promise.all(keys.map((key) => this.deps.limiter.peek(key))));
    const reached = (windows ?? []).filter((w) => w.count >= limit);
    if (reached.length > 0) {
      const resetMs = Math.max(...reached.map((w) => w.resetMs));
      this.deps.metrics?.refused('login');
      throw tooMany(`Too many failed login attempts; try again in ${seconds(resetMs)} seconds`, limit, resetMs);
    }
  }

  private async countFailure(keys: string[], from: DoorCaller): Promise<void> {
    await this.guard(from, () => Promise.all(keys.map((key) => this.deps.limiter.hit(key, LOGIN_WINDOW_MS))));
  }

  async register(input: Parameters<Accounts['register']>[0], from: DoorCaller): Promise<Session> {
    const limit = this.deps.limits.registrationsPerHour;
    await this.count(from, 'registration', `register:address:${from.address}`, HOUR_MS, limit, 'Too many registrations from this address');
    return this.deps.accounts.register(input);
  }

  async refresh(refreshToken: string, from: DoorCaller): Promise<Session> {
    const limit = this.deps.limits.refreshPerMinute;
    await this.count(from, 'refresh', `refresh:address:${from.address}`, MINUTE_MS, limit, 'Too many token refreshes from this address');
    return this.deps.accounts.refresh(refreshToken);
  }

  private async count(
    from: DoorCaller,
    door: 'registration' | 'refresh',
    key: string,
    windowMs: number,
    limit: number,
    what: string,
  ): Promise<void> {
    const window = await this.guard(from, () => this.deps.limiter.hit(key, windowMs));
    if (window && window.count > limit) {
      this.deps.metrics?.refused(door);
      throw tooMany(`${what}; try again in ${seconds(window.resetMs)} seconds`, limit, window.resetMs);
    }
  }

  /** The counter store being down must not lock everyone out: the door opens, and it is reported. */
  private async guard<T>(from: DoorCaller, read: () => Promise<T>): Promise<T | undefined> {
    try {
      return await read();
    } catch (err) {
      from.warn?.(err, 'throttle counters unavailable; attempt not throttled');
      return undefined;
    }
  }
}

/** The login throttle's counters: the account (by its email, as typed at login) and the address. */
const loginKeys = (email: string, from: DoorCaller) => [`login:account:${email.trim().toLowerCase()}`, `login:address:${from.address}`];

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

function tooMany(message: string, limit: number, resetMs: number): AppError {
  const resetSeconds = seconds(resetMs);
  return errors.rateLimited(message, { retryAfterSeconds: resetSeconds, limit, remaining: 0, resetSeconds });
}
