import { batch, computed, signal } from '@preact/signals';
import { ApiError } from '../../lib/api.ts';
import { type LiveEvent, LiveSocket, liveSocketUrl } from '../../lib/live-socket.ts';
import { navigate } from '../../lib/router.ts';
import { api, conversationsChanged, showToast } from '../../lib/state.ts';
import { CONNECTION_LOST, followTurn, initialTurnState, type TurnState } from '../../lib/turn-stream.ts';
import type { Conversation, Message } from '../../lib/types.ts';
import { ChatDocuments } from './chat-documents.ts';
import { selectedModel, showModelOf } from './models.ts';
import { activePath, streamingTail, threadMessages, type TurnView } from './thread.ts';

const RELOAD_DEBOUNCE_MS = 250;
const messageError = (err: unknown) => (err instanceof Error && err.message ? err.message : 'Something went wrong');

/**
 * One conversation as the chat screen shows it: its active path, the turn this page is running
 * (streamed token by token into `turnState`, which only the reply being written reads), its
 * documents, and its live channel. It outlives the page that made it when a first message
 * creates the conversation: the new page at /c/<id> takes it over, stream and all.
 */
export class ChatController {
  readonly id = signal<string | undefined>(undefined);
  readonly conversation = signal<Conversation | undefined>(undefined);
  /** The active path as last read from the server. */
  readonly path = signal<Message[]>([]);
  readonly loaded = signal(false);
  readonly loadError = signal<string | undefined>(undefined);
  /** The turn this page runs: what the thread shows around it. Changes a few times per turn. */
  readonly turn = signal<TurnView | null>(null);
  /** The turn's events so far. Changes with every token: read only by the reply being written. */
  readonly turnState = signal<TurnState | null>(null);
  /** A message that could not be sent (nothing was stored): shown with its error and Retry. */
  readonly failedSend = signal<{ content: string; error: string } | null>(null);
  /** The stream of a reply was lost; Retry reloads and re-attaches. */
  readonly connectionLost = signal<string | undefined>(undefined);
  readonly documents = new ChatDocuments({ conversationId: () => this.id.value, ensureConversation: () => this.ensureConversation() });
  readonly busy = computed(() => this.turn.value !== null);
  /** What the thread lists above the reply being written. */
  readonly messages = computed(() => threadMessages(this.path.value, this.turn.value));
  /** The page that owns (and will dispose of) this controller; none while it is being handed over. */
  owner: symbol | undefined;

  private reading: AbortController | undefined;
  private live: LiveSocket | undefined;
  private reloadTimer: ReturnType<typeof setTimeout> | undefined;
  private generation = 0;
  private creating: Promise<string> | undefined;
  /** The streaming reply last re-attached to: not re-attached again by every reload. */
  private attachedReplyId: string | undefined;
  private disposed = false;

  constructor(conversationId?: string) {
    this.id.value = conversationId;
    if (!conversationId) {
      this.loaded.value = true;
      showModelOf(undefined);
    }
  }

  /** Reads the conversation, its path and its files; re-attaches to a reply still being written. */
  async load(): Promise<void> {
    const id = this.id.value;
    if (!id || this.loaded.value) return;
    try {
      // The thread first: it is what the reader waits for, and the server answers one request
      // sooner when it is not answering three at once.
      await this.reloadPath();
      const [conversation] = await Promise.all([api.get<Conversation>(`/api/v1/conversations/${id}`), this.documents.load()]);
      this.conversation.value = conversation;
      showModelOf(conversation);
    } catch (err) {
      if (this.disposed) return;
      this.loadError.value =
        err instanceof ApiError && err.status === 404 ? 'This conversation does not exist or was deleted.' : messageError(err);
    }
  }

  /** Reads the active path again; a reply still being written on it is re-attached to. */
  async reloadPath(opts: { endTurn?: boolean } = {}): Promise<void> {
    const id = this.id.value;
    if (!id) return;
    const generation = ++this.generation;
    const all = await api.get<Message[]>(`/api/v1/conversations/${id}/messages`, { query: { branch: 'all' } });
    // A turn started (or a newer read) meanwhile owns the thread now.
    if (this.disposed) return;
    if (!opts.endTurn && (generation !== this.generation || this.turn.value)) return;
    const path = activePath(all);
    batch(() => {
      this.path.value = path;
      this.loaded.value = true;
      if (opts.endTurn) {
        this.turn.value = null;
        this.turnState.value = null;
      }
    });
    const tail = streamingTail(path);
    if (tail && !this.turn.value && tail.reply.id !== this.attachedReplyId && !this.connectionLost.value) {
      this.attachedReplyId = tail.reply.id;
      void this.runTurn({ kind: 'attach', anchorId: tail.anchorId }, (signal) => this.openStream(undefined, signal));
    }
  }

