import { type ComponentChildren, createPortal } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { errorText } from '../lib/error-text.ts';
import './dialog.css';

interface DialogProps {
  title: string;
  /** Read out with the title when the dialog opens. */
  description?: ComponentChildren;
  onClose: () => void;
  /** Where focus goes back to when the dialog closes (default: what had it when it opened). */
  returnFocus?: () => HTMLElement | null | undefined;
  /** A Close button next to the title, and a click outside the dialog closes it too (Esc always does). */
  dismissible?: boolean;
  /** Room for a form or a longer text. */
  wide?: boolean;
  children?: ComponentChildren;
}

/**
 * A modal `<dialog>`: opened when mounted, labelled by its title and described by its
 * description; Esc calls `onClose`. It is placed at the end of the body, so that neither the
 * styles nor the events of where it is used (a composer's form, a list's row) reach it. The
 * browser keeps focus inside it while it is open; when it closes, focus goes back to the control
 * that opened it.
 */
export function Dialog(props: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const descriptionId = useId();
  const pressedOutside = useRef(false);
  const returnFocus = useRef(props.returnFocus);
  returnFocus.current = props.returnFocus;

  useEffect(() => {
    const dialog = ref.current!;
    const opener = document.activeElement as HTMLElement | null;
    if (!dialog.open) dialog.showModal();
    return () => {
      if (dialog.open) dialog.close();
      const target = returnFocus.current?.() ?? opener;
      if (target?.isConnected) target.focus();
    };
  }, []);

  return createPortal(
    // biome-ignore lint/a11y/useKeyWithClickEvents: a click on the backdrop; Esc is its keyboard twin
    <dialog
      ref={ref}
      class={`dialog${props.wide ? ' dialog-wide' : ''}`}
      aria-labelledby={titleId}
      aria-describedby={props.description ? descriptionId : undefined}
      onCancel={(e) => {
        e.preventDefault();
        props.onClose();
      }}
      // A press on the backdrop lands on the dialog element itself (its content fills it); a
      // text selection dragged out of the dialog does not count.
      onPointerDown={(e) => {
        pressedOutside.current = e.target === e.currentTarget;
      }}
      onClick={(e) => {
        if (props.dismissible && pressedOutside.current && e.target === e.currentTarget) props.onClose();
      }}
    >
      <div class="dialog-body">
        <header class="dialog-head">
          <h2 id={titleId} class="dialog-title">
            {props.title}
          </h2>
          {props.dismissible && (
            <button type="button" class="icon-button" aria-label="Close" onClick={props.onClose}>
              <svg viewBox="0 0 20 20" width="18" height="18" aria-hidden="true">
                <path d="M5 5l10 10M15 5L5 15" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" />
              </svg>
            </button>
          )}
        </header>
        {props.description && (
          <div id={descriptionId} class="dialog-description">
            {props.description}
          </div>
        )}
        {props.children}
      </div>
    </dialog>,
    document.body,
  );
}

interface DialogActionsProps {
  /** Shown above the buttons and read out when it appears. */
  error?: string | null;
  /** The button that leaves without acting: "Cancel", "Close", "Back". */
  cancelLabel: string;
  onCancel: () => void;
  /** Focus the cancel button when the dialog opens: the safe choice of a confirmation. */
  cancelFirst?: boolean;
  actionLabel: string;
  /** The action; without it, the action button submits the dialog's form. */
  onAction?: () => void;
  /** The action is running: its button is disabled. */
  busy?: boolean;
  danger?: boolean;
}

/** The foot of a dialog: its error, if any, then the cancel button and the action. */
export function DialogActions(props: DialogActionsProps) {
  return (
    <>
      {props.error && (
        <p class="error-text" role="alert">
          {props.error}
        </p>
      )}
      <div class="dialog-actions">
        <button type="button" class="secondary" autofocus={props.cancelFirst} onClick={props.onCancel}>
          {props.cancelLabel}
        </button>
        <button
          type={props.onAction ? 'button' : 'submit'}
          class={props.danger ? 'danger-solid' : 'primary'}
          disabled={props.busy}
          onClick={props.onAction}
        >
          {props.actionLabel}
        </button>
      </div>
    </>
  );
}

interface ConfirmProps {
  title: string;
  message: ComponentChildren;
  confirmLabel: string;
  danger?: boolean;
  /** Runs the action; a thrown error is shown in the dialog, which stays open. */
  onConfirm: () => Promise<void> | void;
  onClose: () => void;
  returnFocus?: () => HTMLElement | null | undefined;
}

/** "Are you sure?" with Cancel (focused first, the safe choice) and the action. */
export function ConfirmDialog(props: ConfirmProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await props.onConfirm();
      props.onClose();
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };

  return (
    <Dialog title={props.title} description={props.message} onClose={props.onClose} returnFocus={props.returnFocus}>
      <DialogActions
        error={error}
        cancelLabel="Cancel"
        onCancel={props.onClose}
        cancelFirst
        actionLabel={props.confirmLabel}
        onAction={() => void confirm()}
        busy={busy}
        danger={props.danger}
      />
    </Dialog>
  );
}
