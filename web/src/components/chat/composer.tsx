import { useEffect, useRef, useState } from 'preact/hooks';
import { PromptInsert } from '../prompt-insert.tsx';
import type { ChatController } from './chat-controller.ts';
import { PaperclipIcon, SendIcon, StopIcon } from './icons.tsx';
import { grow } from './message-row.tsx';
import { ModelPicker } from './model-picker.tsx';

/** The message box: Enter sends, Shift+Enter breaks the line, Esc stops the reply being written. */
export function Composer(props: { controller: ChatController; onSent(): void }) {
  const { controller } = props;
  const [text, setText] = useState('');
  const area = useRef<HTMLTextAreaElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const busy = controller.busy.value;

  useEffect(() => {
    if (area.current) grow(area.current);
  }, [text]);
  // Focus the box on arrival, except on touch screens where it would open the keyboard.
  useEffect(() => {
    if (!matchMedia('(pointer: coarse)').matches) area.current?.focus();
  }, []);

  const send = () => {
    if (!text.trim() || busy) return;
    void controller.send(text);
    setText('');
    props.onSent();
  };

  const insert = (snippet: string) => {
    const el = area.current;
    const start = el?.selectionStart ?? text.length;
    const end = el?.selectionEnd ?? text.length;
    const next = text.slice(0, start) + snippet + text.slice(end);
    setText(next);
    requestAnimationFrame(() => {
      el?.focus();
      el?.setSelectionRange(start + snippet.length, start + snippet.length);
    });
  };

  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      <label for="composer-input" class="visually-hidden">
        Message
      </label>
      <textarea
        id="composer-input"
        ref={area}
        rows={1}
        placeholder="Message Parley"
        value={text}
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            send();
          } else if (e.key === 'Escape' && busy) {
            e.preventDefault();
            void controller.stop();
          }
        }}
      />
      <div class="composer-bar">
        <button type="button" class="icon-button" aria-label="Attach PDF" title="Attach PDF" onClick={() => fileInput.current?.click()}>
          <PaperclipIcon />
        </button>
        <input
          ref={fileInput}
          type="file"
          accept="application/pdf"
          multiple
          hidden
          tabIndex={-1}
          aria-hidden="true"
          onChange={(e) => {
            for (const file of e.currentTarget.files ?? []) void controller.documents.upload(file);
            e.currentTarget.value = '';
          }}
        />
        <PromptInsert onInsert={insert} />
        <ModelPicker />
        <span class="composer-spacer" />
        {busy ? (
          <button type="button" class="send-button stop" aria-label="Stop" title="Stop (Esc)" onClick={() => void controller.stop()}>
            <StopIcon />
          </button>
        ) : (
          <button type="submit" class="send-button" aria-label="Send" title="Send (Enter)" disabled={!text.trim() || busy}>
            <SendIcon />
          </button>
        )}
      </div>
    </form>
  );
}
