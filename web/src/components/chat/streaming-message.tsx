import { useLayoutEffect } from 'preact/hooks';
import type { ChatController } from './chat-controller.ts';
import { StreamingMarkdown } from './markdown-view.tsx';
import { SourcesList } from './sources-list.tsx';

/**
 * The reply being written. The only component that reads the turn's state, so a token redraws
 * this reply and nothing else.
 */
export function StreamingMessage(props: { controller: ChatController; onGrow(): void }) {
  const state = props.controller.turnState.value;
  useLayoutEffect(() => props.onGrow(), [state?.text, state?.phase, state?.sources]);
  if (!state) return null;
  const writing = state.phase === 'connecting' || state.phase === 'streaming';
  return (
    <div class="msg-row msg-row-assistant msg-row-live">
      <div class="msg msg-assistant" aria-busy={writing}>
        <h2 class="visually-hidden">Reply:</h2>
        {state.text ? <StreamingMarkdown text={state.text} /> : null}
        {writing && !state.text ? (
          <span class="typing" role="img" aria-label="Writing a reply">
            <span />
            <span />
            <span />
          </span>
        ) : null}
        {writing && state.text ? <span class="caret" aria-hidden="true" /> : null}
        <SourcesList sources={state.sources} />
        {state.phase === 'error' && state.error ? (
          <div class="reply-error" role="alert">
            {state.error}
          </div>
        ) : null}
      </div>
    </div>
  );
}
