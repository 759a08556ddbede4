import type { RenderedMarkdown } from '../../lib/markdown.ts';

/**
 * Finishes a rendered reply in place: highlights its code and typesets its math, loading
 * highlight.js and KaTeX only the first time a reply needs them.
 */
export async function enhance(root: HTMLElement, rendered: Pick<RenderedMarkdown, 'code' | 'math'>): Promise<void> {
  const work: Promise<void>[] = [];
  if (rendered.code) work.push(import('./highlight.ts').then((m) => m.highlightIn(root)));
  if (rendered.math) work.push(import('./math-render.ts').then((m) => m.typesetIn(root)));
  await Promise.all(work).catch(() => {
    // A chunk that fails to load leaves the reply readable as it is.
  });
}
