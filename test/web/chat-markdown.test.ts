import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { languageOf } from '../../web/src/components/chat/code-languages.ts';
import { escapeHtml, markdownToHtml, matchMath } from '../../web/src/lib/markdown.ts';

describe('math in replies', () => {
  it('finds each delimiter', () => {
    assert.deepEqual(matchMath('$x^2$ rest'), { raw: '$x^2$', tex: 'x^2', display: false });
    assert.deepEqual(matchMath('$$\\int f$$ rest'), { raw: '$$\\int f$$', tex: '\\int f', display: true });
    assert.deepEqual(matchMath('\\(a+b\\) rest'), { raw: '\\(a+b\\)', tex: 'a+b', display: false });
    assert.deepEqual(matchMath('\\[a+b\\] rest'), { raw: '\\[a+b\\]', tex: 'a+b', display: true });
  });

  it('leaves prices and lone dollars alone', () => {
    for (const text of ['$5 and $10', '$ 5 $', '$5', '$x $', 'a $ b', '$$$']) assert.equal(matchMath(text), undefined, text);
    assert.equal(markdownToHtml('It costs $5 and $10 today.').math, false);
    assert.equal(markdownToHtml('Prices: $3.50, or $4 with tax').math, false);
  });

  it('marks math for typesetting outside code only', () => {
    const inline = markdownToHtml('Energy $E = mc^2$ here');
    assert.equal(inline.math, true);
    assert.match(inline.html, /<span class="math">E = mc\^2<\/span>/);
    const block = markdownToHtml('Sum:\n\n$$\n\\sum_{i=1}^n i\n$$\n\nDone');
    assert.match(block.html, /<div class="math math-display">\\sum_\{i=1\}\^n i<\/div>/);
    assert.equal(markdownToHtml('Code `$x$` stays code').math, false);
    assert.equal(markdownToHtml('```\n$x$\n```').math, false);
    // TeX is text, escaped like any other.
    assert.match(markdownToHtml('$a<b$').html, /<span class="math">a&#60;b<\/span>/);
  });
});

describe('replies as HTML', () => {
  it('renders code blocks with their language and a Copy button', () => {
    const { html, code } = markdownToHtml('```TypeScript\nconst a = 1 < 2;\n```');
    assert.equal(code, true);
    assert.match(html, /<span class="code-lang">typescript<\/span>/);
    assert.match(html, /<button type="button" class="copy-code" aria-label="Copy code">Copy<\/button>/);
    assert.match(html, /<code class="language-typescript">const a = 1 &#60; 2;<\/code>/);
    assert.doesNotMatch(markdownToHtml('```\nplain\n```').html, /class="language-/);
  });

  it('wraps tables for scrolling', () => {
    const { html } = markdownToHtml('| a | b |\n|---|---|\n| 1 | 2 |');
    assert.match(html, /^<div class="table-wrap"><table>/);
    assert.match(html, /<td>2<\/td>/);
  });

  it('shows raw HTML as text and images as links', () => {
    const { html } = markdownToHtml('<script>alert(1)</script>\n\n<img src=x onerror=alert(1)> and ![pic](https://e.test/p.png)');
    assert.doesNotMatch(html, /<script|<img/);
    assert.match(html, /&#60;script&#62;alert\(1\)&#60;\/script&#62;/);
    assert.match(html, /<a href="https:\/\/e.test\/p.png">pic<\/a>/);
  });

  it('escapes every HTML character', () => {
    assert.equal(escapeHtml(`<a href="x" title='y'>&</a>`), '&#60;a href=&#34;x&#34; title=&#39;y&#39;&#62;&#38;&#60;/a&#62;');
  });
});

describe('code block languages', () => {
  it('maps names and aliases to the languages loaded, and others to none', () => {
    assert.equal(languageOf('language-python'), 'python');
    assert.equal(languageOf('language-py'), 'python');
    assert.equal(languageOf('hljs language-tsx'), 'typescript');
    assert.equal(languageOf('language-html'), 'xml');
    assert.equal(languageOf('language-sh'), 'bash');
    assert.equal(languageOf('language-brainfuck'), undefined);
    assert.equal(languageOf(''), undefined);
  });
});
