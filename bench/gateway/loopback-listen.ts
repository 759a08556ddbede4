// Loaded with `--import` into a server that takes no host setting (Portkey's gateway listens
// on every interface): a `listen(port)` or `listen({ port })` without a host binds to 127.0.0.1.

import net from 'node:net';

const listen = net.Server.prototype.listen as (this: net.Server, ...args: unknown[]) => net.Server;
net.Server.prototype.listen = function (this: net.Server, ...args: unknown[]) {
  const [first, second] = args;
  if (typeof first === 'number' && typeof second !== 'string') return listen.call(this, first, '127.0.0.1', ...args.slice(1));
  if (first && typeof first === 'object' && 'port' in first && !('host' in first)) return listen.call(this, { ...first, host: '127.0.0.1' }, ...args.slice(1));
  return listen.apply(this, args);
} as typeof net.Server.prototype.listen;
