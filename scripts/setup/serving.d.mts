import type { ensureLocalTls } from './tls.mjs';

export const SFU_SIGNALING_PATH: string;
export const DEFAULT_RTC_PORT: number;
export class ServingSetupError extends Error {}
export interface ServingPlan {
  mode: 'plain' | 'lan' | 'https' | 'proxy';
  ports: { web: string; sfu: string; inference: string };
  webOrigin: string;
  jwksUrl: string;
  env: Record<string, string>;
  tls?: Awaited<ReturnType<typeof ensureLocalTls>> | null;
  lines: string[];
}
export function planServing(
  env: Readonly<Record<string, string | undefined>>,
  options?: { dataDir?: string; lookup?: (host: string) => Promise<string>; log?: (line: string) => void },
): Promise<ServingPlan>;
export function rtcPorts(env: Readonly<Record<string, string | undefined>>): number[] | null;
