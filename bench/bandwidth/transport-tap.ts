/**
 * The mediasoup transports of an in-process SFU, by id, through mediasoup's observer API: a
 * WebRtcTransport's `getStats()` counts every UDP byte it received (ICE, DTLS, SCTP, SRTP,
 * RTCP), which is a sender's on-the-wire rate without the IP/UDP headers.
 */

import type { types } from 'mediasoup';
import * as mediasoup from 'mediasoup';

const transports = new Map<string, types.Transport>();
let observing = false;

export function observeTransports(): void {
  if (observing) return;
  observing = true;
  mediasoup.observer.on('newworker', (worker) =>
    worker.observer.on('newrouter', (router) =>
      router.observer.on('newtransport', (transport) => {
        transports.set(transport.id, transport);
        transport.observer.once('close', () => transports.delete(transport.id));
      }),
    ),
  );
}

/** Bytes the transport has received so far (UDP payload: ICE + DTLS + SCTP + SRTP/SRTCP). */
export async function transportBytesReceived(transportId: string): Promise<number> {
  const transport = transports.get(transportId);
  if (!transport) throw new Error(`transport ${transportId} not seen (observeTransports before startSfu)`);
  const stats = await transport.getStats();
  return stats.reduce((sum, s) => sum + ((s as { bytesReceived?: number }).bytesReceived ?? 0), 0);
}
