/**
 * Runs `fn` once, when `el` comes within a screen or so of the viewport. One observer serves every
 * element, so a thousand replies cost one observer, and replies far off screen cost nothing.
 */
let observer: IntersectionObserver | undefined;
const pending = new WeakMap<Element, () => void>();

export function whenVisible(el: Element, fn: () => void): () => void {
  if (typeof IntersectionObserver === 'undefined') {
    fn();
    return () => {};
  }
  observer ??= new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        const run = pending.get(entry.target);
        pending.delete(entry.target);
        observer?.unobserve(entry.target);
        run?.();
      }
    },
    { rootMargin: '800px 0px' },
  );
  pending.set(el, fn);
  observer.observe(el);
  return () => {
    pending.delete(el);
    observer?.unobserve(el);
  };
}
