/**
 * The groups of the OpenAPI document. Each says which existing API it matches, so a reader
 * porting a client finds its endpoints by the API it was written for.
 */
export const TAG = {
  accounts: 'Accounts',
  conversations: 'Conversations',
  messages: 'Messages and branches',
  search: 'Search',
  sharing: 'Sharing',
  transfer: 'Export and import',
  usage: 'Usage and models',
  admin: 'Admin',
  assistants: 'Assistants',
  assistantChat: 'Assistant chat (SSE)',
  chatSessions: 'Chat sessions (SSE)',
  prompts: 'Prompt library',
  files: 'Files',
  envelopedSessions: 'Sessions (enveloped)',
  openai: 'OpenAI-compatible',
  operations: 'Operations',
} as const;

export type TagName = (typeof TAG)[keyof typeof TAG];

const descriptions: Record<TagName, string> = {
  [TAG.accounts]:
    'Registration, sign-in with short-lived access tokens and rotating refresh tokens, the signed-in user, password change ' +
    'and API keys, under `/api/v1/auth`. Matches the accounts part of the FastAPI chat backend API (conversations, messages ' +
    'and token usage under `/api/v1`): the same paths, bodies and `{"detail": ...}` errors.',
  [TAG.conversations]:
    'Conversations under `/api/v1/conversations`: create, list (skip/limit pages), read, rename, archive, delete, plus pins ' +
    'and tags. Matches the FastAPI chat backend API (conversations, messages and token usage under `/api/v1`), ' +
    'with its `{"detail": ...}` errors.',
  [TAG.messages]:
    'A conversation’s messages: list them, send one and get the model’s reply (as JSON, or as server-sent events when the ' +
    'request accepts `text/event-stream`), stop or re-attach to a reply being written, and branches (regenerate, edit, ' +
    'switch the active path, fork, delete a subtree). Listing and sending match the FastAPI chat backend API; the branch ' +
    'operations are Parley’s own, in the same style.',
  [TAG.search]: 'Full-text search over the caller’s conversation titles and messages, in the style of the FastAPI chat backend API.',
  [TAG.sharing]:
    'Read-only share links: a snapshot of a conversation’s active path, readable without signing in as JSON ' +
    '(`/api/v1/shares/{share_id}`) or as an HTML page (`/s/{share_id}`).',
  [TAG.transfer]:
    'Export a conversation (Parley JSON with every branch, or Markdown) or all of them (JSON Lines), and import Parley ' +
    'exports, ChatGPT’s `conversations.json` or plain message lists.',
  [TAG.usage]:
    'Token usage and cost by day and by model with the budgets’ standing (`/api/v1/tokens/usage`, as in the FastAPI chat ' +
    'backend API), and the models the configured providers offer (`/api/v1/models`).',
  [TAG.admin]: 'Administration under `/api/v1/admin`, for admins only: users (list, usage, tier, role, activation, spend limit) and restoring deleted conversations.',
  [TAG.assistants]:
    'Assistants, each with its own model, system prompt and access rule, under `/api/v1/assistants`. Matches the assistants ' +
    'API of the assistant chat service (FastAPI, `{"detail": ...}` errors); public assistants can be read without signing in.',
  [TAG.assistantChat]:
    'Chat with an assistant under `/api/v1/chat`: the reply streamed as NDJSON, or as server-sent events when asked, to signed-in ' +
    'users and, for public assistants, anonymous visitors; a session’s history and reset. Matches the chat API of the ' +
    'assistant chat service.',
  [TAG.chatSessions]:
    'Chat by session under `/v1/chat`: the reply streamed token by token as server-sent events (`data: <token>` … ' +
    '`data: [DONE]`), model switching, history and deletion. Matches the streaming Chat API (`/v1/chat/stream`, ' +
    '`/v1/chat/switch-model`, `/v1/chat/history`, `/v1/chat/sessions/{session_id}`).',
  [TAG.prompts]:
    'A library of the caller’s prompts and shared templates with `{variables}`, and a preview that fills them in and runs ' +
    'the prompt once. Matches the prompt API that comes with the streaming Chat API (`/api/chat/prompts`).',
  [TAG.files]:
    'PDF documents whose text is used as context: uploaded to a chat session (the streaming Chat API’s ' +
    '`/api/chat/sessions/{session_id}/upload`) or attached to an assistant as knowledge for every conversation with it.',
  [TAG.envelopedSessions]:
    'Sessions and messages stored as sent (no model is called), every answer in a `{"code", "message", "data"}` envelope, ' +
    'errors included (`code` is the HTTP status). Matches the AI chat application API of session and message management ' +
    '(`/api/chat/session(s)`, `/api/chat/message(s)`) and its view routes (`/aichat/*`); its realtime updates come over the ' +
    'websocket at `/ws/{session_id}`.',
  [TAG.openai]:
    'Matches OpenAI’s API: Chat Completions, Responses and Models under `/v1`, with OpenAI’s `{"error": ...}` shape. The ' +
    'official OpenAI SDKs work with this server’s `/v1` as their base URL and a Parley API key.',
  [TAG.operations]: 'Liveness, readiness and Prometheus metrics, for load balancers and monitoring.',
};

/** The `tags` list of the document, in the order readers meet them. */
export const documentTags = Object.values(TAG).map((name) => ({ name, description: descriptions[name] }));
