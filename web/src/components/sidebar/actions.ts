import { ApiError } from '../../lib/api.ts';
import { api, conversationsChanged } from '../../lib/state.ts';
import { fileNameFromDisposition } from './list-logic.ts';

const base = (id: string) => `/api/v1/conversations/${id}`;

export interface ShareLink {
  share_id: string;
  url: string;
  created_at: string;
}

export interface ImportResult {
  conversation_ids: string[];
  imported: number;
  message_count: number;
}

// Each change reloads the list (and anything else showing conversations) in the server's order.
async function changed<T>(request: Promise<T>): Promise<T> {
  const result = await request;
  conversationsChanged();
  return result;
}

export const renameConversation = (id: string, title: string) => changed(api.patch(base(id), { title }));
export const setPinned = (id: string, pinned: boolean) => changed(api.patch(base(id), { pinned }));
export const setTags = (id: string, tags: string[]) => changed(api.patch(base(id), { tags }));
export const setArchived = (id: string, archived: boolean) => changed(api.post(`${base(id)}/${archived ? 'archive' : 'unarchive'}`));
export const deleteConversation = (id: string) => changed(api.delete(base(id)));

/** The conversation's live share link, or null when it has none. */
export async function currentShare(id: string): Promise<ShareLink | null> {
  try {
    return await api.get<ShareLink>(`${base(id)}/share`);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}
export const shareConversation = (id: string) => api.post<ShareLink>(`${base(id)}/share`);
export const stopSharing = (id: string) => api.delete(`${base(id)}/share`);

/** Copies text to the clipboard; false when the browser refuses (no permission, insecure page). */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

/** Downloads the conversation as Markdown or Parley JSON, named as the server names it. */
export async function downloadExport(id: string, format: 'markdown' | 'json'): Promise<void> {
  const response = await api.send('GET', `${base(id)}/export`, { query: { format } });
  const blob = await response.blob();
  const fallback = `conversation.${format === 'markdown' ? 'md' : 'json'}`;
  saveBlob(blob, fileNameFromDisposition(response.headers.get('content-disposition'), fallback));
}

export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started by now; the URL only keeps the blob alive.
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

/** Uploads a Parley export, ChatGPT conversations.json or plain message list. */
export function importFile(file: File): Promise<ImportResult> {
  const form = new FormData();
  form.append('file', file, file.name);
  return changed(api.post<ImportResult>('/api/v1/import', form));
}
