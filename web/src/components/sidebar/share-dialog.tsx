import { useId } from 'preact/hooks';
import { Dialog } from '../dialog.tsx';

/** Shown when the browser would not let the page copy the link: the link, selected, to copy by hand. */
export function ShareDialog(props: { url: string; onClose: () => void; returnFocus?: () => HTMLElement | null }) {
  const id = useId();
  return (
    <Dialog
      title="Share link"
      description={<p>Anyone with this link can read the conversation as it is now.</p>}
      onClose={props.onClose}
      returnFocus={props.returnFocus}
    >
      <label for={id}>Link</label>
      <input id={id} type="text" readOnly value={props.url} autofocus onFocus={(e) => e.currentTarget.select()} />
      <div class="dialog-actions">
        <button type="button" class="primary" onClick={props.onClose}>
          Done
        </button>
      </div>
    </Dialog>
  );
}
