import { signal } from '@preact/signals';

/** The current path of the app (history API routing; the server answers index.html for app paths). */
export const currentPath = signal(typeof location === 'undefined' ? '/' : location.pathname + location.search);

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (to === currentPath.value) return;
  if (opts.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  currentPath.value = to;
}

if (typeof window !== 'undefined') {
  window.addEventListener('popstate', () => {
    currentPath.value = location.pathname + location.search;
  });
}

export type Route =
  | { name: 'login' }
  | { name: 'register' }
  | { name: 'chat'; conversationId?: string }
  | { name: 'usage' }
  | { name: 'settings' }
  | { name: 'prompts' }
  | { name: 'admin' }
  | { name: 'not-found' };

/** Which screen a path shows. */
export function matchRoute(path: string): Route {
  const pathname = path.split('?')[0].replace(/\/+$/, '') || '/';
  if (pathname === '/') return { name: 'chat' };
  const chat = /^\/c\/([0-9a-f-]{36})$/i.exec(pathname);
  if (chat) return { name: 'chat', conversationId: chat[1].toLowerCase() };
  switch (pathname) {
    case '/login':
      return { name: 'login' };
    case '/register':
      return { name: 'register' };
    case '/usage':
      return { name: 'usage' };
    case '/settings':
      return { name: 'settings' };
    case '/prompts':
      return { name: 'prompts' };
    case '/admin':
      return { name: 'admin' };
    default:
      return { name: 'not-found' };
  }
}

/** A link that navigates within the app without a page load. */
export function onLinkClick(event: MouseEvent, to: string): void {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(to);
}
