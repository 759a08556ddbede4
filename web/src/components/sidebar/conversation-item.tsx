import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { errorText } from '../../lib/error-text.ts';
import { navigate, onLinkClick } from '../../lib/router.ts';
import { showToast } from '../../lib/state.ts';
import type { Conversation } from '../../lib/types.ts';
import { ConfirmDialog } from '../dialog.tsx';
import {
  copyText,
  currentShare,
  deleteConversation,
  downloadExport,
  renameConversation,
  setArchived,
  setPinned,
  shareConversation,
  stopSharing,
} from './actions.ts';
import { ActionsMenu, type MenuItem } from './actions-menu.tsx';
import { MoreIcon, PinIcon } from './icons.tsx';
import { conversationTitle } from './list-logic.ts';
import { ShareDialog } from './share-dialog.tsx';
import { TagsDialog } from './tags-dialog.tsx';

type OpenDialog = { kind: 'delete' } | { kind: 'tags' } | { kind: 'share'; url: string } | null;

/** One conversation in the list: its link, and the "⋯" menu of what can be done with it. */
export function ConversationItem(props: { conversation: Conversation; active: boolean; afterPinned?: boolean }) {
  const c = props.conversation;
  const title = conversationTitle(c);
  const [menuOpen, setMenuOpen] = useState(false);
  const [renaming, setRenaming] = useState(false);
  const [dialog, setDialog] = useState<OpenDialog>(null);
  const [shared, setShared] = useState<boolean | null>(null);
  const button = useRef<HTMLButtonElement>(null);
  const closeMenu = useCallback(() => setMenuOpen(false), []);
  const closeDialog = useCallback(() => setDialog(null), []);
  const focusButton = useCallback(() => button.current, []);

  // Whether it is shared decides between "Share" and "Stop sharing": asked when the menu opens.
  useEffect(() => {
    if (!menuOpen) return;
    let live = true;
    currentShare(c.id).then(
      (link) => live && setShared(link !== null),
      () => live && setShared(null),
    );
    return () => {
      live = false;
    };
  }, [menuOpen, c.id]);

  const run = (action: () => Promise<unknown>, done?: string) =>
    void action().then(
      () => done && showToast(done),
      (err) => showToast(errorText(err), 'error'),
    );

  const share = async () => {
    const link = await shareConversation(c.id);
    setShared(true);
    if (await copyText(link.url)) showToast('Link copied');
    else setDialog({ kind: 'share', url: link.url });
  };
  const copyLink = async () => {
    const link = await currentShare(c.id);
    if (!link) return share();
    if (await copyText(link.url)) showToast('Link copied');
    else setDialog({ kind: 'share', url: link.url });
  };

  // Until the menu knows whether a link is live, Share copies the live one rather than replacing it.
  const shareItems: MenuItem[] = shared
    ? [
        { label: 'Copy share link', onSelect: () => run(copyLink) },
        {
          label: 'Stop sharing',
          onSelect: () =>
            run(async () => {
              await stopSharing(c.id);
              setShared(false);
            }, 'Sharing stopped'),
        },
      ]
    : [{ label: 'Share', onSelect: () => run(shared === false ? share : copyLink) }];

  const items: (MenuItem | 'separator')[] = [
    { label: 'Rename', onSelect: () => setRenaming(true) },
    { label: c.pinned ? 'Unpin' : 'Pin', onSelect: () => run(() => setPinned(c.id, !c.pinned), c.pinned ? 'Unpinned' : 'Pinned') },
    { label: 'Edit tags', onSelect: () => setDialog({ kind: 'tags' }) },
    {
      label: c.archived ? 'Unarchive' : 'Archive',
      onSelect: () => run(() => setArchived(c.id, !c.archived), c.archived ? 'Moved back to your conversations' : 'Archived'),
    },
    'separator',
    { label: 'Export as Markdown', onSelect: () => run(() => downloadExport(c.id, 'markdown')) },
    { label: 'Export as JSON', onSelect: () => run(() => downloadExport(c.id, 'json')) },
    'separator',
    ...shareItems,
    'separator',
    { label: 'Delete', danger: true, onSelect: () => setDialog({ kind: 'delete' }) },
  ];

  const href = `/c/${c.id}`;
  return (
    <li class={`conv-item${props.active ? ' is-active' : ''}${menuOpen ? ' menu-open' : ''}${props.afterPinned ? ' after-pinned' : ''}`}>
      {renaming ? (
        <RenameInput
          initial={c.title ?? ''}
          onDone={(value) => {
            setRenaming(false);
            button.current?.focus();
            if (value !== null && value !== (c.title ?? '')) run(() => renameConversation(c.id, value));
          }}
        />
      ) : (
        <a class="conv-link" href={href} aria-current={props.active ? 'page' : undefined} onClick={(e) => onLinkClick(e, href)}>
          {c.pinned && (
            <span class="conv-pin" title="Pinned">
              <PinIcon />
            </span>
          )}
          <span class="conv-title">{title}</span>
        </a>
      )}
      <button
        ref={button}
        type="button"
        class="icon-button conv-more"
        aria-label="Conversation actions"
        aria-haspopup="menu"
        aria-expanded={menuOpen}
        onClick={() => setMenuOpen(!menuOpen)}
      >
        <MoreIcon />
      </button>
      {menuOpen && button.current && <ActionsMenu anchor={button.current} label={`Actions for ${title}`} items={items} onClose={closeMenu} />}
      {dialog?.kind === 'delete' && (
        <ConfirmDialog
          title="Delete conversation?"
          message={
            <p>
              “{title}” and all of its messages will be deleted. This cannot be undone.
            </p>
          }
          confirmLabel="Delete"
          danger
          returnFocus={focusButton}
          onClose={closeDialog}
          onConfirm={async () => {
            await deleteConversation(c.id);
            if (props.active) navigate('/');
            showToast('Conversation deleted');
          }}
        />
      )}
      {dialog?.kind === 'tags' && <TagsDialog conversation={c} onClose={closeDialog} returnFocus={focusButton} />}
      {dialog?.kind === 'share' && <ShareDialog url={dialog.url} onClose={closeDialog} returnFocus={focusButton} />}
    </li>
  );
}

/** The title edited in place: Enter or leaving the field saves, Esc cancels. */
function RenameInput(props: { initial: string; onDone: (value: string | null) => void }) {
  const ref = useRef<HTMLInputElement>(null);
  const finished = useRef(false);
  useEffect(() => {
    ref.current?.focus();
    ref.current?.select();
  }, []);
  const finish = (value: string | null) => {
    if (finished.current) return;
    finished.current = true;
    props.onDone(value);
  };
  return (
    <input
      ref={ref}
      class="conv-rename"
      type="text"
      aria-label="Conversation title"
      maxLength={200}
      defaultValue={props.initial}
      onKeyDown={(e) => {
        if (e.key === 'Enter') {
          e.preventDefault();
          finish(e.currentTarget.value.trim() || null);
        } else if (e.key === 'Escape') {
          e.preventDefault();
          e.stopPropagation();
          finish(null);
        }
      }}
      onBlur={(e) => finish(e.currentTarget.value.trim() || null)}
    />
  );
}
