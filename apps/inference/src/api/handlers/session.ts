import {
  INFERENCE_PROTOCOL_VERSION,
  MAX_INFERENCE_BINARY_BYTES,
  MAX_RENDER_PIXELS,
  MAX_SENDERS_PER_CONNECTION,
  verifyInferenceToken,
} from '@holocall/protocol';
import type { ClientMessageOf, ConnectionContext } from '../connection-context';

/** The first message: a page token for this origin; answered with the node's description and limits. */
export async function hello(ctx: ConnectionContext, msg: ClientMessageOf<'hello'>): Promise<void> {
  const claims = await verifyInferenceToken(msg.token, ctx.auth.tokenKeys, ctx.auth.origin);
  ctx.authenticated(claims.sub);
  const server = ctx.auth.serverStatus?.() ?? null;
  ctx.send({
    type: 'welcome',
    protocolVersion: INFERENCE_PROTOCOL_VERSION,
    node: { ...ctx.node.describe(), threads: ctx.auth.threads },
    limits: {
      maxSenders: MAX_SENDERS_PER_CONNECTION,
      maxRenderPixels: MAX_RENDER_PIXELS,
      maxBinaryBytes: MAX_INFERENCE_BINARY_BYTES,
    },
    ...(server ? { server } : {}),
  });
}

export function getStats(ctx: ConnectionContext): void {
  ctx.send({ type: 'stats', stats: { ...ctx.node.stats(), connection: ctx.statsForConnection() } });
}

export function ping(ctx: ConnectionContext, msg: ClientMessageOf<'ping'>): void {
  ctx.send(msg.nonce === undefined ? { type: 'pong' } : { type: 'pong', nonce: msg.nonce });
}
