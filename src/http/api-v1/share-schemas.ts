import { z } from 'zod';

export const shareParams = z.object({ share_id: z.string().min(1).max(200).describe('The share link’s id (the last part of its url)') });

export const shareLinkSchema = z.object({
  share_id: z.string().describe('128 random bits, base64url: whoever holds it can read the snapshot'),
  url: z.string().describe('The readable page for the share, on the host the request came to'),
  created_at: z.string(),
});

const sharedSourceSchema = z.object({
  filename: z.string(),
  page: z.number().int().nullable(),
  snippet: z.string().describe('The cited passage; the file itself is never shared'),
});

export const sharedConversationSchema = z
  .object({
    share_id: z.string(),
    title: z.string().nullable(),
    created_at: z.string().describe('When the snapshot was taken'),
    messages: z.array(
      z.object({
        role: z.enum(['user', 'assistant']),
        content: z.string(),
        created_at: z.string(),
        sources: z.array(sharedSourceSchema),
      }),
    ),
  })
  .describe('The active path as it was when shared: no owner, system prompt, model, usage or cost');
