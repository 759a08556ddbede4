import { Component } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import type { Message } from '../../lib/types.ts';
import { BranchSwitcher } from './branch-switcher.tsx';
import type { ChatController } from './chat-controller.ts';
import { copyText } from './clipboard.ts';
import { CopyIcon, EditIcon, RegenerateIcon } from './icons.tsx';
import { MarkdownView } from './markdown-view.tsx';
import { SourcesList } from './sources-list.tsx';
import { PENDING_USER_ID, replyError, replyNote } from './thread.ts';

export interface MessageRowProps {
  message: Message;
  controller: ChatController;
  /** A turn is running: actions that start another wait. */
  busy: boolean;
}

/**
 * One message of the thread. It renders again only when its own props change, so a long
 * conversation is not redrawn when the list around it changes.
 */
export class MessageRow extends Component<MessageRowProps> {
  shouldComponentUpdate(next: MessageRowProps): boolean {
    return next.message !== this.props.message || next.busy !== this.props.busy || next.controller !== this.props.controller;
  }

  render() {
    const { message } = this.props;
    return (
      <div class={`msg-row msg-row-${message.role}`} data-message-id={message.id}>
        {message.role === 'user' ? <UserMessage {...this.props} /> : <AssistantMessage {...this.props} />}
      </div>
    );
  }
}

function UserMessage({ message, controller, busy }: MessageRowProps) {
  const [editing, setEditing] = useState(false);
  const pending = message.id === PENDING_USER_ID;
  return (
    <div class="msg msg-user">
      <h2 class="visually-hidden">You said:</h2>
      {editing ? (
        <MessageEditor
          initial={message.content}
          busy={busy}
          onCancel={() => setEditing(false)}
          onSave={(text) => {
            setEditing(false);
            void controller.edit(message.id, text);
          }}
        />
      ) : (
        <div class="bubble">{message.content}</div>
      )}
      {!pending && !editing ? (
        <div class="msg-actions">
          <BranchSwitcher message={message} disabled={busy} onSwitch={(id) => void controller.switchTo(id)} />
          <button type="button" class="icon-button" aria-label="Copy message" title="Copy" onClick={() => void copyText(message.content)}>
            <CopyIcon />
          </button>
          <button type="button" class="icon-button" aria-label="Edit message" title="Edit" disabled={busy} onClick={() => setEditing(true)}>
            <EditIcon />
          </button>
        </div>
      ) : null}
    </div>
  );
}

function MessageEditor(props: { initial: string; busy: boolean; onSave(text: string): void; onCancel(): void }) {
  const [text, setText] = useState(props.initial);
  const id = useId();
  const area = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    const el = area.current;
    if (!el) return;
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
    grow(el);
  }, []);
  const save = () => {
    if (text.trim() && !props.busy) props.onSave(text);
  };
  return (
    <form
      class="msg-editor"
      onSubmit={(e) => {
        e.preventDefault();
        save();
      }}
    >
      <label class="visually-hidden" for={id}>
        Edit message
      </label>
      <textarea
        id={id}
        ref={area}
        value={text}
        rows={2}
        onInput={(e) => {
          setText(e.currentTarget.value);
          grow(e.currentTarget);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            e.stopPropagation();
            props.onCancel();
          } else if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            save();
          }
        }}
      />
      <div class="msg-editor-actions">
        <button type="button" class="secondary" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="submit" class="primary" disabled={!text.trim() || props.busy}>
          Save
        </button>
      </div>
    </form>
  );
}

function AssistantMessage({ message, controller, busy }: MessageRowProps) {
  const error = replyError(message);
  const note = replyNote(message);
  const stale = message.status === 'streaming';
  return (
    <div class="msg msg-assistant">
      <h2 class="visually-hidden">Reply:</h2>
      {message.content ? <MarkdownView text={message.content} /> : null}
      {stale ? <p class="reply-note">Still being written…</p> : null}
      <SourcesList sources={message.metadata?.sources} />
      {note ? <p class="reply-note">{note}</p> : null}
      {error ? (
        <div class="reply-error" role="alert">
          <span>{error}</span>
          <button type="button" class="secondary" disabled={busy} onClick={() => void controller.regenerate(message.id)}>
            Retry
          </button>
        </div>
      ) : null}
      {!stale ? (
        <div class="msg-actions">
          <button type="button" class="icon-button" aria-label="Copy message" title="Copy" onClick={() => void copyText(message.content)}>
            <CopyIcon />
          </button>
          <button
            type="button"
            class="icon-button"
            aria-label="Regenerate"
            title="Regenerate"
            disabled={busy}
            onClick={() => void controller.regenerate(message.id)}
          >
            <RegenerateIcon />
          </button>
          <BranchSwitcher message={message} disabled={busy} onSwitch={(id) => void controller.switchTo(id)} />
          {message.model ? <span class="msg-model">{message.model}</span> : null}
        </div>
      ) : null}
    </div>
  );
}

/** Grows a textarea with its text, up to its CSS max-height. */
export function grow(el: HTMLTextAreaElement): void {
  el.style.height = 'auto';
  el.style.height = `${el.scrollHeight + 2}px`;
}
