import type { Source } from '../../lib/types.ts';
import { FileIcon } from './icons.tsx';

/** The passages of attached documents a reply was given: file, page and snippet. */
export function SourcesList(props: { sources: Source[] | undefined }) {
  const sources = (props.sources ?? []).filter((s) => s && (s.filename || s.snippet));
  if (!sources.length) return null;
  return (
    <div class="sources">
      <p class="sources-title">Sources</p>
      <ul class="sources-list" aria-label="Sources">
        {sources.map((s, i) => (
          <li key={`${s.file_id ?? ''}:${s.page ?? ''}:${i}`} class="source">
            <span class="source-head">
              <FileIcon />
              <span class="source-file">{s.filename || 'Document'}</span>
              {typeof s.page === 'number' ? <span class="source-page">page {s.page}</span> : null}
            </span>
            {s.snippet ? <span class="source-snippet">{s.snippet}</span> : null}
          </li>
        ))}
      </ul>
    </div>
  );
}
