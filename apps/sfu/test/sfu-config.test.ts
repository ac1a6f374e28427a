import { MAX_PEERS_PER_ROOM } from '@holocall/protocol';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_RTC_PORT, DEFAULT_SFU_PORT, readSfuConfigFromEnv } from '../src/config/sfu-config';

const JWKS = 'http://127.0.0.1:3000/.well-known/jwks.json';

/** Each problem as one line, `VARIABLE what is wrong`. */
function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    readSfuConfigFromEnv(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((issue) => `${issue.variable} ${issue.problem}`);
    throw error;
  }
  return [];
}

describe('SFU configuration from the environment', () => {
  it('has defaults for everything but the JWKS URL', () => {
    const config = readSfuConfigFromEnv({ SFU_JWKS_URL: JWKS });
    expect(config.port).toBe(DEFAULT_SFU_PORT);
    expect(config.listenIp).toBe('127.0.0.1');
    expect(config.workers).toBeGreaterThanOrEqual(1);
    expect(config.maxPeersPerRoom).toBe(MAX_PEERS_PER_ROOM);
    expect(config.rtcPort).toBe(DEFAULT_RTC_PORT);
    expect(config.behindProxy).toBe(false);
    expect(config.jwksUrl).toBe(JWKS);
  });

  it('holds no signing secret: a leftover ROOM_TOKEN_SECRET is not read (main.ts logs that it is ignored)', () => {
    const config = readSfuConfigFromEnv({ SFU_JWKS_URL: JWKS, ROOM_TOKEN_SECRET: 'x'.repeat(40) });
    expect(JSON.stringify(config)).not.toContain('x'.repeat(40));
  });

  it('takes one WebRTC port per worker from SFU_RTC_PORT: the last worker must fit below 65536, and none may be SFU_PORT', () => {
    expect(readSfuConfigFromEnv({ SFU_JWKS_URL: JWKS, SFU_RTC_PORT: '65534', SFU_WORKERS: '2' }).rtcPort).toBe(65534);
    expect(problemsOf({ SFU_JWKS_URL: JWKS, SFU_RTC_PORT: '65535', SFU_WORKERS: '2' })).toEqual([
      expect.stringMatching(/^SFU_RTC_PORT .*one port per worker/),
    ]);
    expect(problemsOf({ SFU_JWKS_URL: JWKS, SFU_PORT: '40001', SFU_RTC_PORT: '40000', SFU_WORKERS: '2' })).toEqual([
      expect.stringMatching(/^SFU_RTC_PORT .*SFU_PORT/),
    ]);
    expect(readSfuConfigFromEnv({ SFU_JWKS_URL: JWKS, SFU_RTC_PORT: '0' }).rtcPort).toBe(0);
  });

  it('stops on the old port-range variables instead of ignoring them', () => {
    expect(problemsOf({ SFU_JWKS_URL: JWKS, SFU_RTC_MIN_PORT: '40000', SFU_RTC_MAX_PORT: '49999' })).toEqual([
      expect.stringMatching(/^SFU_RTC_MIN_PORT .*SFU_RTC_PORT/),
      expect.stringMatching(/^SFU_RTC_MAX_PORT .*SFU_RTC_PORT/),
    ]);
  });

  it('reads every variable', () => {
    const config = readSfuConfigFromEnv({
      SFU_JWKS_URL: JWKS,
      SFU_PORT: '4000',
      SFU_HTTP_HOST: '0.0.0.0',
      SFU_LISTEN_IP: '0.0.0.0',
      SFU_ANNOUNCED_IP: '203.0.113.7',
      SFU_RTC_PORT: '41000',
      SFU_WORKERS: '3',
      SFU_CORS_ORIGIN: 'https://a.example, https://b.example',
      SFU_LOG_LEVEL: 'warn',
      SFU_WORKER_LOG_LEVEL: 'error',
      SFU_ROOM_EMPTY_GRACE_MS: '0',
      SFU_MAX_PEERS_PER_ROOM: '8',
      SFU_STATS_TOKEN: 'tok',
      SFU_BEHIND_PROXY: 'yes',
    });
    expect(config).toMatchObject({
      port: 4000,
      httpHost: '0.0.0.0',
      announcedIp: '203.0.113.7',
      rtcPort: 41000,
      workers: 3,
      corsOrigins: ['https://a.example', 'https://b.example'],
      logLevel: 'warn',
      workerLogLevel: 'error',
      roomEmptyGraceMs: 0,
      maxPeersPerRoom: 8,
      statsToken: 'tok',
      behindProxy: true,
    });
  });

  it('names each bad variable', () => {
    expect(problemsOf({})).toEqual([expect.stringMatching(/^SFU_JWKS_URL is required/)]);
    expect(problemsOf({ SFU_JWKS_URL: 'file:///tmp/jwks.json' })[0]).toMatch(/^SFU_JWKS_URL.*http/);
    expect(problemsOf({ SFU_JWKS_URL: JWKS, SFU_PORT: 'abc' })).toEqual([expect.stringMatching(/^SFU_PORT/)]);
    const many = problemsOf({
      SFU_JWKS_URL: JWKS,
      SFU_LISTEN_IP: 'localhost',
      SFU_RTC_PORT: '70000',
      SFU_WORKERS: '0',
      SFU_LOG_LEVEL: 'loud',
      SFU_BEHIND_PROXY: 'maybe',
      SFU_MAX_PEERS_PER_ROOM: String(MAX_PEERS_PER_ROOM + 1),
    });
    for (const name of [
      'SFU_LISTEN_IP',
      'SFU_RTC_PORT',
      'SFU_WORKERS',
      'SFU_BEHIND_PROXY',
      'SFU_LOG_LEVEL',
      'SFU_MAX_PEERS_PER_ROOM',
    ]) {
      expect(many.some((p) => p.startsWith(name))).toBe(true);
    }
  });
});
