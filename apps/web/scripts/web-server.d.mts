import type { IncomingMessage, RequestListener, Server } from 'node:http';

export declare const PEER_ADDRESS_HEADER: string;
export declare const DEFAULT_WEB_HOST: string;
export declare class WebServerConfigError extends Error {
  readonly variables: string[];
}
export interface WebServerOptions {
  tls?: { cert: string; key: string } | null;
  sfuTarget?: string | null;
  trustProxy?: boolean;
  onProxyError?: (error: Error) => void;
}
export declare function readServerOptions(env?: Readonly<Record<string, string | undefined>>): {
  tls: { cert: string; key: string } | null;
  sfuTarget: string;
  trustProxy: boolean;
};
export declare function stampPeerAddress(req: IncomingMessage): void;
export declare function createWebServer(handle: RequestListener, options?: WebServerOptions): Server;
