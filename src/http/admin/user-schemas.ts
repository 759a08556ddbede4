import { z } from 'zod';
import { queryBool, userSchema } from '../api-v1/schemas.ts';

const role = z.enum(['user', 'admin']);
const tier = z.enum(['free', 'pro', 'enterprise']);

export const userPatchBody = z
  .object({
    tier: tier.optional(),
    role: role.optional(),
    active: z.boolean().optional(),
    is_active: z.boolean().optional().describe('The same as `active`, under the name the user object shows it'),
    monthly_budget_usd: z
      .number()
      .positive()
      .max(1_000_000)
      .nullable()
      .optional()
      .describe('The user’s spend limit per calendar month (UTC) in US dollars; null returns to the tier’s default'),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), {
    message: 'At least one of tier, role, active and monthly_budget_usd is required',
  })
  .refine((b) => b.active === undefined || b.is_active === undefined || b.active === b.is_active, {
    message: 'active and is_active disagree',
    path: ['is_active'],
  });

export const userListQuery = z.object({
  q: z.string().trim().max(100).optional().describe('Only users whose email or display name contains this text, in any case'),
  skip: z.coerce.number().int().min(0).max(1_000_000).default(0),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  role: role.optional(),
  tier: tier.optional(),
  active: queryBool.optional().describe('Only active (true) or only deactivated (false) users'),
});

export const listedUserSchema = userSchema.extend({
  last_active_at: z.string().nullable().describe('The user’s latest sign-in or model call; null when there has been neither'),
});

export const userListSchema = z
  .object({
    items: z.array(listedUserSchema),
    total: z.number().int().describe('How many users match, on every page'),
    skip: z.number().int(),
    limit: z.number().int(),
  })
  .describe('A page of users, newest account first');
