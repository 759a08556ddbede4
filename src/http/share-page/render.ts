import type { SharedConversation } from '../../core/shares/shares-service.ts';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made inert in HTML, in element content and in quoted attributes alike. */
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ENTITIES[c]);

// Inline, since the page's policy allows no other source; line breaks survive through
// `pre-wrap`, so message text is never turned into markup.
const STYLE = `
body{margin:0;background:#f6f7f9;color:#1d2330;font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","PingFang SC","Microsoft YaHei",sans-serif}
main{max-width:46rem;margin:0 auto;padding:2rem 1rem 4rem}
h1{font-size:1.5rem;margin:0 0 .25rem;overflow-wrap:anywhere}
.meta{color:#5b6475;font-size:.875rem;margin:0 0 2rem}
.msg{border-radius:.75rem;padding:.75rem 1rem;margin:0 0 1rem;background:#fff;border:1px solid #e2e5ea}
.msg.user{background:#e8f0fe;border-color:#d2e0fb}
.role{font-size:.75rem;font-weight:600;text-transform:uppercase;letter-spacing:.04em;color:#5b6475;margin:0 0 .25rem}
.text{white-space:pre-wrap;overflow-wrap:anywhere;margin:0}
.sources{margin:.75rem 0 0;padding:.5rem 0 0 1.25rem;border-top:1px solid #e2e5ea;font-size:.875rem;color:#39404d}
.sources li{margin:0 0 .25rem;white-space:pre-wrap;overflow-wrap:anywhere}
.empty{color:#5b6475}
`;

const ROLE_LABEL = { user: 'User', assistant: 'Assistant' } as const;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="und">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

/** The readable page of a shared conversation: every piece of text escaped, nothing interpreted as Markdown. */
export function renderSharePage(shared: SharedConversation): string {
  const title = shared.snapshot.title?.trim() || 'Shared conversation';
  const messages = shared.snapshot.messages.map((m) => {
    const sources = m.sources.length
      ? `<ol class="sources">${m.sources
          .map((s) => {
            const where = [s.filename, s.page === null ? '' : `p. ${s.page}`].filter(Boolean).join(', ');
            return `<li>${where ? `<strong>${escapeHtml(where)}</strong>: ` : ''}${escapeHtml(s.snippet)}</li>`;
          })
          .join('')}</ol>`
      : '';
    const role = ROLE_LABEL[m.role] ?? 'Message';
    return `<article class="msg ${m.role === 'user' ? 'user' : 'assistant'}"><p class="role">${role}</p><p class="text">${escapeHtml(m.content)}</p>${sources}</article>`;
  });
  const body = [
    `<h1>${escapeHtml(title)}</h1>`,
    `<p class="meta">Shared on <time datetime="${escapeHtml(shared.createdAt.toISOString())}">${escapeHtml(shared.createdAt.toISOString().slice(0, 10))}</time></p>`,
    messages.length ? messages.join('\n') : '<p class="empty">This conversation has no messages.</p>',
  ].join('\n');
  return page(title, body);
}

/** What a revoked, deleted or unknown link shows. */
export function renderMissingPage(): string {
  return page('Link not available', '<h1>Link not available</h1>\n<p class="meta">This shared conversation does not exist or is no longer shared.</p>');
}
