import { Component, type RefObject } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { ChatController } from './chat-controller.ts';
import { prepare } from './enhance.ts';
import { MessageRow } from './message-row.tsx';
import { StreamingMessage } from './streaming-message.tsx';
import { CHUNK, type Chunk, chunksOf, firstShown, keepShown, showMore } from './thread-window.ts';

// Older messages are added when the top of the shown ones comes this close to the screen: a few
// frames ahead of a fast scroll.
const PRELOAD_PX = 1500;
// The replies this far above the shown ones are prepared in idle time.
const PREPARE_AHEAD = 2 * CHUNK;

/**
 * The conversation: its finished messages, the reply being written, and what failed.
 *
 * A long conversation opens on its newest messages alone (see thread-window.ts); older ones are
 * added a chunk at a time as the reader scrolls up, the next ones prepared in idle time meanwhile.
 * Each chunk is drawn only while near the screen (`content-visibility`), so a thousand messages
 * scroll as smoothly as forty.
 */
export function Thread(props: { controller: ChatController; scroller: RefObject<HTMLElement | null>; onGrow(): void }) {
  const { controller, scroller } = props;
  const messages = controller.messages.value;
  const busy = controller.busy.value;
  const failed = controller.failedSend.value;
  const lost = controller.connectionLost.value;
  const [from, setFrom] = useState(() => firstShown(messages.length));
  const shown = keepShown(from, messages.length);
  const top = useRef<HTMLButtonElement>(null);
  const anchor = useRef<{ el: Element; top: number } | undefined>(undefined);

  // One more chunk above, noting where the first shown one is.
  const more = () => {
    const first = top.current?.nextElementSibling;
    if (first) anchor.current = { el: first, top: first.getBoundingClientRect().top };
    setFrom(showMore(shown));
  };
  // Added by itself as the reader nears the top; the button is there for keyboards and screen readers.
  useEffect(() => {
    const el = top.current;
    const root = scroller.current;
    if (!el || !root || typeof IntersectionObserver === 'undefined') return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (!entries.some((e) => e.isIntersecting)) return;
        observer.disconnect();
        more();
      },
      { root, rootMargin: `${PRELOAD_PX}px 0px 0px 0px` },
    );
    observer.observe(el);
    return () => observer.disconnect();
  }, [shown]);

  // What the reader sees stays put when a chunk is added above it. Scroll anchoring has already
  // done it where the browser has it (the noted chunk has not moved); not at the very top, nor in
  // browsers without it.
  useLayoutEffect(() => {
    const noted = anchor.current;
    anchor.current = undefined;
    const root = scroller.current;
    if (!noted || !root) return;
    const moved = noted.el.getBoundingClientRect().top - noted.top;
    if (moved) root.scrollTop += moved;
  }, [shown]);

  // The replies just above the shown ones, newest first (the order the reader gets to them).
  useEffect(() => {
    const above = messages.slice(Math.max(0, shown - PREPARE_AHEAD), shown).reverse();
    const drops = above.filter((m) => m.role === 'assistant' && m.content).map((m) => prepare(m.content));
    return () => {
      for (const drop of drops) drop();
    };
  }, [messages, shown]);

  return (
    <div class="thread">
      {shown > 0 ? (
        <button type="button" class="thread-more secondary" ref={top} onClick={more}>
          Show earlier messages
        </button>
      ) : null}
      {chunksOf(messages, shown).map((chunk) => (
        <ThreadChunk key={chunk.start} chunk={chunk} controller={controller} busy={busy} />
      ))}
      {busy ? <StreamingMessage controller={controller} onGrow={props.onGrow} /> : null}
      {failed ? (
        <div class="msg-row msg-row-user">
          <div class="msg msg-user">
            <h2 class="visually-hidden">You said:</h2>
            <div class="bubble bubble-failed">{failed.content}</div>
            <div class="reply-error" role="alert">
              <span>{failed.error}</span>
              <button type="button" class="secondary" disabled={busy} onClick={() => controller.retrySend()}>
                Retry
              </button>
            </div>
          </div>
        </div>
      ) : null}
      {lost && !busy ? (
        <div class="reply-error" role="alert">
          <span>{lost}</span>
          <button type="button" class="secondary" onClick={() => void controller.retryConnection()}>
            Retry
          </button>
        </div>
      ) : null}
    </div>
  );
}

interface ChunkProps {
  chunk: Chunk;
  controller: ChatController;
  busy: boolean;
}

/** Twenty messages. Drawn again only when one of them changes, not when a chunk is added above. */
class ThreadChunk extends Component<ChunkProps> {
  shouldComponentUpdate(next: ChunkProps): boolean {
    const [a, b] = [this.props.chunk.messages, next.chunk.messages];
    return (
      next.busy !== this.props.busy ||
      next.controller !== this.props.controller ||
      a.length !== b.length ||
      a.some((m, i) => m !== b[i])
    );
  }

  render() {
    const { chunk, controller, busy } = this.props;
    return (
      <div class="thread-chunk" style={{ containIntrinsicSize: `auto ${chunk.estimate}px` }}>
        {chunk.messages.map((m) => (
          <MessageRow key={m.id} message={m} controller={controller} busy={busy} />
        ))}
      </div>
    );
  }
}
