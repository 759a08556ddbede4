import type { Provider, ProviderEvent, ProviderRequest, Refusal } from './types.ts';

// A real model streams tokens of a few characters; one "word" of a megabyte would make a
// single event (and a single write, frame and JSON string) of that size on every surface.
const MAX_PIECE = 64;

/**
 * Built-in offline model: replies with the last user message, word by word.
 * Deterministic, so everything runs (and is testable) with no provider key.
 */
export const echoProvider: Provider = {
  name: 'echo',
  refuse: echoRefusal,
  async *stream(request: ProviderRequest): AsyncIterable<ProviderEvent> {
    let lastUser: string | undefined;
    for (let i = request.messages.length - 1; i >= 0 && lastUser === undefined; i--) {
      if (request.messages[i].role === 'user') lastUser = request.messages[i].content;
    }
    let reply = `Echo: ${lastUser ?? ''}`;
    // Stop sequences are honoured as a model honours them: the reply ends before the first one.
    for (const stop of request.stop ?? []) {
      const at = stop ? reply.indexOf(stop) : -1;
      if (at >= 0) reply = reply.slice(0, at);
    }
    for (const piece of echoPieces(reply)) {
      if (request.signal.aborted) return;
      yield { type: 'text', text: piece };
      // Let other work (a stop, a disconnect) run between words, as with a real stream.
      await new Promise((resolve) => setImmediate(resolve));
    }
    yield { type: 'finish', reason: 'stop' };
  },
};

/**
 * Echo takes the options that cannot change a deterministic echo (seed, top_p, penalties,
 * user) and honours stop; it refuses what it cannot do: call tools, shape JSON, give log
 * probabilities or bias tokens.
 */
function echoRefusal(request: Omit<ProviderRequest, 'signal'>): Refusal | undefined {
  const refuse = (param: string) => ({ param, message: `${param} is not supported by the offline echo model` });
  if (request.tools?.length) return refuse('tools');
  if (request.toolChoice !== undefined && request.toolChoice !== 'none' && request.toolChoice !== 'auto') return refuse('tool_choice');
  if (request.responseFormat && request.responseFormat.type !== 'text') return refuse('response_format');
  if (request.logprobs) return refuse('logprobs');
  if (request.topLogprobs !== undefined) return refuse('top_logprobs');
  if (request.logitBias !== undefined && Object.keys(request.logitBias).length > 0) return refuse('logit_bias');
  return undefined;
}

/**
 * The reply cut into words, each with the whitespace before it (trailing whitespace is
 * dropped), and anything longer than MAX_PIECE in slices. One linear pass: a pattern such as
 * /\s*\S+/g backtracks over a long run of trailing whitespace once per character of it.
 */
export function* echoPieces(reply: string): Generator<string> {
  let i = 0;
  while (i < reply.length) {
    const start = i;
    while (i < reply.length && isSpace(reply.charCodeAt(i))) i++;
    if (i === reply.length) return;
    while (i < reply.length && !isSpace(reply.charCodeAt(i))) i++;
    for (let from = start; from < i; ) {
      let to = Math.min(from + MAX_PIECE, i);
      // Never between the two halves of a surrogate pair.
      if (to < i && isLowSurrogate(reply.charCodeAt(to))) to++;
      yield reply.slice(from, to);
      from = to;
    }
  }
}

/** A short title from the first words of a message: what echo "generates" as a title. */
export function echoTitle(text: string): string {
  // Only the first six words are read, however long the message.
  const first: string[] = [];
  for (const [word] of text.matchAll(/\S+/g)) {
    first.push(word.length > 60 ? word.slice(0, 61) : word);
    if (first.length === 6) break;
  }
  const words = first.join(' ');
  return words.length > 60 ? `${words.slice(0, 57)}...` : words || 'New conversation';
}

// The characters JavaScript's \s matches.
function isSpace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  if (code < 0xa0) return false;
  return (
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;
