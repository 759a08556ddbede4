import { signal } from '@preact/signals';
import { Api, type User } from './api.ts';

/** The one API client of the app. */
export const api = new Api();

/** The signed-in user; undefined while unknown, null when signed out. */
export const currentUser = signal<User | null | undefined>(api.signedIn ? undefined : null);

api.onSignedOut = () => {
  currentUser.value = null;
};

/** Loads the signed-in user from the stored tokens, if any. */
export async function restoreUser(): Promise<void> {
  if (!api.signedIn) {
    currentUser.value = null;
    return;
  }
  try {
    currentUser.value = await api.get<User>('/api/v1/auth/me');
  } catch {
    currentUser.value = null;
  }
}

/** A message shown briefly at the bottom of the screen ("Link copied"). */
export const toast = signal<{ text: string; kind: 'info' | 'error' } | null>(null);
let toastTimer: ReturnType<typeof setTimeout> | undefined;
export function showToast(text: string, kind: 'info' | 'error' = 'info'): void {
  toast.value = { text, kind };
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    toast.value = null;
  }, 3500);
}

/** Bumped when the conversation list should reload (created, renamed, deleted elsewhere). */
export const conversationsVersion = signal(0);
export function conversationsChanged(): void {
  conversationsVersion.value++;
}
