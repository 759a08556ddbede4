
/** A connection URL fit for a log line or an error message: any password is masked. */
export function maskUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/** The cause of a connection failure in a few words: Node's error code, else the message's first line. */
export function failureReason(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown; errors?: unknown[] };
  if (typeof e?.code === 'string' && /^E[A-Z]+$/.test(e.code)) return e.code;
  // Node reports a host with several addresses as an AggregateError with an empty message.
  if (Array.isArray(e?.errors) && e.errors.length > 0) return failureReason(e.errors[0]);
  const message = typeof e?.message === 'string' && e.message ? e.message : String(err);
  return message.split('\n')[0];
}

/**
 * Connects to Redis once, with no retry and no queue, and pings it: start-up fails within
 * `timeoutMs` instead of waiting forever on a Redis that is not there.
 */
export async function probeRedis(url: string, timeoutMs = 5_000): Promise<void> {
  // Loaded here, not at the top: a server without REDIS_URL never loads the client.
  const { Redis } = await import('ioredis');
  const probe = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  let lastError: unknown;
  probe.on('error', (err) => {
    lastError = err;
  });
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    throw new Error(`cannot connect to REDIS_URL ${maskUrl(url)} (${failureReason(lastError ?? err)})`);
  } finally {
    probe.disconnect();
  }
}
