/**
 * The sentence a form shows for a failed request. A 422 with FastAPI's field list shows the
 * rules themselves ("Password must be at least 8 characters long") without the field's path:
 * the form already puts the message next to the field.
 */
export function errorText(err: unknown, fallback = 'Something went wrong; try again'): string {
  if (!err || typeof err !== 'object') return fallback;
  const { detail, message } = err as { detail?: unknown; message?: unknown };
  if (Array.isArray(detail) && detail.length > 0) {
    const rules = detail.map((d: { msg?: unknown }) => (typeof d?.msg === 'string' ? d.msg : '')).filter(Boolean);
    if (rules.length > 0) return [...new Set(rules)].join('; ');
  }
  return typeof message === 'string' && message ? message : fallback;
}
