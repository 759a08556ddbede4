/**
 * Runs `fn` once, when `el` comes within a screen or so of being seen. Distances are measured in
 * the chat's scrolling box (an element far down a scrolled box is clipped by it, however close it
 * is to the window). One observer per box serves every element in it, so a thousand replies
 * cost one observer.
 */
const SCROLLER = '.chat-scroll';
const MARGIN = '800px 0px';

const observers = new WeakMap<Element, IntersectionObserver>();
let windowObserver: IntersectionObserver | undefined;
const pending = new WeakMap<Element, () => void>();

function onEntries(entries: IntersectionObserverEntry[], observer: IntersectionObserver): void {
  for (const entry of entries) {
    if (!entry.isIntersecting) continue;
    const run = pending.get(entry.target);
    pending.delete(entry.target);
    observer.unobserve(entry.target);
    run?.();
  }
}

function observerFor(el: Element): IntersectionObserver {
  const root = el.closest(SCROLLER);
  if (!root) {
    windowObserver ??= new IntersectionObserver(onEntries, { rootMargin: MARGIN });
    return windowObserver;
  }
  let observer = observers.get(root);
  if (!observer) {
    observer = new IntersectionObserver(onEntries, { root, rootMargin: MARGIN });
    observers.set(root, observer);
  }
  return observer;
}

export function whenVisible(el: Element, fn: () => void): () => void {
  if (typeof IntersectionObserver === 'undefined') {
    fn();
    return () => {};
  }
  const observer = observerFor(el);
  pending.set(el, fn);
  observer.observe(el);
  return () => {
    pending.delete(el);
    observer.unobserve(el);
  };
}
