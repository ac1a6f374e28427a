import { decodeDriverFrame, ENVELOPE_KIND, encodeDriverFrame, encodeDriverFrameEnvelope } from '@holocall/protocol';
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
