/** Messages between the bench orchestrator and its client processes (Node IPC). */

export interface PeerSpec {
  userId: string;
  token: string;
}

export type ToClient =
  | { cmd: 'setup'; url: string; roomId: string; peers: PeerSpec[] }
  | { cmd: 'status' }
  | { cmd: 'start'; durationMs: number; hz: number }
  | { cmd: 'report' }
  /** Baseline: two werift peers on a direct loopback data channel, no SFU. */
  | { cmd: 'direct'; durationMs: number; hz: number }
  | { cmd: 'exit' };

export interface ClientReport {
  /** Frames this process's peers sent. */
  sent: number;
  /** Frames this process's peers received. */
  received: number;
  /** One-way latency of each received frame, ms. */
  latenciesMs: number[];
  /** CPU time this process used while sending and receiving, ms. */
  cpuMs: number;
}

export type FromClient =
  | { ev: 'ready' }
  | { ev: 'status'; minOpenChannels: number; errors: string[] }
  | { ev: 'started' }
  | { ev: 'report'; report: ClientReport }
  | { ev: 'error'; message: string };
