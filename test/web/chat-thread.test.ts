import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  activePath,
  PENDING_USER_ID,
  replyError,
  replyNote,
  siblingNav,
  streamingTail,
  threadMessages,
} from '../../web/src/components/chat/thread.ts';
import type { Message } from '../../web/src/lib/types.ts';

let clock = 0;
function msg(id: string, parent: string | null, role: 'user' | 'assistant', extra: Partial<Message> = {}): Message {
  const at = new Date(1_700_000_000_000 + clock++ * 1000).toISOString();
  return {
    id,
    conversation_id: 'c',
    role,
    content: id,
    model: null,
    status: 'complete',
    prompt_tokens: 0,
    completion_tokens: 0,
    total_tokens: 0,
    cost_usd: 0,
    metadata: {},
    created_at: at,
    updated_at: at,
    parent_id: parent,
    ...extra,
  };
}
const onPath = (m: Message, ids: string[]) => ({ ...m, sibling_ids: ids, sibling_index: ids.indexOf(m.id) });
const ids = (messages: Message[]) => messages.map((m) => m.id);

describe('the active path from every branch', () => {
  it('keeps the messages on the path, root first, whatever order they come in', () => {
    // q1 → a1 → q2 (edited into q2b) → a2b; a1's regenerated sibling a1b is off the path.
    const q1 = onPath(msg('q1', null, 'user'), ['q1']);
    const a1 = onPath(msg('a1', 'q1', 'assistant'), ['a1', 'a1b']);
    const a1b = msg('a1b', 'q1', 'assistant');
    const q2 = msg('q2', 'a1', 'user');
    const q2b = onPath(msg('q2b', 'a1', 'user'), ['q2', 'q2b']);
    const a2b = onPath(msg('a2b', 'q2b', 'assistant'), ['a2b']);
    assert.deepEqual(ids(activePath([q1, a1, a1b, q2, q2b, a2b])), ['q1', 'a1', 'q2b', 'a2b']);
    // Equal timestamps (an import) may list a child first: parents decide.
    assert.deepEqual(ids(activePath([a2b, q2b, q2, a1b, a1, q1])), ['q1', 'a1', 'q2b', 'a2b']);
  });

  it('is empty for an empty conversation and the message itself for one message', () => {
    assert.deepEqual(activePath([]), []);
    assert.deepEqual(ids(activePath([onPath(msg('q', null, 'user'), ['q'])])), ['q']);
  });
});

describe('the version switcher', () => {
  it('says where the message is among its versions', () => {
    assert.deepEqual(siblingNav({ sibling_ids: ['a', 'b', 'c'], sibling_index: 1 }), { label: '2 / 3', previous: 'a', next: 'c' });
    assert.deepEqual(siblingNav({ sibling_ids: ['a', 'b'], sibling_index: 0 }), { label: '1 / 2', previous: undefined, next: 'b' });
    assert.equal(siblingNav({ sibling_ids: ['a'], sibling_index: 0 }), undefined);
    assert.equal(siblingNav({}), undefined);
  });
});

describe('the thread around a turn', () => {
  const path = [msg('q1', null, 'user'), msg('a1', 'q1', 'assistant'), msg('q2', 'a1', 'user'), msg('a2', 'q2', 'assistant')];

  it('shows a sent message at once, then the stored one', () => {
    const pending = threadMessages(path, { kind: 'send', anchorId: 'a2', pendingContent: 'q3' });
    assert.deepEqual(ids(pending), ['q1', 'a1', 'q2', 'a2', PENDING_USER_ID]);
    assert.equal(pending.at(-1)?.content, 'q3');
    const stored = threadMessages(path, { kind: 'send', anchorId: 'a2', pendingContent: 'q3', userMessage: msg('q3', 'a2', 'user') });
    assert.deepEqual(ids(stored), ['q1', 'a1', 'q2', 'a2', 'q3']);
  });

  it('cuts the path at the user message for a regenerate, and at the parent for an edit', () => {
    assert.deepEqual(ids(threadMessages(path, { kind: 'regenerate', anchorId: 'q2' })), ['q1', 'a1', 'q2']);
    assert.deepEqual(ids(threadMessages(path, { kind: 'edit', anchorId: 'a1', pendingContent: 'q2 edited' })), ['q1', 'a1', PENDING_USER_ID]);
    assert.deepEqual(ids(threadMessages(path, { kind: 'edit', anchorId: null, pendingContent: 'first edited' })), [PENDING_USER_ID]);
  });

  it('shows the path above a reply being re-attached to', () => {
    const streaming = [...path, msg('q3', 'a2', 'user'), msg('a3', 'q3', 'assistant', { status: 'streaming' })];
    const tail = streamingTail(streaming);
    assert.equal(tail?.reply.id, 'a3');
    assert.equal(tail?.anchorId, 'q3');
    assert.deepEqual(ids(threadMessages(streaming, { kind: 'attach', anchorId: tail!.anchorId })), ['q1', 'a1', 'q2', 'a2', 'q3']);
    assert.equal(streamingTail(path), undefined);
  });

  it('shows the path unchanged with no turn', () => {
    assert.equal(threadMessages(path, null), path);
  });
});

describe('notes under a reply', () => {
  it('says a stopped reply stopped, and why', () => {
    assert.equal(replyNote({ status: 'incomplete', metadata: { stop_reason: 'stop' } }), 'Stopped');
    assert.equal(replyNote({ status: 'incomplete', metadata: { stop_reason: 'timeout' } }), 'Stopped: the reply took too long');
    assert.equal(replyNote({ status: 'incomplete', metadata: {} }), 'Stopped');
    assert.equal(replyNote({ status: 'complete', metadata: { finish_reason: 'length' } }), 'Cut short: the reply reached its length limit');
    assert.equal(replyNote({ status: 'complete', metadata: {} }), undefined);
  });

  it('gives a failed reply’s stored error', () => {
    assert.equal(replyError({ status: 'error', metadata: { error: 'Provider unavailable' } }), 'Provider unavailable');
    assert.equal(replyError({ status: 'error', metadata: {} }), 'The reply failed');
    assert.equal(replyError({ status: 'complete', metadata: { error: 'x' } }), undefined);
  });
});
