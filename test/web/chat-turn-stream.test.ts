import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '../../web/src/lib/api.ts';
import type { SseEvent } from '../../web/src/lib/sse.ts';
import { applyTurnEvent, CONNECTION_LOST, followTurn, initialTurnState, type TurnState } from '../../web/src/lib/turn-stream.ts';

const message = (id: string, content = '', status = 'streaming') => ({ id, role: 'assistant', content, status, metadata: {} });
const ev = (event: string, data: unknown, id?: number): SseEvent => ({ event, data: JSON.stringify(data), id: id === undefined ? undefined : String(id) });
const reduce = (events: SseEvent[], from = initialTurnState()) => events.reduce(applyTurnEvent, from);

/** An SSE body of these events; with `cut`, it ends there without the rest (a dropped connection). */
function sseResponse(events: SseEvent[]): Response {
  const text = events.map((e) => `${e.id ? `id: ${e.id}\n` : ''}event: ${e.event}\ndata: ${e.data}\n\n`).join('');
  // Split into small chunks, as a network delivers them.
  const bytes = new TextEncoder().encode(text);
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < bytes.length; i += 7) controller.enqueue(bytes.slice(i, i + 7));
      controller.close();
    },
  });
  return new Response(stream, { headers: { 'content-type': 'text/event-stream' } });
}

const start = ev('start', { user_message: { id: 'u1', role: 'user', content: 'hi' }, assistant_message: message('a1') }, 1);
const tokens = [ev('token', { content: 'Hel' }, 2), ev('token', { content: 'lo' }, 3)];
const done = ev('done', { message: message('a1', 'Hello', 'complete'), usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 }, cost_usd: 0.001 }, 4);

describe('turn events to turn state', () => {
  it('follows start, sources, tokens and done', () => {
    const sources = ev('sources', { sources: [{ file_id: 'f', filename: 'a.pdf', page: 2, snippet: 's' }] }, 2);
    const streaming = reduce([start, sources, ev('token', { content: 'Hel' }, 3), ev('token', { content: 'lo' }, 4)]);
    assert.equal(streaming.phase, 'streaming');
    assert.equal(streaming.text, 'Hello');
    assert.equal(streaming.userMessage?.id, 'u1');
    assert.equal(streaming.assistant?.id, 'a1');
    assert.equal(streaming.sources[0].filename, 'a.pdf');
    assert.equal(streaming.lastEventId, '4');
    const finished = applyTurnEvent(streaming, ev('done', { message: { ...message('a1', 'Hello!', 'complete'), metadata: { sources: [] } }, cost_usd: 0.5 }, 5));
    assert.equal(finished.phase, 'done');
    assert.equal(finished.text, 'Hello!', 'the stored text wins');
    assert.equal(finished.assistant?.status, 'complete');
    assert.equal(finished.costUsd, 0.5);
  });

  it('ends in error with the detail and the stored partial reply', () => {
    const state = reduce([start, ...tokens, ev('error', { detail: 'Upstream failed', message: message('a1', 'Hel', 'error') }, 4)]);
    assert.equal(state.phase, 'error');
    assert.equal(state.error, 'Upstream failed');
    assert.equal(state.text, 'Hel');
    assert.equal(state.assistant?.status, 'error');
  });

  it('starts over when a stream is replayed from its beginning', () => {
    const state = reduce([start, ...tokens, start, ...tokens]);
    assert.equal(state.text, 'Hello');
  });

  it('takes the final done of a stream with no turn in flight (no id), keeping the last id', () => {
    const state = reduce([start, tokens[0], ev('done', { message: message('a1', 'Hello', 'complete') })]);
    assert.equal(state.phase, 'done');
    assert.equal(state.text, 'Hello');
    assert.equal(state.lastEventId, '2');
  });

  it('ignores unknown events and unreadable data', () => {
    const before = reduce([start]);
    assert.equal(applyTurnEvent(before, { event: 'token', data: 'not json' }), before);
    assert.equal(applyTurnEvent(before, ev('ping', {})), before);
  });
});

describe('following a turn', () => {
  const noSleep = async () => {};

  it('reads to done, reporting each state', async () => {
    const seen: TurnState[] = [];
    const final = await followTurn({
      open: async () => sseResponse([start, ...tokens, done]),
      reattach: async () => assert.fail('no re-attach needed'),
      onState: (s) => seen.push(s),
      sleep: noSleep,
    });
    assert.equal(final.phase, 'done');
    assert.deepEqual(
      seen.map((s) => s.text),
      ['', 'Hel', 'Hello', 'Hello'],
    );
  });

  it('re-attaches after a dropped stream from the last event seen, and finishes', async () => {
    const reattached: (string | undefined)[] = [];
    const final = await followTurn({
      open: async () => sseResponse([start, tokens[0]]),
      reattach: async (last) => {
        reattached.push(last);
        return sseResponse([tokens[1], done]);
      },
      onState: () => {},
      sleep: noSleep,
    });
    assert.deepEqual(reattached, ['2']);
    assert.equal(final.phase, 'done');
    assert.equal(final.text, 'Hello');
  });

  it('gives up after the retries with a lost-connection error', async () => {
    let tries = 0;
    const final = await followTurn({
      open: async () => sseResponse([start, tokens[0]]),
      reattach: async () => {
        tries++;
        if (tries === 1) throw new ApiError(0, undefined);
        return sseResponse([]);
      },
      onState: () => {},
      retries: 2,
      sleep: noSleep,
    });
    assert.equal(tries, 2);
    assert.equal(final.phase, 'error');
    assert.equal(final.error, CONNECTION_LOST);
    assert.equal(final.text, 'Hel', 'what arrived stays');
  });

  it('stops re-attaching when the server refuses (the conversation is gone)', async () => {
    let tries = 0;
    const final = await followTurn({
      open: async () => sseResponse([start]),
      reattach: async () => {
        tries++;
        throw new ApiError(404, 'Conversation not found');
      },
      onState: () => {},
      sleep: noSleep,
    });
    assert.equal(tries, 1);
    assert.equal(final.error, 'Conversation not found');
  });

  it('throws when the turn could not be started at all', async () => {
    await assert.rejects(
      followTurn({ open: async () => Promise.reject(new ApiError(429, 'Too many requests')), reattach: async () => sseResponse([]), onState: () => {} }),
      /Too many requests/,
    );
  });

  it('stops reading when aborted, without re-attaching', async () => {
    const controller = new AbortController();
    let reattached = false;
    const final = await followTurn({
      open: async () => {
        controller.abort();
        return sseResponse([start]);
      },
      reattach: async () => {
        reattached = true;
        return sseResponse([]);
      },
      onState: () => {},
      signal: controller.signal,
      sleep: noSleep,
    });
    assert.equal(reattached, false);
    assert.notEqual(final.phase, 'error');
  });
});
