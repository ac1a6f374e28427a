import {
  decodeDriverFrame,
  ENVELOPE_KIND,
  encodeDriverFrame,
  encodeDriverFrameEnvelope,
  quantizeAngle,
} from '@holocall/protocol';
import type { Page } from '@playwright/test';
import { PORTS } from './env';

/**
 * TEST HOOK, in the test process: the receiver's page forwards each driver frame to its inference
 * node over a WebSocket; this route rewrites the frame's head pose to a scripted one (yaw from
 * `script.yaw`, no pitch or roll; position as tracked) and leaves the expression as tracked. A photo
 * played as a fake camera cannot turn its head, so the yaw is scripted; the rendering is real.
 */
export async function scriptPoses(page: Page, script: { yaw: number }): Promise<void> {
  await page.routeWebSocket(`ws://127.0.0.1:${PORTS.inference}/ws`, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((message) => {
      if (typeof message === 'string' || message[1] !== ENVELOPE_KIND.driverFrame) return server.send(message);
      const at = 3 + message[2]!;
      const peerId = message.subarray(3, at).toString('ascii');
      const frame = decodeDriverFrame(new Uint8Array(message.subarray(at)));
      frame.pose = { rotation: [script.yaw, 0, 0], translation: frame.pose.translation };
      server.send(Buffer.from(encodeDriverFrameEnvelope(peerId, encodeDriverFrame(frame))));
    });
  });
}

/**
 * TEST HOOK, in the receiver's page, for a page that renders heads itself (no inference node):
 * the page hands each driver frame to its renderer worker (`{ type: 'frame', frame }`); this
 * wraps Worker.postMessage to rewrite the frame's yaw (bytes 14..19 of the header: yaw, pitch,
 * roll as quantised i16) to a scripted one, leaving position and expression as tracked. Returns
 * the setter; set before the page's scripts run (then reload or navigate).
 */
export async function scriptPosesInPage(page: Page): Promise<(yaw: number) => Promise<void>> {
  await page.addInitScript(() => {
    const post = Worker.prototype.postMessage;
    const scope = window as unknown as { __scriptedYaw?: number };
    Worker.prototype.postMessage = function (this: Worker, message: unknown, ...rest: unknown[]) {
      const m = message as { type?: string; frame?: Uint8Array };
      if (m?.type === 'frame' && m.frame && scope.__scriptedYaw !== undefined) {
        const frame = m.frame.slice();
        const view = new DataView(frame.buffer);
        view.setInt16(14, scope.__scriptedYaw, true);
        view.setInt16(16, 0, true);
        view.setInt16(18, 0, true);
        message = { ...m, frame };
      }
      return (post as (...args: unknown[]) => void).call(this, message, ...rest);
    } as typeof Worker.prototype.postMessage;
  });
  return async (yaw) => {
    const q = quantizeAngle(yaw);
    await page.evaluate((v) => {
      (window as unknown as { __scriptedYaw?: number }).__scriptedYaw = v;
    }, q);
  };
}
