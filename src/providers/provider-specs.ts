import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** The kinds of upstream Parley talks to. Every kind but `anthropic` speaks OpenAI's Chat Completions. */
export const PROVIDER_KINDS = ['openai', 'anthropic', 'ollama', 'vllm', 'lmstudio', 'llamacpp'] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

/** Local servers: the address they listen on by default, and no key. */
const LOCAL_BASE_URLS: Partial<Record<ProviderKind, string>> = {
  ollama: 'http://127.0.0.1:11434/v1',
  vllm: 'http://127.0.0.1:8000/v1',
  lmstudio: 'http://127.0.0.1:1234/v1',
  llamacpp: 'http://127.0.0.1:8080/v1',
};

/** One configured provider, from the providers file or from a shortcut variable. */
export interface ProviderSpec {
  /** Unique; the prefix of qualified model ids (`ollama/llama3.2`) and what usage events record. */
  name: string;
  kind: ProviderKind;
  /** Unset: the kind's own default. */
  baseUrl?: string;
  /** Unset: no credential is sent (local servers). */
  apiKey?: string;
  /** Whether the provider's own model list (`GET {base}/models`) is read. */
  discover: boolean;
}

// A slash separates a provider's name from a model in qualified ids, so names cannot hold one.
const nameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'must be lower-case letters, digits, ".", "_" or "-" (no "/")')
  .refine((n) => n !== 'echo', 'echo is the built-in provider');

const fileSchema = z.object({
  providers: z.array(
    z
      .object({
        name: nameSchema,
        kind: z.enum(PROVIDER_KINDS),
        base_url: z.url().optional(),
        api_key: z.string().min(1).optional(),
        /** Name of an environment variable holding the key, so the file itself carries no secret. */
        api_key_env: z.string().min(1).optional(),
        discover: z.boolean().optional(),
      })
      .strict(),
  ),
});

export class ProviderSpecError extends Error {}

/** Today's variables as providers named `openai`, `anthropic` and `ollama`, then the providers file's, in its order. */
export function providerSpecs(env: {
  openaiApiKey?: string;
  openaiBaseUrl?: string;
  anthropicApiKey?: string;
  anthropicBaseUrl?: string;
  ollamaBaseUrl?: string;
  providersFile?: string;
  /** Looks up `api_key_env` names. */
  lookup: (name: string) => string | undefined;
}): ProviderSpec[] {
  const specs: ProviderSpec[] = [];
  if (env.openaiApiKey || env.openaiBaseUrl) {
    specs.push({ name: 'openai', kind: 'openai', baseUrl: env.openaiBaseUrl, apiKey: env.openaiApiKey, discover: true });
  }
  if (env.anthropicApiKey) {
    specs.push({ name: 'anthropic', kind: 'anthropic', baseUrl: env.anthropicBaseUrl, apiKey: env.anthropicApiKey, discover: false });
  }
  if (env.ollamaBaseUrl) specs.push({ name: 'ollama', kind: 'ollama', baseUrl: env.ollamaBaseUrl, discover: true });
  if (env.providersFile) specs.push(...readProvidersFile(env.providersFile, env.lookup, new Set(specs.map((s) => s.name))));
  return specs;
}

function readProvidersFile(file: string, lookup: (name: string) => string | undefined, taken: Set<string>): ProviderSpec[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ProviderSpecError(`cannot read ${file}: ${(err as Error).message.split('\n')[0]}`);
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ProviderSpecError(`${issue.message} at ${issue.path.join('.') || '(root)'}`);
  }
  return parsed.data.providers.map((p, i) => {
    const at = `providers.${i}`;
    if (taken.has(p.name)) throw new ProviderSpecError(`provider name '${p.name}' is used twice at ${at}.name`);
    taken.add(p.name);
    if (p.api_key && p.api_key_env) throw new ProviderSpecError(`give api_key or api_key_env, not both, at ${at}`);
    const apiKey = p.api_key ?? (p.api_key_env ? lookup(p.api_key_env) : undefined);
    if (p.api_key_env && !apiKey) throw new ProviderSpecError(`${p.api_key_env} (named at ${at}.api_key_env) is not set`);
    const baseUrl = p.base_url ?? LOCAL_BASE_URLS[p.kind];
    // OpenAI's and Anthropic's own APIs refuse every request without a key.
    if ((p.kind === 'anthropic' || (p.kind === 'openai' && !baseUrl)) && !apiKey) {
      throw new ProviderSpecError(`provider '${p.name}' needs api_key or api_key_env (or a base_url) at ${at}`);
    }
    return { name: p.name, kind: p.kind, baseUrl, apiKey, discover: p.discover ?? p.kind !== 'anthropic' };
  });
}
