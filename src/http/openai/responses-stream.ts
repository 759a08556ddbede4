import type { ServerResponse } from 'node:http';
import type { CompletionEvent } from '../../core/chat/completions-service.ts';
import { safeWrite, sseEvent } from '../streaming/sse.ts';
import { callItem, callItemId, collect, messageItem, type RequestEcho, type ResponseState, responseObjectOf, textPart } from './responses-presenter.ts';

/**
 * Writes a response as OpenAI's typed SSE events, each named in its `event:` line and its
 * `type` field and numbered by `sequence_number`, in the order OpenAI sends them: the message
 * item opens at the first token and closes before the function call items that follow it.
 */
export class ResponseEventWriter {
  private sequence = 0;
  private messageOpen = false;
  private readonly res: ServerResponse;
  private readonly state: ResponseState;
  private readonly echo: RequestEcho;

  constructor(res: ServerResponse, state: ResponseState, echo: RequestEcho) {
    this.res = res;
    this.state = state;
    this.echo = echo;
  }

  private send(type: string, body: Record<string, unknown>): void {
    safeWrite(this.res, sseEvent(JSON.stringify({ type, sequence_number: this.sequence++, ...body }), { event: type }));
  }

  private snapshot() {
    return responseObjectOf(this.state, this.echo);
  }

  start(): void {
    this.send('response.created', { response: responseObjectOf(this.state, this.echo, []) });
    this.send('response.in_progress', { response: responseObjectOf(this.state, this.echo, []) });
  }

  event(event: CompletionEvent): void {
    if (event.type === 'delta') {
      this.delta(event.text);
      return;
    }
    if (event.type === 'error') {
      this.fail('server_error', event.message);
      return;
    }
    // Tool call pieces and the end update the state; the items are written when the reply ends.
    collect(this.state, event);
    if (event.type !== 'end') return;
    this.closeMessage();
    this.writeCalls();
    this.send(this.state.status === 'completed' ? 'response.completed' : 'response.incomplete', { response: this.snapshot() });
  }

  /** A failure after the stream opened: the response ends as failed. */
  fail(code: string, message: string): void {
    this.state.status = 'failed';
    this.state.error = { code, message };
    this.closeMessage();
    this.send('response.failed', { response: this.snapshot() });
  }

  private delta(text: string): void {
    if (!this.messageOpen) {
      this.messageOpen = true;
      const item = { ...messageItem(this.state.messageItemId, '', 'in_progress'), content: [] };
      this.send('response.output_item.added', { output_index: 0, item });
      this.send('response.content_part.added', { item_id: this.state.messageItemId, output_index: 0, content_index: 0, part: textPart('') });
    }
    this.state.text += text;
    this.send('response.output_text.delta', { item_id: this.state.messageItemId, output_index: 0, content_index: 0, delta: text, logprobs: [] });
  }

  private closeMessage(): void {
    if (!this.messageOpen) return;
    this.messageOpen = false;
    const id = this.state.messageItemId;
    const text = this.state.text;
    const status = this.state.status === 'completed' ? 'completed' : 'incomplete';
    this.send('response.output_text.done', { item_id: id, output_index: 0, content_index: 0, text, logprobs: [] });
    this.send('response.content_part.done', { item_id: id, output_index: 0, content_index: 0, part: textPart(text) });
    this.send('response.output_item.done', { output_index: 0, item: messageItem(id, text, status) });
  }

  private writeCalls(): void {
    const first = this.state.text ? 1 : 0;
    this.state.calls.forEach((call, index) => {
      const id = callItemId(this.state.messageItemId, index);
      const output_index = first + index;
      this.send('response.output_item.added', { output_index, item: callItem(id, { ...call, arguments: '' }, 'in_progress') });
      this.send('response.function_call_arguments.delta', { item_id: id, output_index, delta: call.arguments });
      this.send('response.function_call_arguments.done', { item_id: id, output_index, name: call.name, arguments: call.arguments });
      this.send('response.output_item.done', { output_index, item: callItem(id, call, 'completed') });
    });
  }
}
