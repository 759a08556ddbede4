import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { renderMarkdown } from '../../lib/markdown.ts';
import { copyText } from './clipboard.ts';
import { enhance } from './enhance.ts';
import { whenVisible } from './when-visible.ts';

/** A code block's Copy button: its buttons are in the sanitised HTML, so one listener serves them. */
function onCopyClick(event: MouseEvent): void {
  const button = (event.target as HTMLElement).closest?.('button.copy-code');
  if (!button) return;
  const code = button.closest('.code-block')?.querySelector('code');
  if (code) void copyText(code.textContent ?? '');
}

/**
 * A finished reply: rendered once per text (memoised and cached), then its code highlighted and
 * its math typeset in place, loading those libraries only when the reply needs them.
 */
export function MarkdownView(props: { text: string }) {
  const rendered = useMemo(() => renderMarkdown(props.text), [props.text]);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el || !(rendered.code || rendered.math)) return;
    return whenVisible(el, () => void enhance(el, rendered));
  }, [rendered]);
  // biome-ignore lint/a11y/useKeyWithClickEvents: the click lands on real buttons inside, which have keyboard activation.
  // biome-ignore lint/a11y/noStaticElementInteractions: delegation for the buttons inside.
  return <div class="md" ref={ref} onClick={onCopyClick} dangerouslySetInnerHTML={{ __html: rendered.html }} />;
}

/** The reply being written: rendered again as text arrives, never cached, finished when it ends. */
export function StreamingMarkdown(props: { text: string }) {
  const text = useOncePerFrame(props.text);
  const rendered = useMemo(() => renderMarkdown(text, { cache: false }), [text]);
  // biome-ignore lint/a11y/useKeyWithClickEvents: as above.
  // biome-ignore lint/a11y/noStaticElementInteractions: as above.
  return <div class="md" onClick={onCopyClick} dangerouslySetInnerHTML={{ __html: rendered.html }} />;
}

/** The latest value, taken at most once per frame: tokens can arrive faster than the screen redraws. */
function useOncePerFrame<T>(value: T): T {
  const [shown, setShown] = useState(value);
  const latest = useRef(value);
  const frame = useRef(0);
  latest.current = value;
  useEffect(() => {
    if (frame.current || Object.is(shown, value)) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      setShown(latest.current);
    });
  }, [value]);
  useEffect(() => () => cancelAnimationFrame(frame.current), []);
  return shown;
}
