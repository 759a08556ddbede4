import type { ProviderSpec } from './provider-specs.ts';

/** What a discovery attempt found: the provider's model names, or that it does not list its models. */
export type DiscoveryResult = { models: string[] } | { unsupported: true };

export const DEFAULT_BASE_URLS = { openai: 'https://api.openai.com/v1', anthropic: 'https://api.anthropic.com' } as const;

/**
 * Reads a provider's model list: `GET {base}/models` for OpenAI-compatible servers (Ollama,
 * vLLM, LM Studio, llama.cpp and hosted endpoints all answer it), `GET {base}/v1/models` for
 * Anthropic. Throws when the provider cannot be reached or answers an error; a 404 or 405
 * means it has no such list.
 */
export async function discoverModels(spec: ProviderSpec, timeoutMs: number): Promise<DiscoveryResult> {
  const anthropic = spec.kind === 'anthropic';
  const base = (spec.baseUrl ?? (anthropic ? DEFAULT_BASE_URLS.anthropic : DEFAULT_BASE_URLS.openai)).replace(/\/+$/, '');
  const headers: Record<string, string> = { accept: 'application/json' };
  if (anthropic) {
    if (spec.apiKey) headers['x-api-key'] = spec.apiKey;
    headers['anthropic-version'] = '2023-06-01';
  } else if (spec.apiKey) {
    headers.authorization = `Bearer ${spec.apiKey}`;
  }
  const models: string[] = [];
  let url: string | undefined = anthropic ? `${base}/v1/models?limit=1000` : `${base}/models`;
  // Anthropic pages its list; OpenAI-compatible servers answer it whole. A bound on pages keeps a
  // misbehaving upstream from looping.
  for (let page = 0; url && page < 20; page++) {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
    if (res.status === 404 || res.status === 405) {
      await res.body?.cancel();
      return { unsupported: true };
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`GET ${url} answered ${res.status}`);
    }
    const body = (await res.json()) as { data?: unknown; has_more?: unknown; last_id?: unknown };
    if (!Array.isArray(body.data)) throw new Error(`GET ${url} answered no model list`);
    for (const item of body.data) {
      const id = (item as { id?: unknown } | null)?.id;
      if (typeof id === 'string' && id.length > 0 && id.length <= 200) models.push(id);
    }
    url = anthropic && body.has_more === true && typeof body.last_id === 'string'
      ? `${base}/v1/models?limit=1000&after_id=${encodeURIComponent(body.last_id)}`
      : undefined;
  }
  return { models };
}
