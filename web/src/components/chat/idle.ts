/**
 * Small jobs run when the page has nothing better to do: between frames, a few at a time, so
 * that a thousand of them never make one frame late. Urgent jobs (what the reader is looking at)
 * go first and run within a fraction of a second even when the page is never idle.
 */

type Job = () => void;

const urgent: Job[] = [];
const background: Job[] = [];
// An idle callback is asked for (one with a timeout while urgent jobs wait); each runs both queues.
let asked = false;
let askedUrgent = false;

// Stop starting jobs when less than this is left of an idle period (a job takes a millisecond or two).
const MARGIN_MS = 3;
const URGENT_TIMEOUT_MS = 200;

interface Deadline {
  timeRemaining(): number;
  didTimeout: boolean;
}

// Safari has no requestIdleCallback: a timer with a small fixed budget stands in for it.
const requestIdle: (run: (deadline: Deadline) => void, opts: { timeout?: number }) => void =
  typeof requestIdleCallback === 'function'
    ? (run, opts) => requestIdleCallback(run, opts)
    : (run) => {
        setTimeout(() => {
          const end = performance.now() + 8;
          run({ timeRemaining: () => Math.max(0, end - performance.now()), didTimeout: false });
        }, 16);
      };

/** Runs `job` in idle time; answers a function that drops it if it has not run yet. */
export function whenIdle(job: Job, opts: { urgent?: boolean } = {}): () => void {
  const queue = opts.urgent ? urgent : background;
  queue.push(job);
  schedule();
  return () => {
    const at = queue.indexOf(job);
    if (at !== -1) queue.splice(at, 1);
  };
}

function schedule(): void {
  if (urgent.length && !askedUrgent) {
    askedUrgent = true;
    requestIdle((deadline) => {
      askedUrgent = false;
      run(deadline);
    }, { timeout: URGENT_TIMEOUT_MS });
  }
  if (background.length && !asked) {
    asked = true;
    requestIdle((deadline) => {
      asked = false;
      run(deadline);
    }, {});
  }
}

function run(deadline: Deadline): void {
  // Past the timeout there is no idle time at all: one job, then yield again.
  do {
    const job = urgent.shift() ?? background.shift();
    if (!job) break;
    try {
      job();
    } catch (err) {
      console.error(err);
    }
  } while (deadline.timeRemaining() > MARGIN_MS);
  schedule();
}
