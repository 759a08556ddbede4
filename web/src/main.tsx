import { render } from 'preact';
import { App } from './app.tsx';
import { applyTheme, theme } from './lib/theme.ts';
import { restoreUser } from './lib/state.ts';
import './styles.css';

applyTheme(theme.value);
void restoreUser();
render(<App />, document.getElementById('app')!);
