import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { chartData, describeChart, type Metric, type UsageSummary } from './usage-series.ts';

/** Bumped when the colours may have changed: the theme choice or the system's light/dark setting. */
function useThemeVersion(): number {
  const [version, setVersion] = useState(0);
  useEffect(() => {
    const media = window.matchMedia('(prefers-color-scheme: dark)');
    const bump = () => setVersion((v) => v + 1);
    media.addEventListener('change', bump);
    const observer = new MutationObserver(bump);
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    return () => {
      media.removeEventListener('change', bump);
      observer.disconnect();
    };
  }, []);
  return version;
}

/** The daily bar chart (uPlot, loaded on first use), with a sentence for screen readers. */
export function UsageChart(props: { summary: UsageSummary; metric: Metric }) {
  const host = useRef<HTMLDivElement>(null);
  const [failed, setFailed] = useState(false);
  const themeVersion = useThemeVersion();
  const data = useMemo(() => chartData(props.summary, props.metric), [props.summary, props.metric]);
  const label = describeChart(data, props.metric);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    let cancelled = false;
    let chart: { resize(w: number): void; destroy(): void } | undefined;
    let observer: ResizeObserver | undefined;
    import('./draw-chart.ts')
      .then(({ drawChart }) => {
        if (cancelled) return;
        chart = drawChart(el, data, props.metric, el.clientWidth || 600);
        observer = new ResizeObserver(() => chart?.resize(el.clientWidth));
        observer.observe(el);
      })
      .catch(() => !cancelled && setFailed(true));
    return () => {
      cancelled = true;
      observer?.disconnect();
      chart?.destroy();
    };
  }, [data, props.metric, themeVersion]);

  return (
    <figure class="usage-chart" role="img" aria-label={label}>
      {failed ? <p class="error-text">The chart could not be loaded; the table below has the same numbers.</p> : null}
      <div ref={host} class="usage-chart-canvas" />
    </figure>
  );
}
