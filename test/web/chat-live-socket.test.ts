import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LiveSocket, type LiveEvent, liveSocketUrl, parseLiveFrame, reconnectDelay } from '../../web/src/lib/live-socket.ts';

class FakeSocket {
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  closedWith: number | undefined;
  readonly url: string;
  constructor(url: string) {
    this.url = url;
  }
  close(code?: number) {
    this.closedWith = code;
  }
}

function harness() {
  const sockets: FakeSocket[] = [];
  const timers: { fn: () => void; ms: number }[] = [];
  const events: LiveEvent[] = [];
  let reconnects = 0;
  const finals: number[] = [];
  let token = 0;
  const live = new LiveSocket({
    url: async () => `ws://host/ws/c?token=t${++token}`,
    onEvent: (e) => events.push(e),
    onReconnect: () => reconnects++,
    onFinalClose: (code) => finals.push(code),
    createSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    setTimer: (fn, ms) => timers.push({ fn, ms }),
    clearTimer: () => {},
    random: () => 0.5,
  });
  const fireTimer = async () => {
    timers.shift()!.fn();
    await new Promise((r) => setTimeout(r, 0));
  };
  return { live, sockets, timers, events, finals, fireTimer, reconnects: () => reconnects };
}

describe('the live channel', () => {
  it('relays event frames and ignores the rest', async () => {
    const h = harness();
    await h.live.open();
    const [s] = h.sockets;
    s.onopen?.({});
    s.onmessage?.({ data: JSON.stringify({ type: 'event', event: 'message.created', data: { message_id: 'm' } }) });
    s.onmessage?.({ data: JSON.stringify({ type: 'pong' }) });
    s.onmessage?.({ data: 'garbage' });
    assert.deepEqual(h.events, [{ event: 'message.created', data: { message_id: 'm' } }]);
  });

  it('reconnects with a fresh token after a drop, with growing waits, and says it reconnected', async () => {
    const h = harness();
    await h.live.open();
    h.sockets[0].onopen?.({});
    h.sockets[0].onclose?.({ code: 1006 });
    assert.equal(h.timers[0].ms, 1000);
    await h.fireTimer();
    assert.equal(h.sockets.length, 2);
    assert.match(h.sockets[1].url, /token=t2$/);
    // Fails again before opening: the wait doubles.
    h.sockets[1].onclose?.({ code: 1006 });
    assert.equal(h.timers[0].ms, 2000);
    await h.fireTimer();
    h.sockets[2].onopen?.({});
    assert.equal(h.reconnects(), 1);
  });

  it('stops for good on 4401 and 4404', async () => {
    for (const code of [4401, 4404]) {
      const h = harness();
      await h.live.open();
      h.sockets[0].onclose?.({ code });
      assert.equal(h.timers.length, 0, `no retry after ${code}`);
      assert.deepEqual(h.finals, [code]);
      assert.equal(h.live.isClosed, true);
    }
  });

  it('closes on request and does not come back', async () => {
    const h = harness();
    await h.live.open();
    h.live.close();
    assert.equal(h.sockets[0].closedWith, 1000);
    h.sockets[0].onclose?.({ code: 1000 });
    assert.equal(h.timers.length, 0);
    await h.live.open();
    assert.equal(h.sockets.length, 1);
  });

  it('computes its address and its backoff', () => {
    assert.equal(liveSocketUrl({ protocol: 'https:', host: 'chat.example' }, 'abc', 't k'), 'wss://chat.example/ws/abc?token=t%20k');
    assert.equal(liveSocketUrl({ protocol: 'http:', host: '127.0.0.1:8000' }, 'abc', 't'), 'ws://127.0.0.1:8000/ws/abc?token=t');
    assert.deepEqual(
      [0, 1, 2, 5, 9].map((n) => reconnectDelay(n, () => 0.5)),
      [1000, 2000, 4000, 30000, 30000],
    );
    assert.equal(reconnectDelay(0, () => 0), 750);
    assert.equal(parseLiveFrame('{"type":"event"}'), undefined);
  });
});
