import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  conversationTitle,
  fileNameFromDisposition,
  hasMore,
  importSummary,
  MAX_PAGE_SIZE,
  mergePage,
  PAGE_SIZE,
  parseTags,
  reloadLimit,
  tagsOf,
} from '../../web/src/components/sidebar/list-logic.ts';

const c = (id: string, tags: string[] = [], title: string | null = id) => ({ id, title, tags });

describe('the conversation list', () => {
  it('names an untitled conversation "New chat"', () => {
    assert.equal(conversationTitle({ title: null }), 'New chat');
    assert.equal(conversationTitle({ title: '   ' }), 'New chat');
    assert.equal(conversationTitle({ title: 'Trip plans' }), 'Trip plans');
  });

  it('appends a page, keeping once a conversation that moved into it', () => {
    const merged = mergePage([c('a'), c('b')], [c('b'), c('c'), c('c')]);
    assert.deepEqual(
      merged.map((x) => x.id),
      ['a', 'b', 'c'],
    );
  });

  it('reloads as many as are shown, within the server page bounds', () => {
    assert.equal(reloadLimit(0), PAGE_SIZE);
    assert.equal(reloadLimit(45), 45);
    assert.equal(reloadLimit(500), MAX_PAGE_SIZE);
  });

  it('knows whether another page may exist', () => {
    assert.equal(hasMore(0, null), true);
    assert.equal(hasMore(30, 45), true);
    assert.equal(hasMore(45, 45), false);
  });

  it('offers each tag once, sorted regardless of case, with the chosen one kept', () => {
    assert.deepEqual(tagsOf([c('a', ['work', 'Zeta']), c('b', ['alpha', 'work'])]), ['alpha', 'work', 'Zeta']);
    assert.deepEqual(tagsOf([], ['kept']), ['kept']);
    assert.deepEqual(tagsOf([c('a', ['Work', 'work'])]), ['Work', 'work']);
  });
});

describe('typed tags', () => {
  it('are trimmed, with empty ones and exact duplicates dropped', () => {
    assert.deepEqual(parseTags(' work, travel ,, work, Work '), { tags: ['work', 'travel', 'Work'] });
    assert.deepEqual(parseTags(''), { tags: [] });
  });

  it('refuse a tag over 50 characters and more than 20 tags', () => {
    assert.match((parseTags('x'.repeat(51)) as { error: string }).error, /50 characters/);
    const many = Array.from({ length: 21 }, (_, i) => `t${i}`).join(',');
    assert.match((parseTags(many) as { error: string }).error, /20 tags/);
    assert.ok('tags' in parseTags('x'.repeat(50)));
  });
});

describe('download names', () => {
  it('prefer the UTF-8 name, then the plain one, then the fallback', () => {
    const header = `attachment; filename="Trip plans.md"; filename*=UTF-8''${encodeURIComponent('旅行 plans.md')}`;
    assert.equal(fileNameFromDisposition(header, 'x.md'), '旅行 plans.md');
    assert.equal(fileNameFromDisposition('attachment; filename="Trip plans.json"', 'x.json'), 'Trip plans.json');
    assert.equal(fileNameFromDisposition('attachment; filename=plain.md', 'x.md'), 'plain.md');
    assert.equal(fileNameFromDisposition(null, 'conversation.md'), 'conversation.md');
    assert.equal(fileNameFromDisposition('attachment', 'conversation.md'), 'conversation.md');
  });

  it('survive a broken encoding and never carry a path', () => {
    assert.equal(fileNameFromDisposition(`attachment; filename="ok.md"; filename*=UTF-8''%E0%A4%A`, 'x.md'), 'ok.md');
    assert.equal(fileNameFromDisposition('attachment; filename="../../etc/passwd"', 'x'), '.._.._etc_passwd');
  });
});

describe('the import summary', () => {
  it('counts conversations and messages in words', () => {
    assert.equal(importSummary({ imported: 1, message_count: 1 }), 'Imported 1 conversation (1 message)');
    assert.equal(importSummary({ imported: 3, message_count: 41 }), 'Imported 3 conversations (41 messages)');
  });
});
