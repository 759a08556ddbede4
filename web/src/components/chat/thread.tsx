import type { ChatController } from './chat-controller.ts';
import { MessageRow } from './message-row.tsx';
import { StreamingMessage } from './streaming-message.tsx';

/** The conversation: its finished messages, the reply being written, and what failed. */
export function Thread(props: { controller: ChatController; onGrow(): void }) {
  const { controller } = props;
  const messages = controller.messages.value;
  const busy = controller.busy.value;
  const failed = controller.failedSend.value;
  const lost = controller.connectionLost.value;
  return (
    <div class="thread">
      {messages.map((m) => (
        <MessageRow key={m.id} message={m} controller={controller} busy={busy} />
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
