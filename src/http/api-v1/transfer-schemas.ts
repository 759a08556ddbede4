import { z } from 'zod';
import { type DocumentedBody, multipartFile } from '../openapi/document.ts';

export const exportQuery = z.object({
  format: z.enum(['json', 'markdown']).default('json').describe('`json`: Parley JSON, every branch (lossless); `markdown`: the active path, readable'),
});

const exportedMessageSchema = z.object({
  id: z.string(),
  parent_id: z.string().nullable(),
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string(),
  model: z.string().nullable(),
  status: z.enum(['complete', 'streaming', 'incomplete', 'error']),
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  cost_usd: z.number(),
  ttft_ms: z.number().int().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  created_at: z.string(),
  updated_at: z.string(),
});

export const parleyDocumentSchema = z
  .object({
    format: z.literal('parley'),
    version: z.literal(1),
    id: z.string(),
    title: z.string().nullable(),
    model: z.string(),
    system_prompt: z.string().nullable(),
    temperature: z.number().nullable(),
    max_tokens: z.number().int().nullable(),
    language: z.string().nullable(),
    archived_at: z.string().nullable(),
    pinned_at: z.string().nullable(),
    tags: z.array(z.string()),
    created_at: z.string(),
    updated_at: z.string(),
    active_leaf_id: z.string().nullable().describe('The leaf of the active path'),
    messages: z.array(exportedMessageSchema).describe('Every live message of every branch, oldest first'),
  })
  .describe('One conversation as Parley JSON (with format=markdown: a text/markdown document instead)');

export const importResultSchema = z.object({
  conversation_ids: z.array(z.string()).describe('The created conversations, in the order of the file'),
  imported: z.number().int(),
  message_count: z.number().int(),
  formats: z.array(z.enum(['parley', 'chatgpt', 'plain'])).describe('The format each conversation was read as'),
});

/** The import's body as the document shows it: the route reads the JSON or the uploaded file itself. */
export const importBody: DocumentedBody = {
  content: {
    'application/json': {
      schema: {
        description:
          'A Parley export (one conversation, or an array of them), ChatGPT’s conversations.json, or ' +
          '{title?, messages: [{role, content}]} or an array of them',
        oneOf: [{ type: 'object' }, { type: 'array', items: { type: 'object' } }],
        examples: [
          {
            title: 'Imported chat',
            messages: [
              { role: 'user', content: 'What is the capital of Portugal?' },
              { role: 'assistant', content: 'Lisbon.' },
            ],
          },
        ],
      },
    },
    ...multipartFile('Any of the JSON forms above, or the JSON Lines of `GET /api/v1/export`, as a file'),
  },
};
