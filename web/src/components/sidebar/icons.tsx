// Small stroke icons drawn with currentColor; always decorative (the control carries the name).
const icon = (d: string, size = 16) => (
  <svg width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">
    <path d={d} />
  </svg>
);

export const PlusIcon = () => icon('M12 5v14M5 12h14');
export const SearchIcon = () => icon('M11 19a8 8 0 1 0 0-16 8 8 0 0 0 0 16zM21 21l-4.35-4.35');
export const PinIcon = () => icon('M9 4h6l-1 6 4 3v2H6v-2l4-3-1-6zM12 15v6', 13);
export const MoreIcon = () => (
  <svg width="16" height="16" viewBox="0 0 24 24" fill="currentColor" aria-hidden="true" focusable="false">
    <circle cx="5" cy="12" r="2" />
    <circle cx="12" cy="12" r="2" />
    <circle cx="19" cy="12" r="2" />
  </svg>
);
export const UploadIcon = () => icon('M12 16V4M7 9l5-5 5 5M5 20h14');
export const ArchiveIcon = () => icon('M3 5h18v4H3zM5 9v10h14V9M10 13h4', 14);
export const CloseIcon = () => icon('M6 6l12 12M18 6L6 18', 14);
