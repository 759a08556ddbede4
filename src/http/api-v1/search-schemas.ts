import { z } from 'zod';

// Longer queries cost more to parse and match and are no better at finding a conversation.
export const SEARCH_QUERY_MAX = 200;
// Each page is ranked over every hit: a deep page costs about what the first one does, but a
// bound keeps an offset from being used to walk an enormous result.
export const SEARCH_SKIP_MAX = 10_000;

export const searchQuery = z.object({
  q: z
    .string()
    .trim()
    .min(1)
    .max(SEARCH_QUERY_MAX)
    .describe('Words (stemmed English: "running" finds "runs"), "a phrase in quotes", -excluded, or a run of Chinese, Japanese or Korean characters found as a substring'),
  skip: z.coerce.number().int().min(0).max(SEARCH_SKIP_MAX).default(0),
  limit: z.coerce.number().int().min(1).max(50).default(20),
});

export const searchHitSchema = z.object({
  conversation_id: z.string(),
  title: z.string().nullable(),
  message_id: z.string().nullable().describe('The matching message; null when the conversation title matched'),
  snippet: z.string().describe('HTML-escaped text around the match, each match inside <mark>…</mark>'),
  rank: z.number().describe('Higher is better; comparable within one result only'),
  created_at: z.string().describe('When the message (or, for a title, the conversation) was created'),
});

export const searchPageSchema = z.object({
  items: z.array(searchHitSchema),
  total: z.number().int().describe('Every hit for the query, across all pages'),
  skip: z.number().int(),
  limit: z.number().int(),
});
