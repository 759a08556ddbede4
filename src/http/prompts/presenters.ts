import type { Prompt } from '../../core/prompts/prompts-service.ts';

export const presentPrompt = (p: Prompt) => ({
  id: p.id,
  title: p.title,
  content: p.content,
  scenario: p.scenario,
  description: p.description,
  metadata: p.metadata,
  is_template: p.isTemplate,
  usage_count: p.usageCount,
  created_at: p.createdAt.toISOString(),
  updated_at: p.updatedAt.toISOString(),
});
