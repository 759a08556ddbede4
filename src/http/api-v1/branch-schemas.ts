import { z } from 'zod';
import { messageListQuery, messageSchema, sendMessageBody } from './schemas.ts';

export const messageParams = z.object({ id: z.uuid(), message_id: z.uuid() });

export const regenerateBody = z
  .object({ model: z.string().min(1).max(100).optional().describe('This reply’s model; the conversation’s when absent') })
  .default({});

export const editBody = sendMessageBody;

export const messageRefBody = z.object({ message_id: z.uuid() });

export const branchListQuery = messageListQuery.extend({
  branch: z
    .enum(['active', 'all'])
    .default('active')
    .describe('`active` (the default): the active path, oldest first, paged. `all`: every message of every branch, oldest first, unpaged'),
});

/** Seed 000's message with its place in the tree. */
export const treeMessageSchema = messageSchema.extend({
  parent_id: z.string().nullable().describe('The message this one follows; null for the first'),
  sibling_ids: z
    .array(z.string())
    .optional()
    .describe('On the active path: the messages sharing this one’s parent (itself included), oldest first'),
  sibling_index: z.number().int().optional().describe('On the active path: this message’s place in sibling_ids'),
});

export const activeLeafSchema = z.object({
  conversation_id: z.string(),
  active_leaf_id: z.string().describe('The leaf the active path now ends at (the newest leaf below the message named)'),
});
