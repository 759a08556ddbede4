const DEFAULT_RANGE_DAYS = 30;
const FIRST_DAY = '0001-01-01';
const day = (d: Date) => d.toISOString().slice(0, 10);
// YYYY-MM-DD strings compare as dates; a year before 1 ('0000-…', '-000001-…') sorts below FIRST_DAY.
const maxDate = (a: string, b: string) => (a > b ? a : b);

/** The days a usage summary covers: as asked, else up to today and the 30 days ending at the end date. */
export function usageRange(query: { start_date?: string; end_date?: string }): { start: string; end: string } {
  const end = query.end_date ?? day(new Date());
  const windowStart = day(new Date(new Date(`${end}T00:00:00Z`).getTime() - (DEFAULT_RANGE_DAYS - 1) * 86_400_000));
  const start = query.start_date ?? maxDate(windowStart, FIRST_DAY);
  return { start, end };
}
