import type { User } from '../core/accounts/accounts-service.ts';
import type { Actor } from '../core/actor.ts';
import { AppError } from '../core/errors.ts';
import { CliError } from './io.ts';
import { operator, type Runtime } from './runtime.ts';

/** The account with this email, or a one-line refusal naming the email. */
export async function userByEmail(runtime: Runtime, email: string): Promise<User> {
  try {
    return await runtime.core.userDirectory.findByEmail(operator, email);
  } catch (err) {
    if (err instanceof AppError && err.code === 'not_found') throw new CliError(`no user with email ${email.trim()}`);
    throw err;
  }
}

/** The user as the caller of their own requests: what they export and whom an import belongs to. */
export const actorOf = (user: User): Actor => ({ userId: user.id, role: user.role, tier: user.tier });
