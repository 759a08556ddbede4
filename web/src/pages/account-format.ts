/** Formatting shared by the settings and admin screens, apart from the DOM so it can be tested. */

/** A date as people read it in their own locale: "12 Mar 2026". */
export function formatDate(iso: string | null | undefined, locale?: string): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '—';
  return date.toLocaleDateString(locale, { year: 'numeric', month: 'short', day: 'numeric' });
}

/** Token counts, short: 950, 12.3k, 4.5M. */
export function formatTokens(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${trim(n / 1000)}k`;
  return `${trim(n / 1_000_000)}M`;
}
const trim = (x: number) => (x >= 100 ? Math.round(x).toString() : x.toFixed(1).replace(/\.0$/, ''));

/** A cost in US dollars: cents for ordinary amounts, more digits for the tiny ones models cost. */
export function formatCost(usd: number): string {
  if (usd === 0) return '$0.00';
  if (Math.abs(usd) < 0.01) return `$${usd.toFixed(4)}`;
  return `$${usd.toFixed(2)}`;
}

/**
 * An API key's expiry from a date input (YYYY-MM-DD): the end of that day where the user is,
 * as the ISO date-time the server takes. Null when no date was chosen.
 */
export function expiryFromDate(date: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return null;
  const [y, m, d] = date.split('-').map(Number);
  const end = new Date(y, m - 1, d, 23, 59, 59, 999);
  return Number.isNaN(end.getTime()) ? null : end.toISOString();
}

/** The date input's value (YYYY-MM-DD, local) for `days` after `now`. */
export function localDate(now: Date, days = 0): string {
  const d = new Date(now.getFullYear(), now.getMonth(), now.getDate() + days);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** "21–40 of 45" for a page of a list; "No results" for none. */
export function rangeLabel(skip: number, shown: number, total: number): string {
  if (total === 0 || shown === 0) return 'No results';
  return `${skip + 1}–${skip + shown} of ${total}`;
}
