/**
 * The prompt library's placeholders, read the way the server reads them: `{name}` is a
 * variable (a letter or `_`, then letters, digits or `_`); `{{` and `}}` are literal braces;
 * any other brace is kept as written.
 */
const TOKEN = /\{\{|\}\}|\{([\p{L}_][\p{L}\p{N}_]*)\}/gu;

/** The variables of a prompt, each once, in order of first appearance. */
export function templateVariables(content: string): string[] {
  const names: string[] = [];
  for (const match of content.matchAll(TOKEN)) {
    const name = match[1];
    if (name !== undefined && !names.includes(name)) names.push(name);
  }
  return names;
}

/** The content with its placeholders filled; a variable without a value is left as `{name}`. */
export function fillTemplate(content: string, values: Record<string, string>): string {
  return content.replace(TOKEN, (match: string, name: string | undefined) => {
    if (match === '{{') return '{';
    if (match === '}}') return '}';
    if (name !== undefined && Object.hasOwn(values, name)) return values[name];
    return match;
  });
}
