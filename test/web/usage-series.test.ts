import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  chartData,
  daysBetween,
  describeChart,
  formatUsd,
  formatUsdTicks,
  lastDays,
  stack,
  type UsageSummary,
} from '../../web/src/components/usage/usage-series.ts';

const totals = (prompt: number, completion: number, cost = 0, requests = 1) => ({
  prompt_tokens: prompt,
  completion_tokens: completion,
  total_tokens: prompt + completion,
  cost_usd: cost,
  requests,
});

function summary(over: Partial<UsageSummary> = {}): UsageSummary {
  return {
    start_date: '2024-02-27',
    end_date: '2024-03-02',
    ...totals(0, 0, 0, 0),
    daily: [],
    by_model: [],
    ...over,
  };
}

describe('usage chart series', () => {
  it('lists every UTC day of a range, across a leap day and a month end', () => {
    assert.deepEqual(daysBetween('2024-02-27', '2024-03-02'), ['2024-02-27', '2024-02-28', '2024-02-29', '2024-03-01', '2024-03-02']);
    assert.deepEqual(daysBetween('2024-03-02', '2024-03-02'), ['2024-03-02']);
    assert.deepEqual(daysBetween('2024-03-02', '2024-03-01'), []);
    assert.deepEqual(daysBetween('not a day', '2024-03-01'), []);
  });

  it('keeps the latest days of a range longer than the chart draws', () => {
    const days = daysBetween('2000-01-01', '2024-12-31', 10);
    assert.equal(days.length, 10);
    assert.equal(days[0], '2024-12-22');
    assert.equal(days[9], '2024-12-31');
  });

  it('gives the last n days ending today, in UTC', () => {
    const now = Date.parse('2024-03-01T23:30:00Z');
    assert.deepEqual(lastDays(7, now), { start: '2024-02-24', end: '2024-03-01' });
    assert.deepEqual(lastDays(1, now), { start: '2024-03-01', end: '2024-03-01' });
  });

  it('splits daily tokens into input and output, with zeros for days without usage', () => {
    const data = chartData(
      summary({
        daily: [
          { date: '2024-02-28', ...totals(100, 20, 0.5) },
          { date: '2024-03-01', ...totals(7, 3, 0.25) },
        ],
      }),
      'tokens',
    );
    assert.deepEqual(data.days, ['2024-02-27', '2024-02-28', '2024-02-29', '2024-03-01', '2024-03-02']);
    assert.equal(data.x[0], Date.parse('2024-02-27T00:00:00Z') / 1000);
    assert.equal(data.x[1] - data.x[0], 86_400);
    assert.deepEqual(
      data.series.map((s) => [s.label, s.values]),
      [
        ['Input tokens', [0, 100, 0, 7, 0]],
        ['Output tokens', [0, 20, 0, 3, 0]],
      ],
    );
  });

  it('charts cost as one series when days are not split by model', () => {
    const data = chartData(summary({ daily: [{ date: '2024-03-02', ...totals(1, 1, 0.125) }] }), 'cost');
    assert.deepEqual(
      data.series.map((s) => [s.label, s.values]),
      [['Cost (USD)', [0, 0, 0, 0, 0.125]]],
    );
  });

  it('stacks by model when the server splits days by model, in the summary’s model order', () => {
    const s = summary({
      by_model: [
        { model: 'gpt-4o', ...totals(30, 10, 2) },
        { model: 'gpt-4o-mini', ...totals(5, 5, 1) },
      ],
      daily: [
        { date: '2024-02-27', ...totals(5, 5, 1), by_model: [{ model: 'gpt-4o-mini', ...totals(5, 5, 1) }] },
        { date: '2024-03-02', ...totals(30, 10, 2), by_model: [{ model: 'gpt-4o', ...totals(30, 10, 2) }] },
      ],
    });
    assert.deepEqual(
      chartData(s, 'tokens').series.map((x) => [x.label, x.values]),
      [
        ['gpt-4o', [0, 0, 0, 0, 40]],
        ['gpt-4o-mini', [10, 0, 0, 0, 0]],
      ],
    );
    assert.deepEqual(
      chartData(s, 'cost').series.map((x) => x.values),
      [
        [0, 0, 0, 0, 2],
        [1, 0, 0, 0, 0],
      ],
    );
  });

  it('ignores days outside the range', () => {
    const data = chartData(summary({ daily: [{ date: '2023-01-01', ...totals(9, 9) }] }), 'tokens');
    assert.ok(data.series.every((s) => s.values.every((v) => v === 0)));
  });

  it('stacks segments into running sums, bottom first', () => {
    assert.deepEqual(
      stack([
        [1, 0, 2],
        [3, 4, 0],
        [0, 1, 1],
      ]),
      [
        [1, 0, 2],
        [4, 4, 2],
        [4, 5, 3],
      ],
    );
    assert.deepEqual(stack([]), []);
  });

  it('describes the chart for screen readers with its total and its busiest day', () => {
    const data = chartData(
      summary({
        daily: [
          { date: '2024-02-28', ...totals(100, 20) },
          { date: '2024-03-01', ...totals(1000, 234) },
        ],
      }),
      'tokens',
    );
    assert.equal(
      describeChart(data, 'tokens'),
      'Daily tokens from 2024-02-27 to 2024-03-02, split into Input tokens, Output tokens: 1,354 in total over 2 of 5 days; highest 1,234 on 2024-03-01',
    );
    assert.equal(describeChart(chartData(summary(), 'cost'), 'cost'), 'Daily cost from 2024-02-27 to 2024-03-02: no usage');
  });

  it('formats dollars with more digits for fractions of a cent', () => {
    assert.equal(formatUsd(0), '$0.00');
    assert.equal(formatUsd(1234.5), '$1,234.50');
    assert.equal(formatUsd(0.5), '$0.500');
    assert.equal(formatUsd(0.0042), '$0.0042');
    assert.equal(formatUsd(0.00001), '<$0.0001');
  });

  it('labels a dollar axis with as many decimals as its step needs, the same on every tick', () => {
    assert.deepEqual(formatUsdTicks([0, 0.002, 0.004, 0.006, 0.008, 0.01]), ['$0.000', '$0.002', '$0.004', '$0.006', '$0.008', '$0.010']);
    assert.deepEqual(formatUsdTicks([0, 5, 10]), ['$0.00', '$5.00', '$10.00']);
    assert.deepEqual(formatUsdTicks([0, 0.25, 0.5]), ['$0.00', '$0.25', '$0.50']);
    assert.deepEqual(formatUsdTicks([0, 0.0005]), ['$0.0000', '$0.0005']);
    assert.deepEqual(formatUsdTicks([1]), ['$1.00']);
  });
});
