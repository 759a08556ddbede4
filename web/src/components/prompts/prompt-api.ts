import { api } from '../../lib/state.ts';

/** A prompt of the library at /api/chat/prompts (the caller's own, or a system template). */
export interface Prompt {
  id: string;
  title: string;
  content: string;
  /** The prompt's category. */
  scenario: string | null;
  description: string | null;
  metadata: Record<string, unknown>;
  /** A system template: shared with everyone, changed only by admins. */
  is_template: boolean;
  usage_count: number;
  created_at: string;
  updated_at: string;
}

/** The library's own page envelope (pages count from 1). */
export interface PromptPage {
  items: Prompt[];
  total: number;
  page: number;
  page_size: number;
}

export interface PromptFields {
  title: string;
  content: string;
  scenario: string | null;
  description: string | null;
}

export interface PreviewResult {
  preview: string;
  tokens_used: number;
  model_used: string;
}

const BASE = '/api/chat/prompts';
export const PAGE_SIZE = 100;

export const listPrompts = (opts: { search?: string; page?: number; signal?: AbortSignal } = {}) =>
  api.get<PromptPage>(BASE, {
    query: { search: opts.search?.trim() || undefined, page: opts.page ?? 1, page_size: PAGE_SIZE, include_templates: 'true' },
    signal: opts.signal,
  });

export const createPrompt = (fields: PromptFields & { is_template?: boolean }) => api.post<Prompt>(BASE, fields);

export const updatePrompt = (id: string, fields: PromptFields) => api.put<Prompt>(`${BASE}/${id}`, fields);

export const deletePrompt = (id: string) => api.delete<{ message: string }>(`${BASE}/${id}`);

/** Fills in the variables and runs the prompt through a model once (costs tokens). */
export const previewPrompt = (id: string, variables: Record<string, string>, model?: string) =>
  api.post<PreviewResult>(`${BASE}/preview`, { prompt_id: id, variables, model });
