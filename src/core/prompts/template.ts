// `{name}` is a placeholder; `{{` and `}}` stand for literal braces. A brace that forms
// neither (JSON in a prompt, say) is kept as written rather than refused.
const TOKEN = /\{\{|\}\}|\{([\p{L}_][\p{L}\p{N}_]*)\}/gu;

export type TemplateValue = string | number | boolean;

/** The content with its placeholders filled, and the names that had no value (each once, in order). */
export function renderTemplate(content: string, variables: Record<string, TemplateValue>): { text: string; missing: string[] } {
  const missing: string[] = [];
  const text = content.replace(TOKEN, (match, name: string | undefined) => {
    if (match === '{{') return '{';
    if (match === '}}') return '}';
    if (name !== undefined && Object.hasOwn(variables, name)) return String(variables[name]);
    if (name !== undefined && !missing.includes(name)) missing.push(name);
    return match;
  });
  return { text, missing };
}
