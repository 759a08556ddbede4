import { useEffect } from 'preact/hooks';
import { Shell } from './components/shell.tsx';
import { currentPath, matchRoute, navigate, onLinkClick } from './lib/router.ts';
import { currentUser, toast } from './lib/state.ts';
import { AdminPage } from './pages/admin-page.tsx';
import { AuthPage } from './pages/auth-page.tsx';
import { ChatPage } from './pages/chat-page.tsx';
import { PromptsPage } from './pages/prompts-page.tsx';
import { SettingsPage } from './pages/settings-page.tsx';
import { UsagePage } from './pages/usage-page.tsx';

export function App() {
  const route = matchRoute(currentPath.value);
  const user = currentUser.value;
  const onAuthPage = route.name === 'login' || route.name === 'register';

  useEffect(() => {
    // Signed in on the sign-in page: go to the chat; signed out elsewhere: go to sign-in.
    if (user && onAuthPage) navigate('/', { replace: true });
  }, [user, onAuthPage]);

  let page = null;
  if (user === undefined) page = <div class="splash" aria-busy="true" />;
  else if (user === null) page = <AuthPage mode={route.name === 'register' ? 'register' : 'login'} />;
  else {
    let content = null;
    switch (route.name) {
      case 'chat':
        content = <ChatPage key={route.conversationId ?? 'new'} conversationId={route.conversationId} />;
        break;
      case 'usage':
        content = <UsagePage />;
        break;
      case 'settings':
        content = <SettingsPage />;
        break;
      case 'prompts':
        content = <PromptsPage />;
        break;
      case 'admin':
        content = user.role === 'admin' ? <AdminPage /> : <NotFound />;
        break;
      case 'login':
      case 'register':
        content = null;
        break;
      default:
        content = <NotFound />;
    }
    page = <Shell route={route}>{content}</Shell>;
  }
  return (
    <>
      {page}
      {toast.value && (
        <div class={`toast toast-${toast.value.kind}`} role={toast.value.kind === 'error' ? 'alert' : 'status'}>
          {toast.value.text}
        </div>
      )}
    </>
  );
}

function NotFound() {
  return (
    <section class="page">
      <h1>Not found</h1>
      <p>
        <a href="/" onClick={(e) => onLinkClick(e, '/')}>
          Back to the chat
        </a>
      </p>
    </section>
  );
}
