import type { Provider, ProviderRequest, ProviderEvent } from './types.ts';

/**
 * Built-in offline model: replies with the last user message, word by word.
 * Deterministic, so everything runs (and is testable) with no provider key.
 */
export const echoProvider: Provider = {
  name: 'echo',
  async *stream(request: ProviderRequest): AsyncIterable<ProviderEvent> {
    const lastUser = [...request.messages].reverse().find((m) => m.role === 'user');
    const reply = `Echo: ${lastUser?.content ?? ''}`;
    const words = reply.match(/\s*\S+/g) ?? [reply];
    for (const word of words) {
      if (request.signal.aborted) return;
      yield { type: 'text', text: word };
      // Let other work (a stop, a disconnect) run between words, as with a real stream.
      await new Promise((resolve) => setImmediate(resolve));
    }
  },
};

/** A short title from the first words of a message: what echo "generates" as a title. */
export function echoTitle(text: string): string {
  const words = text.trim().split(/\s+/).slice(0, 6).join(' ');
  return words.length > 60 ? `${words.slice(0, 57)}...` : words || 'New conversation';
}
