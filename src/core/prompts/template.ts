import { errors } from '../errors.ts';

// `{name}` is a placeholder; `{{` and `}}` stand for literal braces. A brace that forms
// neither (JSON in a prompt, say) is kept as written rather than refused.
const TOKEN = /\{\{|\}\}|\{([\p{L}_][\p{L}\p{N}_]*)\}/gu;

/**
 * The longest filled-in text, the cap on one message: a short template whose placeholders
 * repeat a long value would otherwise multiply a request's size (20,000 characters of `{v}`
 * times a 100,000-character value is over six hundred million characters).
 */
export const MAX_RENDERED_CHARS = 100_000;

export type TemplateValue = string | number | boolean;

/**
 * The content with its placeholders filled, and the names that had no value (each once, in order).
 * A 422 as soon as the text would pass `maxChars`, before the rest is built.
 */
export function renderTemplate(
  content: string,
  variables: Record<string, TemplateValue>,
  maxChars = MAX_RENDERED_CHARS,
): { text: string; missing: string[] } {
  const missing: string[] = [];
  const seen = new Set<string>();
  // Length of the text so far: the content's own characters, plus what replacements add.
  let length = content.length;
  const text = content.replace(TOKEN, (match: string, name: string | undefined, offset: number) => {
    let out = match;
    if (match === '{{') out = '{';
    else if (match === '}}') out = '}';
    else if (name !== undefined && Object.hasOwn(variables, name)) out = String(variables[name]);
    else if (name !== undefined && !seen.has(name)) {
      seen.add(name);
      missing.push(name);
    }
    length += out.length - match.length;
    // Over the cap even if every placeholder after this one filled in empty: refused now.
    if (length - (content.length - offset - match.length) > maxChars) {
      throw errors.validation(`The filled-in prompt is longer than ${maxChars} characters`, { max_chars: maxChars });
    }
    return out;
  });
  if (length > maxChars) {
    throw errors.validation(`The filled-in prompt is longer than ${maxChars} characters`, { max_chars: maxChars });
  }
  return { text, missing };
}
