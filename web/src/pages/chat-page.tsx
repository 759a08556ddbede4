import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { Attachments } from '../components/chat/attachments.tsx';
import { takeController } from '../components/chat/chat-controller.ts';
import { Composer } from '../components/chat/composer.tsx';
import { Thread } from '../components/chat/thread.tsx';
import { onLinkClick } from '../lib/router.ts';
import '../components/chat/chat.css';

// Within this distance of the bottom, the thread follows new text.
const PINNED_PX = 80;

/** The chat screen: a new chat at `/`, a conversation at `/c/<id>`. */
export function ChatPage(props: { conversationId?: string }) {
  const [owner] = useState(() => Symbol('chat page'));
  const [controller] = useState(() => takeController(props.conversationId, owner));
  const scroller = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);
  const [dragging, setDragging] = useState(false);
  const dragDepth = useRef(0);

  useEffect(() => {
    void controller.load();
    controller.connect();
    return () => {
      if (controller.owner === owner) controller.dispose();
    };
  }, []);

  const id = controller.id.value;
  const messages = controller.messages.value;
  const busy = controller.busy.value;
  const failed = controller.failedSend.value;
  const empty = !id && messages.length === 0 && !busy && !failed;
  const title = controller.conversation.value?.title;

  // Esc stops the reply wherever the focus is (the message box handles its own).
  useEffect(() => {
    if (!busy) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !e.defaultPrevented && !(e.target as HTMLElement).closest?.('dialog, .msg-editor')) void controller.stop();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [busy]);

  const followBottom = (force = false) => {
    const el = scroller.current;
    if (!el || (!force && !pinned.current)) return;
    el.scrollTop = el.scrollHeight;
  };
  // New messages (a reload, a switch): stay at the bottom if the reader was there. Before the
  // first paint, so a conversation opens at its end without showing its top first.
  useLayoutEffect(() => {
    followBottom();
    // Rows of unknown height settle after a frame.
    const frame = requestAnimationFrame(() => followBottom());
    return () => cancelAnimationFrame(frame);
  }, [messages]);

  const onDrop = (e: DragEvent) => {
    // Text dropped into the message box is the box's business.
    if (!hasFiles(e)) return;
    e.preventDefault();
    dragDepth.current = 0;
    setDragging(false);
    for (const file of e.dataTransfer?.files ?? []) void controller.documents.upload(file);
  };
  const hasFiles = (e: DragEvent) => [...(e.dataTransfer?.types ?? [])].includes('Files');

  return (
    <section
      class={`chat${empty ? ' chat-empty' : ''}`}
      aria-label="Chat"
      onDragEnter={(e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        dragDepth.current++;
        setDragging(true);
      }}
      onDragOver={(e) => {
        if (hasFiles(e)) e.preventDefault();
      }}
      onDragLeave={() => {
        dragDepth.current = Math.max(0, dragDepth.current - 1);
        if (dragDepth.current === 0) setDragging(false);
      }}
      onDrop={onDrop}
    >
      <h1 class="visually-hidden">{title || 'New chat'}</h1>
      <div
        class="chat-scroll"
        ref={scroller}
        onScroll={(e) => {
          const el = e.currentTarget;
          pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < PINNED_PX;
        }}
      >
        {controller.loadError.value ? (
          <div class="chat-notice" role="alert">
            <p>{controller.loadError.value}</p>
            <a href="/" class="button secondary" onClick={(e) => onLinkClick(e, '/')}>
              Start a new chat
            </a>
          </div>
        ) : empty ? (
          <div class="chat-welcome">
            <p class="chat-welcome-title">What can I help with?</p>
            <p class="muted">Ask anything, or attach a PDF to ask about it.</p>
          </div>
        ) : !controller.loaded.value ? (
          <div class="chat-loading" aria-busy="true">
            <span class="visually-hidden">Loading the conversation</span>
          </div>
        ) : (
          <Thread controller={controller} scroller={scroller} onGrow={() => followBottom()} />
        )}
      </div>
      <div class="chat-bottom">
        <Attachments controller={controller} />
        <Composer
          controller={controller}
          onSent={() => {
            pinned.current = true;
            requestAnimationFrame(() => followBottom(true));
          }}
        />
      </div>
      <div class="visually-hidden" role="status">
        {busy ? 'Writing a reply' : ''}
      </div>
      {dragging ? (
        <div class="drop-overlay" aria-hidden="true">
          <p>Drop a PDF to attach it</p>
        </div>
      ) : null}
    </section>
  );
}
