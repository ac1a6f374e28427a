import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/**
 * The address a request or socket handshake comes from. Behind a reverse proxy (SFU_BEHIND_PROXY)
 * it is the last `X-Forwarded-For` entry: the one the proxy itself added (entries before it are
 * whatever the client wrote). Otherwise the connection's own address; the header is ignored.
 */
export function clientAddress(req: Pick<IncomingMessage, 'headers' | 'socket'>, behindProxy: boolean): string {
  const own = req.socket.remoteAddress ?? '';
  if (!behindProxy) return normalise(own);
  const header = req.headers['x-forwarded-for'];
  const entries = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',');
  const last = entries[entries.length - 1]?.trim() ?? '';
  return normalise(isIP(normalise(last)) !== 0 ? last : own);
}

/** 127.0.0.0/8 and ::1 (also as IPv4-mapped IPv6). */
export function isLoopback(address: string): boolean {
  const ip = normalise(address);
  const family = isIP(ip);
  if (family === 0) return false;
  return LOOPBACK.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}

/** `::ffff:1.2.3.4` as `1.2.3.4`, so one address has one spelling in counts and checks. */
function normalise(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}
