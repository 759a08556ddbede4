import { useRef, useState } from 'preact/hooks';
import { errorText } from '../../lib/error-text.ts';
import { showToast } from '../../lib/state.ts';
import { importFile } from './actions.ts';
import { UploadIcon } from './icons.tsx';
import { importSummary } from './list-logic.ts';

/** Imports a file of conversations: a Parley export, ChatGPT's conversations.json or a plain message list. */
export function ImportButton() {
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);

  const upload = async (file: File) => {
    setBusy(true);
    try {
      showToast(importSummary(await importFile(file)));
    } catch (err) {
      showToast(`Import failed: ${errorText(err)}`, 'error');
    } finally {
      setBusy(false);
      if (input.current) input.current.value = '';
    }
  };

  return (
    <>
      <button
        type="button"
        class="sidebar-tool"
        disabled={busy}
        aria-describedby="import-hint"
        onClick={() => input.current?.click()}
      >
        <UploadIcon />
        {busy ? 'Importing…' : 'Import'}
      </button>
      <span id="import-hint" class="visually-hidden">
        A Parley export, ChatGPT conversations.json, or a JSON list of messages
      </span>
      <input
        ref={input}
        type="file"
        accept=".json,.jsonl,application/json"
        hidden
        onChange={(e) => {
          const file = e.currentTarget.files?.[0];
          if (file) void upload(file);
        }}
      />
    </>
  );
}
