import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { snippetParts } from '../../web/src/components/sidebar/snippet.ts';
import { renderSnippet } from '../../src/core/search/snippet.ts';

describe('search snippets as text', () => {
  it('splits marked matches from the text around them', () => {
    assert.deepEqual(snippetParts('the <mark>quick</mark> brown <mark>fox</mark>'), [
      { text: 'the ', marked: false },
      { text: 'quick', marked: true },
      { text: ' brown ', marked: false },
      { text: 'fox', marked: true },
    ]);
  });

  it('unescapes the five entities the server escapes, once', () => {
    assert.deepEqual(snippetParts('a &lt;b&gt; &amp;amp; &quot;c&quot; &#39;d&#39;'), [{ text: `a <b> &amp; "c" 'd'`, marked: false }]);
  });

  it('keeps any other markup as text, never as elements', () => {
    const parts = snippetParts('<img src=x onerror=alert(1)><mark>hit</mark><script>x</script>');
    assert.deepEqual(parts, [
      { text: '<img src=x onerror=alert(1)>', marked: false },
      { text: 'hit', marked: true },
      { text: '<script>x</script>', marked: false },
    ]);
  });

  it('reads what the server renders, Chinese runs included', () => {
    const html = renderSnippet('用户说：<今天>天气很好 & fine', ['天气'], false);
    assert.deepEqual(snippetParts(html), [
      { text: '用户说：<今天>', marked: false },
      { text: '天气', marked: true },
      { text: '很好 & fine', marked: false },
    ]);
  });

  it('merges neighbouring runs of one kind and drops empty ones', () => {
    assert.deepEqual(snippetParts('<mark>a</mark><mark>b</mark>'), [{ text: 'ab', marked: true }]);
    assert.deepEqual(snippetParts(''), []);
    assert.deepEqual(snippetParts('<mark></mark>plain'), [{ text: 'plain', marked: false }]);
  });

  it('treats an unclosed mark as marked to the end', () => {
    assert.deepEqual(snippetParts('x <mark>y'), [
      { text: 'x ', marked: false },
      { text: 'y', marked: true },
    ]);
  });
});
