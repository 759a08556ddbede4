import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { currentPath, onLinkClick, type Route } from '../lib/router.ts';
import { api, currentUser } from '../lib/state.ts';
import { Sidebar } from './sidebar.tsx';

/** The signed-in layout: the conversation sidebar (a drawer on phones) and the page. */
export function Shell(props: { route: Route; children: ComponentChildren }) {
  const [drawerOpen, setDrawerOpen] = useState(false);
  const user = currentUser.value!;
  // Any navigation closes the drawer.
  useEffect(() => setDrawerOpen(false), [currentPath.value]);

  const link = (to: string, label: string, current: boolean) => (
    <a href={to} class="nav-link" aria-current={current ? 'page' : undefined} onClick={(e) => onLinkClick(e, to)}>
      {label}
    </a>
  );
  const activeId = props.route.name === 'chat' ? props.route.conversationId : undefined;

  return (
    <div class={`shell${drawerOpen ? ' drawer-open' : ''}`}>
      <header class="topbar">
        <button type="button" class="icon-button" aria-label="Open conversations" aria-expanded={drawerOpen} onClick={() => setDrawerOpen(!drawerOpen)}>
          ☰
        </button>
        <span class="brand">Parley</span>
      </header>
      <aside class="sidebar" aria-label="Conversations">
        <Sidebar activeConversationId={activeId} />
        <nav class="nav" aria-label="Account">
          {link('/usage', 'Usage', props.route.name === 'usage')}
          {link('/prompts', 'Prompts', props.route.name === 'prompts')}
          {link('/settings', 'Settings', props.route.name === 'settings')}
          {user.role === 'admin' && link('/admin', 'Admin', props.route.name === 'admin')}
          <button type="button" class="nav-link" onClick={() => void api.signOut().then(() => (currentUser.value = null))}>
            Sign out
          </button>
        </nav>
      </aside>
      <div class="scrim" aria-hidden="true" onClick={() => setDrawerOpen(false)} />
      <main class="main" id="main">
        {props.children}
      </main>
    </div>
  );
}
