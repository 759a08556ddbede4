import { z } from 'zod';
import { boundedJsonObject } from '../schemas/bounded.ts';

export { detailSchema, messageOnlySchema, withErrors } from '../api-v1/schemas.ts';

const metadata = z.record(z.string(), z.unknown());
// What a client may store: bounded in depth and size, so it can always be stored and served.
const metadataInput = boundedJsonObject();
const title = z.string().trim().min(1).max(200);
const content = z.string().min(1).max(20_000);
const scenario = z.string().trim().min(1).max(100);
const description = z.string().max(2_000);

export const promptSchema = z.object({
  id: z.string(),
  title: z.string(),
  content: z.string(),
  scenario: z.string().nullable(),
  description: z.string().nullable(),
  metadata,
  is_template: z.boolean(),
  usage_count: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
});

export const promptCreateBody = z
  .object({
    title,
    content: content.describe('The prompt’s text; `{name}` marks a variable the preview fills in'),
    scenario: scenario.nullish(),
    description: description.nullish(),
    metadata: metadataInput.optional(),
    is_template: z.boolean().optional().describe('Create a system template (admins only)'),
  })
  .meta({
    examples: [
      {
        title: 'Summarize for a reader',
        content: 'Summarize the following text in {length} sentences for {audience}:\n\n{text}',
        scenario: 'writing',
        description: 'A short summary for a given audience',
      },
    ],
  });

export const promptUpdateBody = z.object({
  title: title.optional(),
  content: content.optional(),
  scenario: scenario.nullish(),
  description: description.nullish(),
  metadata: metadataInput.optional(),
});

const queryBool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

export const promptListQuery = z.object({
  scenario: scenario.optional(),
  include_templates: queryBool.default(true),
  search: z.string().trim().max(200).optional(),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  page_size: z.coerce.number().int().min(1).max(100).default(20),
});

export const promptListSchema = z.object({
  items: z.array(promptSchema),
  total: z.number().int(),
  page: z.number().int(),
  page_size: z.number().int(),
});

export const promptIdParams = z.object({ prompt_id: z.uuid() });

// Preview variables: a value is at most one message long; the filled-in text is capped as well
// (`MAX_RENDERED_CHARS`), since a short template can repeat a value many times.
const MAX_VARIABLES = 200;
const MAX_VARIABLE_NAME = 200;
const MAX_VARIABLE_CHARS = 100_000;

export const previewBody = z
  .object({
    prompt_id: z.uuid().optional(),
    content: content.optional(),
    variables: z
      .record(z.string().max(MAX_VARIABLE_NAME), z.union([z.string().max(MAX_VARIABLE_CHARS), z.number(), z.boolean()]))
      .refine((v) => Object.keys(v).length <= MAX_VARIABLES, `At most ${MAX_VARIABLES} variables`)
      .default({}),
    model: z.string().min(1).max(100).optional(),
  })
  .refine((b) => (b.prompt_id === undefined) !== (b.content === undefined), {
    message: 'Exactly one of prompt_id and content is required',
    path: ['prompt_id'],
  });

export const previewSchema = z.object({
  preview: z.string(),
  tokens_used: z.number().int(),
  model_used: z.string(),
});
