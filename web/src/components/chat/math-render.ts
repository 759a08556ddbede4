import katex from 'katex';
import 'katex/dist/katex.min.css';

/** Typesets the `.math` elements under `root` (their text is the TeX source) with KaTeX. */
export function typesetIn(root: ParentNode): void {
  for (const el of root.querySelectorAll<HTMLElement>('.math:not([data-typeset])')) {
    const tex = el.textContent ?? '';
    try {
      // trust: false (the default) keeps \href, \url and HTML extensions out.
      katex.render(tex, el, { displayMode: el.classList.contains('math-display'), throwOnError: false, output: 'htmlAndMathml' });
    } catch {
      el.textContent = tex;
    }
    el.dataset.typeset = 'yes';
    el.setAttribute('data-tex', tex);
  }
}
