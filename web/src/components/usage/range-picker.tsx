import { lastDays } from './usage-series.ts';

export interface DateRange {
  start: string;
  end: string;
}

const QUICK = [7, 30, 90];

/** "From" / "To" dates (UTC days, as the server counts them) and the quick ranges. */
export function RangePicker(props: { range: DateRange; onChange(range: DateRange): void; error?: string }) {
  const { start, end } = props.range;
  const today = lastDays(1).end;
  const set = (next: Partial<DateRange>) => props.onChange({ ...props.range, ...next });
  return (
    <div class="usage-range">
      <div class="usage-range-dates">
        <div>
          <label for="usage-from">From</label>
          <input
            id="usage-from"
            type="date"
            value={start}
            max={end || today}
            aria-invalid={props.error ? true : undefined}
            aria-describedby={props.error ? 'usage-range-error' : undefined}
            onChange={(e) => set({ start: e.currentTarget.value })}
          />
        </div>
        <div>
          <label for="usage-to">To</label>
          <input
            id="usage-to"
            type="date"
            value={end}
            min={start || undefined}
            aria-invalid={props.error ? true : undefined}
            aria-describedby={props.error ? 'usage-range-error' : undefined}
            onChange={(e) => set({ end: e.currentTarget.value })}
          />
        </div>
      </div>
      <fieldset class="usage-segmented">
        <legend class="visually-hidden">Quick ranges</legend>
        {QUICK.map((days) => {
          const range = lastDays(days);
          const active = range.start === start && range.end === end;
          return (
            <button key={days} type="button" aria-pressed={active} onClick={() => props.onChange(range)}>
              {days} days
            </button>
          );
        })}
      </fieldset>
      {props.error ? (
        <p id="usage-range-error" class="error-text usage-range-error" role="alert">
          {props.error}
        </p>
      ) : null}
    </div>
  );
}
