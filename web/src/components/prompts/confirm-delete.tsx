import { ConfirmDialog } from '../dialog.tsx';
import { deletePrompt, type Prompt } from './prompt-api.ts';

/** Asks before deleting a prompt for good (prompts are not restorable). */
export function ConfirmDelete(props: { prompt: Prompt; onClose(): void; onDeleted(): void }) {
  return (
    <ConfirmDialog
      title="Delete prompt?"
      message={
        <p>
          “{props.prompt.title}” will be deleted for good{props.prompt.is_template ? ', for every user' : ''}.
        </p>
      }
      confirmLabel="Delete"
      danger
      onClose={props.onClose}
      onConfirm={async () => {
        await deletePrompt(props.prompt.id);
        props.onDeleted();
      }}
    />
  );
}
