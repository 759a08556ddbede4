import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';

export interface MenuItem {
  label: string;
  onSelect: () => void;
  danger?: boolean;
  disabled?: boolean;
}

interface Props {
  /** The button that opened the menu: the menu sits next to it and focus returns to it. */
  anchor: HTMLElement;
  label: string;
  items: (MenuItem | 'separator')[];
  onClose: () => void;
}

const MARGIN = 8;

/**
 * A small popup menu (the WAI-ARIA menu button pattern): the first item takes focus, arrows
 * move between items, Home and End jump, Esc closes and gives focus back to the button, Tab or a
 * click elsewhere closes it. It is fixed to the viewport so the list's scrolling cannot clip it.
 */
export function ActionsMenu(props: Props) {
  const ref = useRef<HTMLDivElement>(null);
  const [position, setPosition] = useState<{ top: number; left: number } | null>(null);
  const { anchor, onClose } = props;

  useLayoutEffect(() => {
    const menu = ref.current!;
    const at = anchor.getBoundingClientRect();
    const width = menu.offsetWidth;
    const height = menu.offsetHeight;
    let top = at.bottom + 4;
    if (top + height > window.innerHeight - MARGIN) top = Math.max(MARGIN, at.top - height - 4);
    const left = Math.min(Math.max(MARGIN, at.right - width), window.innerWidth - width - MARGIN);
    setPosition({ top, left });
  }, [anchor]);

  // Once placed (a hidden element cannot take focus), the first item takes it.
  const placed = position !== null;
  useEffect(() => {
    if (placed) menuItems(ref.current!)[0]?.focus();
  }, [placed]);

  useEffect(() => {
    const onPointer = (event: PointerEvent) => {
      const target = event.target as Node;
      if (!ref.current?.contains(target) && !anchor.contains(target)) onClose();
    };
    // The menu is placed once: it closes rather than drifting away from a list that scrolls.
    const onScroll = (event: Event) => {
      if (!ref.current?.contains(event.target as Node)) onClose();
    };
    document.addEventListener('pointerdown', onPointer, true);
    document.addEventListener('scroll', onScroll, true);
    window.addEventListener('resize', onClose);
    return () => {
      document.removeEventListener('pointerdown', onPointer, true);
      document.removeEventListener('scroll', onScroll, true);
      window.removeEventListener('resize', onClose);
    };
  }, [anchor, onClose]);

  const onKeyDown = (event: KeyboardEvent) => {
    const items = menuItems(ref.current!);
    const index = items.indexOf(document.activeElement as HTMLElement);
    const focus = (i: number) => items[(i + items.length) % items.length]?.focus();
    switch (event.key) {
      case 'ArrowDown':
        focus(index + 1);
        break;
      case 'ArrowUp':
        focus(index - 1);
        break;
      case 'Home':
        focus(0);
        break;
      case 'End':
        focus(items.length - 1);
        break;
      case 'Escape':
        onClose();
        anchor.focus();
        break;
      case 'Tab':
        onClose();
        return;
      default:
        return;
    }
    event.preventDefault();
    event.stopPropagation();
  };

  return (
    <div
      ref={ref}
      role="menu"
      aria-label={props.label}
      class="actions-menu"
      style={position ? { top: `${position.top}px`, left: `${position.left}px` } : { visibility: 'hidden', top: '0px', left: '0px' }}
      onKeyDown={onKeyDown}
    >
      {props.items.map((item, i) =>
        item === 'separator' ? (
          <hr key={`s${i}`} class="actions-menu-separator" />
        ) : (
          <button
            key={item.label}
            type="button"
            role="menuitem"
            tabIndex={-1}
            class={item.danger ? 'danger-item' : undefined}
            disabled={item.disabled}
            onClick={() => {
              onClose();
              anchor.focus();
              item.onSelect();
            }}
          >
            {item.label}
          </button>
        ),
      )}
    </div>
  );
}

const menuItems = (menu: HTMLElement) => [...menu.querySelectorAll<HTMLElement>('[role="menuitem"]:not(:disabled)')];
