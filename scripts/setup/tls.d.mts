export const TLS_DIR_NAME: string;
export const KEY_FILE_MODE: number;
export const CERT_FILE_MODE: number;
export const CA_DAYS: number;
export const SERVER_DAYS: number;
export const RENEW_BEFORE_DAYS: number;
export const LOOPBACK_NAMES: readonly string[];
export class TlsSetupError extends Error {}
export interface TlsPaths {
  dir: string;
  caCert: string;
  caKey: string;
  cert: string;
  key: string;
}
export interface SanName {
  type: 'ip' | 'dns';
  value: string;
}
export function tlsPaths(dataDir: string): TlsPaths;
export function sanNames(hosts: readonly string[]): SanName[];
export function ensureLocalTls(
  dataDir: string,
  options: { hosts: readonly string[]; now?: Date; log?: (line: string) => void },
): Promise<TlsPaths & { caFingerprint: string; made: { ca: boolean; server: boolean } }>;
