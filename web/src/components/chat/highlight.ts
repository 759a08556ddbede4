import hljs from 'highlight.js/lib/core';
import type { LanguageFn } from 'highlight.js';
import { type Language, languageOf } from './code-languages.ts';

// Written out one by one so the bundler makes each language a chunk of its own.
const loaders: Record<Language, () => Promise<{ default: LanguageFn }>> = {
  bash: () => import('highlight.js/lib/languages/bash'),
  c: () => import('highlight.js/lib/languages/c'),
  cpp: () => import('highlight.js/lib/languages/cpp'),
  csharp: () => import('highlight.js/lib/languages/csharp'),
  css: () => import('highlight.js/lib/languages/css'),
  diff: () => import('highlight.js/lib/languages/diff'),
  go: () => import('highlight.js/lib/languages/go'),
  java: () => import('highlight.js/lib/languages/java'),
  javascript: () => import('highlight.js/lib/languages/javascript'),
  json: () => import('highlight.js/lib/languages/json'),
  kotlin: () => import('highlight.js/lib/languages/kotlin'),
  markdown: () => import('highlight.js/lib/languages/markdown'),
  php: () => import('highlight.js/lib/languages/php'),
  python: () => import('highlight.js/lib/languages/python'),
  ruby: () => import('highlight.js/lib/languages/ruby'),
  rust: () => import('highlight.js/lib/languages/rust'),
  sql: () => import('highlight.js/lib/languages/sql'),
  swift: () => import('highlight.js/lib/languages/swift'),
  typescript: () => import('highlight.js/lib/languages/typescript'),
  xml: () => import('highlight.js/lib/languages/xml'),
  yaml: () => import('highlight.js/lib/languages/yaml'),
};

const registered = new Map<Language, Promise<void>>();

function register(language: Language): Promise<void> {
  let loading = registered.get(language);
  if (!loading) {
    loading = loaders[language]().then((m) => hljs.registerLanguage(language, m.default));
    registered.set(language, loading);
  }
  return loading;
}

const LANGUAGE_CLASS = /class="language-([^"\s]+)/g;

/** Loads the languages the code blocks of `html` are written in (others stay plain). */
export async function loadLanguagesOf(html: string): Promise<void> {
  const languages = new Set<Language>();
  for (const [, name] of html.matchAll(LANGUAGE_CLASS)) {
    const language = languageOf(`language-${name}`);
    if (language) languages.add(language);
  }
  await Promise.all([...languages].map(register));
}

/** Highlights the code blocks under `root` whose language is loaded (see `loadLanguagesOf`). */
export function highlightIn(root: ParentNode): void {
  for (const block of root.querySelectorAll<HTMLElement>('pre code[class*="language-"]:not([data-highlighted])')) {
    const language = languageOf(block.className);
    if (!language || !hljs.getLanguage(language)) continue;
    const { value } = hljs.highlight(block.textContent ?? '', { language, ignoreIllegals: true });
    // highlight.js escapes the code it is given: its output holds only its own spans.
    block.innerHTML = value;
    block.dataset.highlighted = 'yes';
    block.classList.add('hljs');
  }
}
