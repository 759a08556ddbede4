import type { JSX } from 'preact';

/** Small line icons; each is decorative (its button carries the name). */
function Icon(props: { d: string; size?: number; fill?: boolean }): JSX.Element {
  return (
    <svg viewBox="0 0 20 20" width={props.size ?? 18} height={props.size ?? 18} aria-hidden="true" focusable="false">
      <path
        d={props.d}
        fill={props.fill ? 'currentColor' : 'none'}
        stroke={props.fill ? 'none' : 'currentColor'}
        stroke-width="1.6"
        stroke-linecap="round"
        stroke-linejoin="round"
      />
    </svg>
  );
}

export const PaperclipIcon = () => <Icon d="M15.5 9.5l-5.8 5.8a3.5 3.5 0 01-5-5l6.3-6.3a2.3 2.3 0 013.3 3.3l-6.2 6.2a1.1 1.1 0 01-1.6-1.6l5.6-5.6" />;
export const SendIcon = () => <Icon d="M10 16V4M5 9l5-5 5 5" />;
export const StopIcon = () => <Icon d="M6 6h8v8H6z" fill />;
export const CopyIcon = () => <Icon d="M7 7h9v9H7zM4 13V4h9" size={16} />;
export const EditIcon = () => <Icon d="M12.5 4.5l3 3L8 15H5v-3zM11 6l3 3" size={16} />;
export const RegenerateIcon = () => <Icon d="M15.5 8A6 6 0 004.8 6.2M4.5 12a6 6 0 0010.7 1.8M4.5 3v3.5H8M15.5 17v-3.5H12" size={16} />;
export const ChevronLeftIcon = () => <Icon d="M12 5l-5 5 5 5" size={14} />;
export const ChevronRightIcon = () => <Icon d="M8 5l5 5-5 5" size={14} />;
export const FileIcon = () => <Icon d="M5 2.5h6.5L15 6v11.5H5zM11 2.5V6h4" size={16} />;
export const CloseIcon = () => <Icon d="M5 5l10 10M15 5L5 15" size={14} />;
