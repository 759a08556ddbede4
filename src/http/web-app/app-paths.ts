/**
 * The paths the web app routes itself (web/src/lib/router.ts `matchRoute`): each answers the
 * app's index.html so a reload or a shared link opens the right screen. Keep the two lists equal.
 */
export const APP_PATHS = ['/', '/login', '/register', '/usage', '/settings', '/prompts', '/admin'] as const;

/** `/c/<uuid>`: one conversation. */
export const CONVERSATION_PATH = '/c/:id';
export const CONVERSATION_ID = /^[0-9a-f-]{36}$/i;
