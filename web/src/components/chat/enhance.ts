import { type RenderedMarkdown, renderMarkdown } from '../../lib/markdown.ts';
import { whenIdle } from './idle.ts';

/**
 * Finishing a reply: its code highlighted and its math typeset, into `rendered.finished`.
 *
 * The work is done on a detached copy of the reply's HTML, in idle time, before the page shows
 * the result: a reply is drawn once plain and once finished, never changed bit by bit while the
 * reader scrolls past it. highlight.js, its languages and KaTeX load the first time a reply needs
 * them.
 */

type Modules = [typeof import('./highlight.ts') | undefined, typeof import('./math-render.ts') | undefined];

interface Finishing {
  done: Promise<void>;
  /** Set once the modules are loaded: does the work, if no one has yet. */
  run?: () => void;
  urgent: boolean;
}

const finishing = new WeakMap<RenderedMarkdown, Finishing>();

/** Whether a rendered reply has anything left to finish. */
export const needsFinishing = (rendered: RenderedMarkdown) => rendered.finished === undefined && (rendered.code || rendered.math);

/**
 * Finishes `rendered` in idle time; `urgent` for a reply on screen, which goes before the ones
 * prepared ahead. Settles when `rendered.finished` is set (or left unset, when a module failed to
 * load: the reply stays readable as it is).
 */
export function finish(rendered: RenderedMarkdown, opts: { urgent?: boolean } = {}): Promise<void> {
  if (!needsFinishing(rendered)) return Promise.resolve();
  const urgent = opts.urgent ?? false;
  const known = finishing.get(rendered);
  if (known) {
    if (urgent && !known.urgent) {
      known.urgent = true;
      // Queued again, ahead of the rest; whichever copy runs first does the work.
      if (known.run) whenIdle(known.run, { urgent: true });
    }
    return known.done;
  }
  const entry: Finishing = { urgent, done: Promise.resolve() };
  entry.done = load(rendered).then(
    (modules) =>
      new Promise<void>((resolve) => {
        entry.run = () => {
          if (rendered.finished === undefined) rendered.finished = finishedHtml(rendered.html, modules);
          resolve();
        };
        whenIdle(entry.run, { urgent: entry.urgent });
      }),
    () => {
      // A chunk that fails to load leaves the reply plain; a later showing tries again.
      finishing.delete(rendered);
    },
  );
  finishing.set(rendered, entry);
  return entry.done;
}

/**
 * Renders and finishes a reply not shown yet, in idle time, so that it is shown finished at once
 * when the reader gets to it. Answers a function that drops the work if it has not started.
 */
export function prepare(text: string): () => void {
  return whenIdle(() => void finish(renderMarkdown(text)));
}

function load(rendered: RenderedMarkdown): Promise<Modules> {
  return Promise.all([
    rendered.code ? import('./highlight.ts').then((m) => m.loadLanguagesOf(rendered.html).then(() => m)) : undefined,
    rendered.math ? import('./math-render.ts') : undefined,
  ]);
}

function finishedHtml(html: string, [highlight, math]: Modules): string {
  // A template's content is inert: nothing in it loads or runs while it is worked on.
  const template = document.createElement('template');
  template.innerHTML = html;
  highlight?.highlightIn(template.content);
  math?.typesetIn(template.content);
  return template.innerHTML;
}
