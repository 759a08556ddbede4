import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Gauge, type Registry } from 'prom-client';

/**
 * Memory, event-loop delay and uptime of this process, read at each scrape. Returns the
 * function that stops the event-loop monitor (when the server closes).
 */
export function registerProcessMetrics(registry: Registry): () => void {
  // Samples the loop every 10 ms; its histogram is reset at each scrape, so the p99 and the
  // maximum describe the time since the previous scrape, where a stall shows up once.
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const registers = [registry];
  new Gauge({
    name: 'parley_process_resident_memory_bytes',
    help: 'Resident memory of the process.',
    registers,
    collect() {
      this.set(process.memoryUsage.rss());
    },
  });
  new Gauge({
    name: 'parley_process_heap_used_bytes',
    help: 'V8 heap in use.',
    registers,
    collect() {
      this.set(process.memoryUsage().heapUsed);
    },
  });
  new Gauge({
    name: 'parley_process_heap_total_bytes',
    help: 'V8 heap allocated.',
    registers,
    collect() {
      this.set(process.memoryUsage().heapTotal);
    },
  });
  // Both read before the reset, by the first one's collect: the registry collects its metrics
  // in the order they were made, so the second is printed after the first has set it.
  new Gauge({
    name: 'parley_event_loop_delay_p99_seconds',
    help: '99th percentile of event-loop delay since the previous scrape.',
    registers,
    collect() {
      // Without a sample yet (a scrape right after start, or two at once) the histogram reads NaN.
      const sampled = loop.count > 0;
      this.set(sampled ? loop.percentile(99) / 1e9 : 0);
      max.set(sampled ? loop.max / 1e9 : 0);
      loop.reset();
    },
  });
  const max = new Gauge({
    name: 'parley_event_loop_delay_max_seconds',
    help: 'Longest event-loop delay since the previous scrape.',
    registers,
  });
  new Gauge({
    name: 'parley_process_uptime_seconds',
    help: 'Seconds since the process started.',
    registers,
    collect() {
      this.set(Math.round(process.uptime()));
    },
  });
  return () => loop.disable();
}
