/** Rows as aligned columns, the first row being the header. */
export function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ').trimEnd());
}

/** `1 conversation`, `3 conversations`. */
export const count = (n: number, noun: string, plural = `${noun}s`) => `${n} ${n === 1 ? noun : plural}`;

/** A date as `2026-05-01 14:03` (UTC). */
export const minute = (date: Date) => date.toISOString().slice(0, 16).replace('T', ' ');

/** An amount of US dollars as `$25` or `$12.50`. */
export const usd = (amount: number) => `$${Number.isInteger(amount) ? amount : amount.toFixed(2)}`;