  /** Follows the conversation's live channel: changes made elsewhere reload the path. */
  connect(): void {
    const id = this.id.value;
    if (!id || this.live || this.disposed) return;
    this.live = new LiveSocket({
      url: async () => {
        const token = await api.accessToken();
        return token ? liveSocketUrl(location, id, token) : undefined;
      },
      onEvent: (event) => this.onLiveEvent(event),
      onReconnect: () => this.scheduleReload(),
    });
    void this.live.open();
  }

  /** Stops reading and listening; a turn in flight runs on at the server. */
  dispose(): void {
    this.disposed = true;
    this.reading?.abort();
    this.live?.close();
    clearTimeout(this.reloadTimer);
  }

  async send(content: string): Promise<void> {
    const text = content.trim();
    if (!text || this.turn.value) return;
    const model = selectedModel.value;
    await this.runTurn({ kind: 'send', anchorId: this.path.value.at(-1)?.id ?? null, pendingContent: text }, async (signal) => {
      const id = await this.ensureConversation();
      return api.send('POST', `/api/v1/conversations/${id}/messages`, {
        body: { content: text, model },
        headers: { accept: 'text/event-stream' },
        signal,
      });
    });
  }

  retrySend(): void {
    const failed = this.failedSend.value;
    if (failed) void this.send(failed.content);
  }

  async regenerate(replyId: string): Promise<void> {
    const id = this.id.value;
    const reply = this.path.value.find((m) => m.id === replyId);
    if (!id || !reply || this.turn.value) return;
    const model = selectedModel.value;
    await this.runTurn({ kind: 'regenerate', anchorId: reply.parent_id ?? null }, (signal) =>
      api.send('POST', `/api/v1/conversations/${id}/messages/${replyId}/regenerate`, {
        body: model ? { model } : {},
        headers: { accept: 'text/event-stream' },
        signal,
      }),
    );
  }

  async edit(messageId: string, content: string): Promise<void> {
    const id = this.id.value;
    const message = this.path.value.find((m) => m.id === messageId);
    const text = content.trim();
    if (!id || !message || !text || this.turn.value) return;
    const model = selectedModel.value;
    await this.runTurn({ kind: 'edit', anchorId: message.parent_id ?? null, pendingContent: text }, (signal) =>
      api.send('POST', `/api/v1/conversations/${id}/messages/${messageId}/edit`, {
        body: { content: text, model },
        headers: { accept: 'text/event-stream' },
        signal,
      }),
    );
  }

  /** Shows another version of a message: the active path goes through it. */
  async switchTo(messageId: string): Promise<void> {
    const id = this.id.value;
    if (!id || this.turn.value) return;
    try {
      await api.put(`/api/v1/conversations/${id}/active-leaf`, { message_id: messageId });
      await this.reloadPath();
    } catch (err) {
      showToast(messageError(err), 'error');
    }
  }

  async stop(): Promise<void> {
    const id = this.id.value;
    if (!id || !this.turn.value) return;
    try {
      const { stopped } = await api.post<{ stopped: boolean }>(`/api/v1/conversations/${id}/stop`);
      // Nothing to stop here: the reply was already over (or runs elsewhere); stop reading.
      if (!stopped && this.turnState.value?.phase !== 'streaming') this.reading?.abort();
    } catch (err) {
      showToast(messageError(err), 'error');
    }
  }

  /** After a lost stream: read the conversation again, re-attaching to the reply if it is still being written. */
  async retryConnection(): Promise<void> {
    this.connectionLost.value = undefined;
    this.attachedReplyId = undefined;
    await this.reloadPath().catch((err) => showToast(messageError(err), 'error'));
  }

