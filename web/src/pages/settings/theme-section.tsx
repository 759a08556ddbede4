import { applyTheme, type ThemeChoice, theme } from '../../lib/theme.ts';

const CHOICES: { value: ThemeChoice; label: string; hint: string }[] = [
  { value: 'system', label: 'System', hint: 'Follows your device' },
  { value: 'light', label: 'Light', hint: 'Always light' },
  { value: 'dark', label: 'Dark', hint: 'Always dark' },
];

export function ThemeSection() {
  return (
    <section class="settings-card" aria-labelledby="theme-h">
      <h2 id="theme-h">Appearance</h2>
      <fieldset class="theme-choices">
        <legend>Theme</legend>
        {CHOICES.map((choice) => (
          <div key={choice.value} class={`theme-choice${theme.value === choice.value ? ' is-selected' : ''}`}>
            <input
              id={`theme-${choice.value}`}
              type="radio"
              name="theme"
              value={choice.value}
              aria-describedby={`theme-${choice.value}-hint`}
              checked={theme.value === choice.value}
              onChange={() => applyTheme(choice.value)}
            />
            <span class={`theme-swatch theme-swatch-${choice.value}`} aria-hidden="true" />
            <span class="theme-choice-text">
              {/* The label covers the whole card (see the CSS), so the card is the click target. */}
              <label for={`theme-${choice.value}`}>{choice.label}</label>
              <span id={`theme-${choice.value}-hint`} class="theme-choice-hint">
                {choice.hint}
              </span>
            </span>
          </div>
        ))}
      </fieldset>
    </section>
  );
}
