import { useEffect, useMemo, useReducer, useRef, useState } from 'preact/hooks';
import { renderMarkdown } from '../../lib/markdown.ts';
import { copyText } from './clipboard.ts';
import { finish, needsFinishing } from './enhance.ts';
import { whenVisible } from './when-visible.ts';

/** A code block's Copy button: its buttons are in the sanitised HTML, so one listener serves them. */
function onCopyClick(event: MouseEvent): void {
  const button = (event.target as HTMLElement).closest?.('button.copy-code');
  if (!button) return;
  const code = button.closest('.code-block')?.querySelector('code');
  if (code) void copyText(code.textContent ?? '');
}

/**
 * A finished reply: rendered once per text (memoised and cached), shown finished (code
 * highlighted, math typeset) as soon as that is done in idle time, and at once when it was done
 * before (a reply prepared ahead, or shown before). Replies near the screen are finished first.
 */
export function MarkdownView(props: { text: string }) {
  const rendered = useMemo(() => renderMarkdown(props.text), [props.text]);
  const ref = useRef<HTMLDivElement>(null);
  const [, redraw] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    const el = ref.current;
    if (!el || !needsFinishing(rendered)) return;
    let live = true;
    void finish(rendered).then(() => live && rendered.finished !== undefined && redraw(undefined));
    const stop = whenVisible(el, () => void finish(rendered, { urgent: true }));
    return () => {
      live = false;
      stop();
    };
  }, [rendered]);
  // biome-ignore lint/a11y/useKeyWithClickEvents: the click lands on real buttons inside, which have keyboard activation.
  // biome-ignore lint/a11y/noStaticElementInteractions: delegation for the buttons inside.
  return <div class="md" ref={ref} onClick={onCopyClick} dangerouslySetInnerHTML={{ __html: rendered.finished ?? rendered.html }} />;
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
