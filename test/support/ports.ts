import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';

/**
 * A loopback port nothing listens on: bound, then released. A server can listen on it next;
 * a client connecting to it is refused.
 */
export async function unusedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