  /** The conversation's id, creating it first on the new-chat page (which then becomes /c/<id>). */
  private ensureConversation(): Promise<string> {
    const existing = this.id.value;
    if (existing) return Promise.resolve(existing);
    this.creating ??= api
      .post<Conversation>('/api/v1/conversations', { model: selectedModel.value })
      .then((conversation) => {
        batch(() => {
          this.id.value = conversation.id;
          this.conversation.value = conversation;
        });
        handOver(this);
        conversationsChanged();
        navigate(`/c/${conversation.id}`, { replace: true });
        return conversation.id;
      })
      .finally(() => {
        this.creating = undefined;
      });
    return this.creating;
  }

  private openStream(lastEventId: string | undefined, signal: AbortSignal): Promise<Response> {
    return api.send('GET', `/api/v1/conversations/${this.id.value}/stream`, {
      headers: lastEventId ? { 'last-event-id': lastEventId, accept: 'text/event-stream' } : { accept: 'text/event-stream' },
      signal,
    });
  }

  /** Runs one turn's stream into the thread, then reads the path the turn left. */
  private async runTurn(view: TurnView, open: (signal: AbortSignal) => Promise<Response>): Promise<void> {
    const reading = new AbortController();
    this.reading = reading;
    // Reads already under way would bring a path without this turn.
    this.generation++;
    batch(() => {
      this.turn.value = view;
      this.turnState.value = initialTurnState();
      this.failedSend.value = null;
      this.connectionLost.value = undefined;
    });
    let final: TurnState;
    try {
      final = await followTurn({
        open: () => open(reading.signal),
        reattach: (lastEventId) => this.openStream(lastEventId, reading.signal),
        signal: reading.signal,
        onState: (state) => {
          if (this.reading !== reading) return;
          batch(() => {
            this.turnState.value = state;
            const current = this.turn.value;
            if (current && state.userMessage && current.kind !== 'regenerate' && current.userMessage?.id !== state.userMessage.id) {
              this.turn.value = { ...current, userMessage: state.userMessage };
            }
          });
        },
      });
    } catch (err) {
      if (reading.signal.aborted || this.disposed) return;
      // Refused before anything was stored.
      batch(() => {
        this.turn.value = null;
        this.turnState.value = null;
        if (view.kind === 'send' && view.pendingContent !== undefined) {
          this.failedSend.value = { content: view.pendingContent, error: messageError(err) };
        }
      });
      if (view.kind !== 'send') showToast(messageError(err), 'error');
      return;
    } finally {
      if (this.reading === reading) this.reading = undefined;
    }
    if (this.disposed) return;
    if (final.error === CONNECTION_LOST) this.connectionLost.value = final.error;
    conversationsChanged();
    try {
      await this.reloadPath({ endTurn: true });
    } catch {
      // The path could not be read: keep what the turn showed, as a finished thread.
      batch(() => {
        const shown = threadMessages(this.path.value, this.turn.value);
        const reply = final.assistant ? { ...final.assistant, content: final.text } : undefined;
        this.path.value = reply ? [...shown, reply] : shown;
        this.turn.value = null;
        this.turnState.value = null;
      });
    }
  }

  private onLiveEvent(event: LiveEvent): void {
    if (event.event === 'session.deleted') {
      showToast('This conversation was deleted');
      conversationsChanged();
      navigate('/', { replace: true });
      return;
    }
    // A new title, a moved path: the sidebar reads the list again.
    if (event.event === 'session.updated') conversationsChanged();
    // Changes this page is streaming itself are read when its turn ends.
    if (this.turn.value) return;
    this.scheduleReload();
  }

  private scheduleReload(): void {
    clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => {
      if (this.turn.value || this.disposed) return;
      void this.reloadPath().catch(() => {
        // The next event or reconnection reads it again.
      });
    }, RELOAD_DEBOUNCE_MS);
  }
}

let handedOver: ChatController | undefined;

/** Keeps a controller alive across the navigation from / to the conversation it just created. */
function handOver(controller: ChatController): void {
  controller.owner = undefined;
  handedOver = controller;
}

/** The controller for a page: the one handed over for this conversation, or a new one. */
export function takeController(conversationId: string | undefined, owner: symbol): ChatController {
  let controller: ChatController;
  if (conversationId && handedOver?.id.value === conversationId) {
    controller = handedOver;
    handedOver = undefined;
  } else {
    controller = new ChatController(conversationId);
  }
  controller.owner = owner;
  return controller;
}
