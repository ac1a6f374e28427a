import type { IncomingMessage, RequestListener, Server } from 'node:http';

export declare const PEER_ADDRESS_HEADER: string;
export declare const DEFAULT_WEB_HOST: string;
export declare function stampPeerAddress(req: IncomingMessage): void;
export declare function createWebServer(handle: RequestListener): Server;
