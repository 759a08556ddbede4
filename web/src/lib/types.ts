/** The shapes of /api/v1 answers the app reads (see /openapi.json for the full document). */

export interface Conversation {
  id: string;
  user_id: string | null;
  title: string | null;
  model: string;
  system_prompt: string | null;
  message_count: number;
  archived: boolean;
  archived_at: string | null;
  pinned: boolean;
  pinned_at: string | null;
  tags: string[];
  created_at: string;
  updated_at: string;
}

export interface Page<T> {
  items: T[];
  total: number;
  skip: number;
  limit: number;
}

export type MessageStatus = 'complete' | 'streaming' | 'incomplete' | 'error';

export interface Source {
  file_id?: string;
  filename?: string;
  page?: number;
  snippet?: string;
  [key: string]: unknown;
}

export interface Message {
  id: string;
  conversation_id: string;
  role: 'system' | 'user' | 'assistant';
  content: string;
  model: string | null;
  status: MessageStatus;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cost_usd: number;
  metadata: Record<string, unknown> & { sources?: Source[] };
  created_at: string;
  updated_at: string;
  /** With `?branch=all`: the message it answers or follows (null for the first). */
  parent_id?: string | null;
  /** With `?branch=all`, on the active path: the other versions of this message, itself included. */
  sibling_ids?: string[];
  sibling_index?: number;
}

export interface ModelInfo {
  id: string;
  provider: string;
  context_window: number | null;
  input_price_per_million: number | null;
  output_price_per_million: number | null;
  pricing: 'known' | 'unknown';
  source: string;
}

export interface ModelList {
  default_model: string;
  models: ModelInfo[];
}
