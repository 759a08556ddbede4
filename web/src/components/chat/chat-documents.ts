import { signal } from '@preact/signals';
import { api, showToast } from '../../lib/state.ts';
import { type Attachment, attachmentOf, isPdf, listedFiles, uploadPdf } from './uploads.ts';

const messageError = (err: unknown) => (err instanceof Error && err.message ? err.message : 'Something went wrong');

/** A conversation's PDF documents: listed, uploaded with progress, removed. */
export class ChatDocuments {
  readonly files = signal<Attachment[]>([]);
  private readonly conversationId: () => string | undefined;
  /** The conversation's id, creating the conversation first when there is none yet. */
  private readonly ensureConversation: () => Promise<string>;
  private uploads = 0;

  constructor(deps: { conversationId: () => string | undefined; ensureConversation: () => Promise<string> }) {
    this.conversationId = deps.conversationId;
    this.ensureConversation = deps.ensureConversation;
  }

  async load(): Promise<void> {
    const id = this.conversationId();
    if (!id) return;
    const body = await api.get<unknown>(`/api/chat/sessions/${id}/files`);
    const stored = listedFiles(body).map(attachmentOf);
    const pending = this.files.value.filter((f) => !f.id);
    this.files.value = [...stored, ...pending];
  }

  async upload(file: File): Promise<void> {
    if (!isPdf(file)) {
      showToast('Only PDF files can be attached', 'error');
      return;
    }
    const key = `upload-${++this.uploads}`;
    this.files.value = [...this.files.value, { key, filename: file.name, size: file.size, progress: 0 }];
    const patch = (change: Partial<Attachment>) => {
      this.files.value = this.files.value.map((f) => (f.key === key ? { ...f, ...change } : f));
    };
    try {
      const id = await this.ensureConversation();
      const token = await api.accessToken();
      const stored = await uploadPdf(`/api/chat/sessions/${id}/upload`, token, file, (progress) => patch({ progress }));
      // The same document uploaded twice is one file.
      this.files.value = this.files.value
        .filter((f) => f.id !== stored.id)
        .map((f) => (f.key === key ? { ...attachmentOf(stored), key } : f));
    } catch (err) {
      patch({ progress: undefined, error: messageError(err) });
    }
  }

  async remove(file: Attachment): Promise<void> {
    const id = this.conversationId();
    const drop = () => {
      this.files.value = this.files.value.filter((f) => f.key !== file.key);
    };
    if (!file.id || !id) return drop();
    try {
      await api.delete(`/api/chat/sessions/${id}/files/${file.id}`);
      drop();
    } catch (err) {
      showToast(messageError(err), 'error');
    }
  }
}
