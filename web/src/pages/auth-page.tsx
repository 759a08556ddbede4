export function AuthPage(props: { mode: 'login' | 'register' }) {
  return (
    <main class="auth">
      <h1>{props.mode === 'login' ? 'Sign in' : 'Create an account'}</h1>
    </main>
  );
}
