/** One labelled input per template variable. */
export function VariableFields(props: {
  idPrefix: string;
  names: string[];
  values: Record<string, string>;
  onChange(values: Record<string, string>): void;
}) {
  if (props.names.length === 0) return <p class="muted prompt-no-variables">This prompt has no variables.</p>;
  return (
    <fieldset class="prompt-variable-fields">
      <legend>Variables</legend>
      {props.names.map((name, i) => {
        const id = `${props.idPrefix}-var-${i}`;
        return (
          <div key={name}>
            <label for={id}>{name}</label>
            <textarea
              id={id}
              rows={1}
              class="prompt-variable-input"
              value={props.values[name] ?? ''}
              onInput={(e) => props.onChange({ ...props.values, [name]: e.currentTarget.value })}
              onKeyDown={(e) => {
                // Enter submits, as in a one-line field; Shift+Enter adds a line.
                if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
                  e.preventDefault();
                  e.currentTarget.form?.requestSubmit();
                }
              }}
            />
          </div>
        );
      })}
    </fieldset>
  );
}
