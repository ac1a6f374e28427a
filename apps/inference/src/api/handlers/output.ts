import { HolocallError } from '@holocall/protocol';
import type { ClientMessageOf, ConnectionContext } from '../connection-context';
import { DEFAULT_JPEG_QUALITY } from '../image-encode';

/** The view of one peer, or (no peerId) the connection's default, which also resets every peer's own. */
export function setView(ctx: ConnectionContext, msg: ClientMessageOf<'set-view'>): void {
  if (msg.peerId === undefined) {
    ctx.output.defaultView = msg.view;
    for (const p of ctx.peers.values()) p.view = null;
  } else {
    const p = ctx.peers.get(msg.peerId);
    if (!p) throw new HolocallError('not_found', 'peer is not registered');
    p.view = msg.view;
  }
  ctx.send({ type: 'ok', inReplyTo: msg.type });
}

export function setQuality(ctx: ConnectionContext, msg: ClientMessageOf<'set-quality'>): void {
  ctx.output.fixedQuality = msg.level === 'auto' ? null : msg.level;
  if (msg.targetFps !== undefined) ctx.adaptive.setTarget(msg.targetFps);
  ctx.send({ type: 'ok', inReplyTo: msg.type });
}

export function setOutput(ctx: ConnectionContext, msg: ClientMessageOf<'set-output'>): void {
  ctx.output.format = msg.format;
  ctx.output.jpegQuality = msg.jpegQuality ?? DEFAULT_JPEG_QUALITY;
  ctx.frameCredits.configure(msg.frameCredits ?? null);
  ctx.send({ type: 'ok', inReplyTo: msg.type });
}
