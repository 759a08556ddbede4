import DOMPurify, { type DOMPurify as Purifier } from 'dompurify';
import { Marked, Renderer, type RendererExtension, type TokenizerExtension, type Tokens } from 'marked';

/** A reply rendered once: sanitised HTML, and what the page must still load to finish it. */
export interface RenderedMarkdown {
  html: string;
  /** Has `.math` elements for KaTeX to typeset. */
  math: boolean;
  /** Has code blocks for highlight.js. */
  code: boolean;
  /**
   * `html` with its code highlighted and its math typeset, once the page has done it: kept with
   * the cached rendering, so a reply shown again is shown finished at once.
   */
  finished?: string;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** One math span found at the start of `src`: its source as written, the TeX inside, and whether it is displayed. */
export interface MathMatch {
  raw: string;
  tex: string;
  display: boolean;
}

const DISPLAY_DOLLARS = /^\$\$(?!\$)([\s\S]+?)\$\$/;
const DISPLAY_BRACKETS = /^\\\[([\s\S]+?)\\\]/;
const INLINE_PARENS = /^\\\(([\s\S]+?)\\\)/;
// `$x$` as pandoc reads it: no space inside either dollar, and no digit right after the closing
// one, so "$5 and $10" stays prose. Escaped dollars and line breaks end nothing.
const INLINE_DOLLARS = /^\$(?![\s$])((?:\\[\s\S]|[^\\$\n])+?)(?<!\s)\$(?!\d)/;

/** The math span at the very start of `src`, if one starts there. */
export function matchMath(src: string): MathMatch | undefined {
  for (const [pattern, display] of [
    [DISPLAY_DOLLARS, true],
    [DISPLAY_BRACKETS, true],
    [INLINE_PARENS, false],
    [INLINE_DOLLARS, false],
  ] as const) {
    const m = pattern.exec(src);
    if (m?.[1].trim()) return { raw: m[0], tex: m[1].trim(), display };
  }
  return undefined;
}

const BLOCK_MATH = /^ {0,3}(?:\$\$([\s\S]+?)\$\$|\\\[([\s\S]+?)\\\])[ \t]*(?:\n+|$)/;

const mathBlock: TokenizerExtension & RendererExtension = {
  name: 'mathBlock',
  level: 'block',
  start: (src) => src.match(/^ {0,3}(?:\$\$|\\\[)/m)?.index,
  tokenizer(src) {
    const m = BLOCK_MATH.exec(src);
    const tex = (m?.[1] ?? m?.[2])?.trim();
    if (m && tex) return { type: 'mathBlock', raw: m[0], text: tex };
    return undefined;
  },
  renderer: (token) => `<div class="math math-display">${escapeHtml(token.text)}</div>\n`,
};

const mathInline: TokenizerExtension & RendererExtension = {
  name: 'mathInline',
  level: 'inline',
  start: (src) => src.match(/\$|\\[([]/)?.index,
  tokenizer(src) {
    const m = matchMath(src);
    if (m) return { type: 'mathInline', raw: m.raw, text: m.tex, display: m.display };
    return undefined;
  },
  renderer: (token) =>
    token.display
      ? `<span class="math math-display">${escapeHtml(token.text)}</span>`
      : `<span class="math">${escapeHtml(token.text)}</span>`,
};

const base = new Renderer();

/** Turns Markdown into HTML, not yet sanitised (see `renderMarkdown`). */
export const markdown = new Marked({
  gfm: true,
  breaks: false,
  extensions: [mathBlock, mathInline],
  renderer: {
    // Raw HTML in a reply is shown as text, never interpreted.
    html: ({ text }: Tokens.HTML | Tokens.Tag) => escapeHtml(text),
    code({ text, lang }: Tokens.Code) {
      const language = (lang ?? '').trim().split(/\s+/)[0].toLowerCase().replace(/[^a-z0-9_+#-]/g, '');
      const label = language || 'text';
      return (
        `<div class="code-block"><div class="code-head"><span class="code-lang">${escapeHtml(label)}</span>` +
        `<button type="button" class="copy-code" aria-label="Copy code">Copy</button></div>` +
        `<pre><code${language ? ` class="language-${language}"` : ''}>${escapeHtml(text.replace(/\n$/, ''))}</code></pre></div>\n`
      );
    },
    table(token: Tokens.Table) {
      return `<div class="table-wrap">${base.table.call(this, token)}</div>\n`;
    },
    // Images from a reply could load anything from anywhere: shown as links instead.
    image({ href, text }: Tokens.Image) {
      return `<a href="${escapeHtml(href)}">${escapeHtml(text || href)}</a>`;
    },
  },
});

/** Markdown to HTML with the facts the page needs, unsanitised: for `renderMarkdown`, and for tests. */
export function markdownToHtml(text: string): RenderedMarkdown {
  const html = markdown.parse(text, { async: false });
  return { html, math: html.includes('class="math'), code: html.includes('class="code-block"') };
}

let purifier: Purifier | undefined;
function sanitizer(): Purifier {
  if (purifier) return purifier;
  // An instance of its own, so the link rule below applies to replies only. Its settings are
  // given once: given with each call, they would be parsed again for each reply.
  const instance = DOMPurify(window);
  instance.setConfig({ ADD_ATTR: ['target'] });
  instance.addHook('afterSanitizeAttributes', (node) => {
    if (node.tagName === 'A' && node.hasAttribute('href')) {
      node.setAttribute('target', '_blank');
      node.setAttribute('rel', 'noopener noreferrer');
    }
  });
  purifier = instance;
  return instance;
}

const cache = new Map<string, RenderedMarkdown>();
const CACHE_SIZE = 2000;

/**
 * Markdown to sanitised HTML. Finished messages are rendered once and cached by their text
 * (a reloaded conversation renders nothing again); the reply being streamed passes
 * `cache: false`, as each of its states is seen only once.
 */
export function renderMarkdown(text: string, opts: { cache?: boolean } = {}): RenderedMarkdown {
  const useCache = opts.cache ?? true;
  const hit = useCache ? cache.get(text) : undefined;
  if (hit) {
    // Most recently used last, so the oldest entry is the first one.
    cache.delete(text);
    cache.set(text, hit);
    return hit;
  }
  const raw = markdownToHtml(text);
  const rendered = { ...raw, html: sanitizer().sanitize(raw.html) };
  if (useCache) {
    cache.set(text, rendered);
    if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  }
  return rendered;
}
