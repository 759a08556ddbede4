import type { Message } from '../../lib/types.ts';
import { ChevronLeftIcon, ChevronRightIcon } from './icons.tsx';
import { siblingNav } from './thread.ts';

/** "‹ 2 / 3 ›" on a message with other versions. */
export function BranchSwitcher(props: { message: Message; disabled: boolean; onSwitch(id: string): void }) {
  const nav = siblingNav(props.message);
  if (!nav) return null;
  return (
    <span class="branch-switcher">
      <button
        type="button"
        class="icon-button"
        aria-label="Previous version"
        title="Previous version"
        disabled={props.disabled || !nav.previous}
        onClick={() => nav.previous && props.onSwitch(nav.previous)}
      >
        <ChevronLeftIcon />
      </button>
      <span class="branch-count">{nav.label}</span>
      <button
        type="button"
        class="icon-button"
        aria-label="Next version"
        title="Next version"
        disabled={props.disabled || !nav.next}
        onClick={() => nav.next && props.onSwitch(nav.next)}
      >
        <ChevronRightIcon />
      </button>
    </span>
  );
}
