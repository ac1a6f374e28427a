import { describe, expect, it } from 'vitest';
import { ConfigError, MIN_SECRET_BYTES, readConfig } from '../src/server/config';

const ok = {
  NODE_ENV: 'test',
  SESSION_SECRET: 's'.repeat(MIN_SECRET_BYTES),
  HOLOCALL_DATA_DIR: '/tmp/holocall-config-test',
} as NodeJS.ProcessEnv;

describe('configuration, read once and checked', () => {
  it('reads a complete environment: embedded database by default, PostgreSQL by DATABASE_URL', () => {
    const config = readConfig(ok);
    expect(config.database).toEqual({ kind: 'pglite', dataDir: '/tmp/holocall-config-test/pglite' });
    expect(config.sfuPort).toBe(3001);
    expect(config.inferencePort).toBe(3002);
    const pg = readConfig({ ...ok, DATABASE_URL: 'postgresql://u@127.0.0.1:5432/holocall' });
    expect(pg.database).toEqual({ kind: 'postgres', url: 'postgresql://u@127.0.0.1:5432/holocall' });
  });

  it('stops without SESSION_SECRET, naming it', () => {
    expect(() => readConfig({ ...ok, SESSION_SECRET: '' })).toThrow(
      new ConfigError({ variable: 'SESSION_SECRET', problem: 'is not set' }),
    );
  });

  it('needs no token secret: leftover ROOM_TOKEN_SECRET and INFERENCE_SECRET are not read (startup logs them)', () => {
    const config = readConfig({ ...ok, ROOM_TOKEN_SECRET: 'r'.repeat(40), INFERENCE_SECRET: 'i'.repeat(40) });
    expect(JSON.stringify(config)).not.toMatch(/r{40}|i{40}/);
  });

  it('stops on a short secret, a bad port, a bad database URL or SFU URL, naming each', () => {
    expect(() => readConfig({ ...ok, SESSION_SECRET: 'short' })).toThrow(/SESSION_SECRET must be at least 32 bytes/);
    expect(() => readConfig({ ...ok, SFU_PORT: '70000' })).toThrow(/SFU_PORT/);
    expect(() => readConfig({ ...ok, INFERENCE_PORT: 'x' })).toThrow(/INFERENCE_PORT/);
    expect(() => readConfig({ ...ok, DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
    expect(() => readConfig({ ...ok, SFU_PUBLIC_URL: 'ftp://x' })).toThrow(/SFU_PUBLIC_URL/);
    expect(() => readConfig({ ...ok, WEB_ORIGIN: 'https://holocall.example/app' })).toThrow(/WEB_ORIGIN/);
    expect(() => readConfig({ ...ok, LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
  });

  it('names every bad variable at once', () => {
    let error: unknown;
    try {
      readConfig({ ...ok, SESSION_SECRET: '', SFU_PORT: '0', DATABASE_URL: 'mysql://x' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect([...(error as ConfigError).variables].sort()).toEqual(['DATABASE_URL', 'SESSION_SECRET', 'SFU_PORT']);
    expect((error as ConfigError).message).toMatch(/^invalid configuration:\n {2}SESSION_SECRET is not set\n/);
  });

  it('reads WEB_ORIGIN, WEB_TRUST_PROXY, the data dir and the log level', () => {
    const config = readConfig({
      ...ok,
      WEB_ORIGIN: 'https://holocall.example/',
      WEB_TRUST_PROXY: 'yes',
      LOG_LEVEL: 'warn',
    });
    expect(config).toMatchObject({
      webOrigin: 'https://holocall.example',
      trustProxy: true,
      dataDir: '/tmp/holocall-config-test',
      logLevel: 'warn',
    });
    expect(readConfig(ok)).toMatchObject({ webOrigin: null, trustProxy: false, logLevel: 'info' });
  });
});
