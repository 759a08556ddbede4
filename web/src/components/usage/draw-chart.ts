// Loaded with import() by the usage chart only, so uPlot stays out of the first load.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { type ChartData, formatCompact, formatTokens, formatUsd, formatUsdTicks, type Metric, stack } from './usage-series.ts';

export interface DrawnChart {
  resize(width: number): void;
  destroy(): void;
}

const HEIGHT = 280;
const PALETTE_SIZE = 6;

/**
 * The theme's colours, from the CSS custom properties the stylesheets set. A property's own value
 * may be `light-dark(…, …)`, which only a colour property resolves: each is read back as the
 * computed colour of a probe inside `el`.
 */
function themeColours(el: HTMLElement) {
  const probe = document.createElement('span');
  probe.hidden = true;
  el.append(probe);
  const v = (name: string) => {
    probe.style.color = `var(${name})`;
    return getComputedStyle(probe).color;
  };
  const colours = {
    axis: v('--fg-muted'),
    grid: v('--border'),
    series: Array.from({ length: PALETTE_SIZE }, (_, i) => v(`--usage-series-${i + 1}`)),
  };
  probe.remove();
  return colours;
}

/**
 * Draws the daily bars into `el`. uPlot has no stacked bars: each segment is drawn as a bar
 * from zero to its running sum, top segment first, so each lower one covers all but its own
 * slice of the bar above it.
 */
export function drawChart(el: HTMLElement, data: ChartData, metric: Metric, width: number): DrawnChart {
  const colours = themeColours(el);
  const format = metric === 'tokens' ? formatTokens : formatUsd;
  const stacked = stack(data.series.map((s) => s.values));
  const order = data.series.map((_, i) => i).reverse();
  const bars = uPlot.paths.bars!({ size: [0.7, 48], align: 0 });

  const series: uPlot.Series[] = [
    { label: 'Day', value: (_u, ts) => (ts == null ? '' : new Date(ts * 1000).toISOString().slice(0, 10)) },
    ...order.map((k): uPlot.Series => {
      const colour = colours.series[k % PALETTE_SIZE];
      return {
        label: data.series[k].label,
        stroke: colour,
        fill: colour,
        width: 0,
        paths: bars,
        points: { show: false },
        // The legend shows the segment's own value, not the running sum the bar is drawn to.
        value: (_u, _v, _si, i) => (i == null ? '' : format(data.series[k].values[i])),
      };
    }),
  ];

  const opts: uPlot.Options = {
    width,
    height: HEIGHT,
    // The server's days are UTC days: label them as such, whatever the browser's zone.
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    padding: [12, 12, 0, 0],
    scales: {
      x: {
        time: true,
        // Half a day of room either side, so the first and last bars are whole.
        range: (_u, min, max) => [min - 43_200, max + 43_200],
      },
      y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.08 : 1] },
    },
    series,
    axes: [
      { stroke: colours.axis, grid: { show: false }, ticks: { stroke: colours.grid } },
      {
        stroke: colours.axis,
        grid: { stroke: colours.grid, width: 1 },
        ticks: { show: false },
        size: 64,
        values: (_u, splits) => (metric === 'tokens' ? splits.map(formatCompact) : formatUsdTicks(splits)),
      },
    ],
    cursor: { points: { show: false }, drag: { x: false, y: false } },
    legend: { live: true },
  };
  const aligned: uPlot.AlignedData = [data.x, ...order.map((k) => stacked[k])];
  const chart = new uPlot(opts, aligned, el);
  return {
    resize: (w) => chart.setSize({ width: w, height: HEIGHT }),
    destroy: () => chart.destroy(),
  };
}
