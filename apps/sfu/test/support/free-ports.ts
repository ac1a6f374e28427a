import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

/** True when `port` can be bound on `ip` for both UDP and TCP right now. */
async function bothFree(ip: string, port: number): Promise<boolean> {
  const tcp = await new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, ip, () => server.close(() => resolve(true)));
  });
  if (!tcp) return false;
  return new Promise<boolean>((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind(port, ip, () => socket.close(() => resolve(true)));
  });
}

/**
 * A base port such that `count` consecutive ports from it are free on `ip` for UDP and TCP,
 * for an SFU with a fixed SFU_RTC_PORT. Picked at random from a range no default uses.
 */
export async function freeConsecutivePorts(count: number, ip = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const base = 20_000 + Math.floor(Math.random() * 9_000);
    let free = true;
    for (let port = base; port < base + count && free; port += 1) free = await bothFree(ip, port);
    if (free) return base;
  }
  throw new Error(`no ${count} consecutive free UDP+TCP ports found`);
}
