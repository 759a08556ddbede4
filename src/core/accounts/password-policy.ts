import { errors } from '../errors.ts';

export const PASSWORD_MIN_LENGTH = 8;

// About 50,000 passwords: read on the first check rather than at start-up, then kept.
let commonPasswords: Promise<Set<string>> | undefined;

function loadCommonPasswords(): Promise<Set<string>> {
  commonPasswords ??= import('@zxcvbn-ts/language-common').then(
    ({ dictionary }) => new Set(dictionary['passwords-common'].map((p) => p.toLowerCase())),
  );
  return commonPasswords;
}

/** A password that breaks a rule: a 422 on the body field that carried it, its type naming the rule. */
const refused = (field: string, rule: string, message: string) => errors.validation(message, { field, type: rule });

/**
 * Refuses passwords that are short, among the most used, or the account's own email (or the
 * part before its @), all compared without regard to case. For every place a password is set.
 */
export async function checkPasswordPolicy(password: string, email: string, field = 'password'): Promise<void> {
  if (password.length < PASSWORD_MIN_LENGTH) {
    throw refused(field, 'password_too_short', `Password must be at least ${PASSWORD_MIN_LENGTH} characters long`);
  }
  const candidate = password.toLowerCase();
  const address = email.trim().toLowerCase();
  const at = address.lastIndexOf('@');
  const localPart = at > 0 ? address.slice(0, at) : address;
  if (candidate === address || candidate === localPart) {
    throw refused(field, 'password_is_email', 'Password must not be the email address or the part of it before the @');
  }
  if ((await loadCommonPasswords()).has(candidate)) {
    throw refused(field, 'password_too_common', 'Password is one of the most commonly used passwords; choose a less guessable one');
  }
}
