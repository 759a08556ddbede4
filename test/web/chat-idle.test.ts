import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { whenIdle } from '../../web/src/components/chat/idle.ts';

// Node has no requestIdleCallback: the queue falls back to timers with a small budget per turn,
// as in Safari.
const settle = () => new Promise((resolve) => setTimeout(resolve, 200));

describe('idle-time jobs', () => {
  it('runs urgent jobs before the ones queued earlier in the background, each once', async () => {
    const ran: string[] = [];
    whenIdle(() => ran.push('background 1'));
    whenIdle(() => ran.push('background 2'));
    whenIdle(() => ran.push('urgent'), { urgent: true });
    await settle();
    assert.deepEqual(ran, ['urgent', 'background 1', 'background 2']);
  });

  it('drops a job cancelled before it ran', async () => {
    const ran: string[] = [];
    whenIdle(() => ran.push('kept'));
    const drop = whenIdle(() => ran.push('dropped'));
    drop();
    await settle();
    assert.deepEqual(ran, ['kept']);
  });

  it('spreads many slow jobs over several turns instead of one long one', async () => {
    const turns = new Set<number>();
    let turn = 0;
    const tick = setInterval(() => turn++, 1);
    for (let i = 0; i < 20; i++) {
      whenIdle(() => {
        turns.add(turn);
        const end = performance.now() + 2;
        while (performance.now() < end) {
          // A job of about 2 ms.
        }
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 600));
    clearInterval(tick);
    // 40 ms of work with an 8 ms budget per turn: at least 4 turns.
    assert.ok(turns.size >= 4, `ran in ${turns.size} turns`);
  });

  it('keeps going after a job throws', async () => {
    const ran: string[] = [];
    const error = console.error;
    console.error = () => {};
    try {
      whenIdle(() => {
        throw new Error('boom');
      });
      whenIdle(() => ran.push('after'));
      await settle();
    } finally {
      console.error = error;
    }
    assert.deepEqual(ran, ['after']);
  });
});
