/**
 * An abort signal that fires when the caller's signal does, or when `ms` pass without
 * a call to `touch()`: a stalled upstream is cut off even after its headers arrived.
 */
export function idleTimeout(parent: AbortSignal, ms: number) {
  const controller = new AbortController();
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error(`no response from the provider within ${ms} ms`));
    }, ms);
  };
  const onParentAbort = () => controller.abort(parent.reason);
  if (parent.aborted) controller.abort(parent.reason);
  else parent.addEventListener('abort', onParentAbort, { once: true });
  arm();
  return {
    signal: controller.signal,
    touch: arm,
    get timedOut() {
      return timedOut;
    },
    dispose() {
      clearTimeout(timer);
      parent.removeEventListener('abort', onParentAbort);
    },
  };
}
