// The client side of `npm run bench:ws`, in its own process so that its memory is not counted:
// opens sockets to the server on command, each proven admitted by a ping frame answered with
// pong, then leaves them idle until told to close them.

import WebSocket from 'ws';

type Command = { type: 'open'; url: string; token: string; sessionIds: string[]; count: number } | { type: 'close' };

const IN_FLIGHT = 200;
/** Loopback source addresses to spread connections over when one address's ephemeral ports would run out. */
const PORTS_PER_ADDRESS = 25_000;
let sockets: WebSocket[] = [];
const send = (message: unknown) => process.send?.(message);

function openOne(url: string, token: string, localAddress: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false, localAddress });
    ws.once('open', () => ws.send('{"type":"ping"}'));
    ws.once('message', (data) => {
      if (JSON.parse(data.toString()).type === 'pong') resolve(ws);
      else reject(new Error(`unexpected first frame ${data.toString()}`));
    });
    ws.once('close', (code, reason) => reject(new Error(`closed ${code} ${reason.toString()}`)));
    ws.once('error', reject);
  });
}

async function openMany(command: Extract<Command, { type: 'open' }>) {
  const wsBase = command.url.replace(/^http/, 'ws');
  const addresses = Math.ceil(command.count / PORTS_PER_ADDRESS);
  let next = 0;
  let failed = 0;
  let firstError: string | undefined;
  const opened: WebSocket[] = [];
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < command.count) {
        const i = next++;
        const sessionId = command.sessionIds[i % command.sessionIds.length];
        try {
          opened.push(await openOne(`${wsBase}/ws/${sessionId}`, command.token, `127.0.0.${1 + (i % addresses)}`));
        } catch (err) {
          failed++;
          firstError ??= (err as Error).message;
        }
      }
    }),
  );
  return { opened, failed, firstError };
}

process.on('message', async (command: Command) => {
  if (command.type === 'open') {
    const { opened, failed, firstError } = await openMany(command);
    sockets.push(...opened);
    send({ type: 'opened', open: sockets.length, failed, firstError });
  }
  if (command.type === 'close') {
    await Promise.all(
      sockets.map(
        (ws) =>
          new Promise<void>((resolve) => {
            if (ws.readyState === WebSocket.CLOSED) return resolve();
            ws.once('close', () => resolve());
            ws.close();
          }),
      ),
    );
    sockets = [];
    send({ type: 'closed' });
  }
});
send({ type: 'ready' });
