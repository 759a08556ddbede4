import { useId, useState } from 'preact/hooks';
import type { TokenResponse } from '../lib/api.ts';
import { errorText } from '../lib/error-text.ts';
import { currentPath, matchRoute, navigate, onLinkClick } from '../lib/router.ts';
import { api, currentUser } from '../lib/state.ts';
import './auth-page.css';

/** Sign-in (`/login`) and registration (`/register`), the only screens shown signed out. */
export function AuthPage(props: { mode: 'login' | 'register' }) {
  const register = props.mode === 'register';
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const ids = { email: useId(), password: useId(), name: useId(), nameHint: useId(), passwordHint: useId(), error: useId() };

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const tokens = register
        ? await api.post<TokenResponse>(
            '/api/v1/auth/register',
            { email: email.trim(), password, display_name: displayName.trim() || undefined },
            { anonymous: true },
          )
        : await api.post<TokenResponse>('/api/v1/auth/login', { email: email.trim(), password }, { anonymous: true });
      api.adopt(tokens);
      currentUser.value = tokens.user;
      // Signed out on a page of the app, the user stays there once signed in; from the doors, the chat.
      const route = matchRoute(currentPath.value).name;
      if (route === 'login' || route === 'register') navigate('/', { replace: true });
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };

  const otherPath = register ? '/login' : '/register';
  return (
    <main class="auth">
      <div class="auth-card">
        <div class="auth-brand" aria-hidden="true">
          <span class="auth-logo" />
          Parley
        </div>
        <h1>{register ? 'Create your account' : 'Welcome back'}</h1>
        <p class="muted auth-lead">{register ? 'Start chatting in a minute.' : 'Sign in to continue to your conversations.'}</p>
        <form class="auth-form" onSubmit={(e) => void submit(e)} aria-describedby={error ? ids.error : undefined}>
          <label for={ids.email}>Email</label>
          <input
            id={ids.email}
            type="email"
            autocomplete={register ? 'email' : 'username'}
            required
            value={email}
            onInput={(e) => setEmail(e.currentTarget.value)}
          />
          {register && (
            <>
              <label for={ids.name}>Display name</label>
              <input
                id={ids.name}
                type="text"
                autocomplete="nickname"
                maxLength={100}
                aria-describedby={ids.nameHint}
                value={displayName}
                onInput={(e) => setDisplayName(e.currentTarget.value)}
              />
              <p id={ids.nameHint} class="field-hint">
                Optional: how you are greeted.
              </p>
            </>
          )}
          <label for={ids.password}>Password</label>
          <input
            id={ids.password}
            type="password"
            autocomplete={register ? 'new-password' : 'current-password'}
            required
            minLength={register ? 8 : undefined}
            aria-describedby={register ? ids.passwordHint : undefined}
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
          {register && (
            <p id={ids.passwordHint} class="field-hint">
              At least 8 characters; a few unusual words make a strong one.
            </p>
          )}
          {error && (
            <p id={ids.error} class="error-text auth-error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" class="primary auth-submit" disabled={busy}>
            {register ? 'Create account' : 'Sign in'}
          </button>
        </form>
        <p class="auth-switch">
          {register ? 'Already have an account? ' : 'New here? '}
          <a href={otherPath} onClick={(e) => onLinkClick(e, otherPath)}>
            {register ? 'Sign in' : 'Create an account'}
          </a>
        </p>
      </div>
    </main>
  );
}
