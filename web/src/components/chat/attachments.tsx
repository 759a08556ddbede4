import type { ChatController } from './chat-controller.ts';
import { CloseIcon, FileIcon } from './icons.tsx';
import { formatSize } from './uploads.ts';

/** The conversation's documents as chips above the message box: name, pages, progress, remove. */
export function Attachments(props: { controller: ChatController }) {
  const files = props.controller.documents.files.value;
  if (!files.length) return null;
  return (
    <ul class="attachments" aria-label="Attached documents">
      {files.map((f) => {
        const uploading = f.progress !== undefined && !f.id;
        const detail = f.error
          ? f.error
          : uploading
            ? `Uploading ${Math.round((f.progress ?? 0) * 100)}%`
            : f.pages !== undefined
              ? `${f.pages} ${f.pages === 1 ? 'page' : 'pages'}`
              : formatSize(f.size);
        return (
          <li key={f.key} class={`chip${f.error ? ' chip-error' : ''}`}>
            <FileIcon />
            <span class="chip-text">
              <span class="chip-name" title={f.filename}>
                {f.filename}
              </span>
              <span class="chip-detail" role={f.error ? 'alert' : undefined}>
                {detail}
              </span>
            </span>
            {uploading ? (
              <progress class="chip-progress" max={1} value={f.progress} aria-label={`Uploading ${f.filename}`} />
            ) : (
              <button
                type="button"
                class="icon-button chip-remove"
                aria-label={`Remove ${f.filename}`}
                title="Remove"
                onClick={() => void props.controller.documents.remove(f)}
              >
                <CloseIcon />
              </button>
            )}
          </li>
        );
      })}
    </ul>
  );
}
