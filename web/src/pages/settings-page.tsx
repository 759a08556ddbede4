import { ApiKeysSection } from './settings/api-keys-section.tsx';
import { PasswordSection } from './settings/password-section.tsx';
import { ProfileSection } from './settings/profile-section.tsx';
import { ThemeSection } from './settings/theme-section.tsx';
import './settings-page.css';

/** The signed-in user's own settings: profile, password, API keys and the theme. */
export function SettingsPage() {
  return (
    <section class="page settings-page" aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      <ProfileSection />
      <PasswordSection />
      <ApiKeysSection />
      <ThemeSection />
    </section>
  );
}
