import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

export declare const SFU_PATH_PREFIX: string;
export declare function forwardedClientAddress(
  req: Pick<IncomingMessage, 'headers' | 'socket'>,
  trustProxy: boolean,
): string;
export declare function sfuPathFor(url: string | undefined): string | null;
export declare function createSfuUpgradeProxy(options: {
  target: string;
  trustProxy?: boolean;
  onError?: (error: Error) => void;
}): (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
