import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_INFERENCE_PORT, loadConfig } from '../src/config';

const base = {
  INFERENCE_ALLOWED_ORIGINS: 'http://localhost:3000,https://holocall.example',
  INFERENCE_JWKS_URL: 'http://localhost:3000/.well-known/jwks.json',
};

describe('configuration', () => {
  it('reads a valid environment with defaults', () => {
    const c = loadConfig(base);
    expect(c.host).toBe('127.0.0.1');
    expect(c.allowedOrigins).toEqual(['http://localhost:3000', 'https://holocall.example']);
    expect(c.renderer).toBe('auto');
    expect(c.reenact).toBe('reference');
    expect(loadConfig({ ...base, INFERENCE_REENACT: 'identity' }).reenact).toBe('identity');
    expect(c.cacheBytes).toBe(512 * 1024 * 1024);
    expect(c.jwksUrl).toBe(base.INFERENCE_JWKS_URL);
    expect(c.jwksCacheFile).toBeNull();
    expect(loadConfig({ ...base, INFERENCE_JWKS_CACHE: '/tmp/n/jwks.json' }).jwksCacheFile).toBe('/tmp/n/jwks.json');
  });

  it('listens by default where pages look for it (the web app says ws://127.0.0.1:3002/ws)', () => {
    expect(loadConfig(base).port).toBe(DEFAULT_INFERENCE_PORT);
    expect(DEFAULT_INFERENCE_PORT).toBe(3002);
  });

  it('holds no secret of the server: a leftover INFERENCE_SECRET is not read (main.ts logs that it is ignored)', () => {
    const c = loadConfig({ ...base, INFERENCE_SECRET: 's'.repeat(40) });
    expect(JSON.stringify(c)).not.toContain('s'.repeat(40));
  });

  it('stops on a bad value, naming the variable', () => {
    const bad: [Record<string, string>, string][] = [
      [{ ...base, INFERENCE_JWKS_URL: 'ftp://x.test/jwks.json' }, 'INFERENCE_JWKS_URL'],
      [{ INFERENCE_ALLOWED_ORIGINS: base.INFERENCE_ALLOWED_ORIGINS }, 'INFERENCE_JWKS_URL'],
      [{ ...base, INFERENCE_ALLOWED_ORIGINS: '' }, 'INFERENCE_ALLOWED_ORIGINS'],
      [{ ...base, INFERENCE_ALLOWED_ORIGINS: 'http://x.test/path' }, 'INFERENCE_ALLOWED_ORIGINS'],
      [{ ...base, INFERENCE_HOST: '0.0.0.0' }, 'INFERENCE_HOST'],
      [{ ...base, INFERENCE_PORT: '70000' }, 'INFERENCE_PORT'],
      [{ ...base, INFERENCE_EP: 'tpu' }, 'INFERENCE_EP'],
      [{ ...base, INFERENCE_RENDERER: 'magic' }, 'INFERENCE_RENDERER'],
      [{ ...base, INFERENCE_CACHE_MB: '1' }, 'INFERENCE_CACHE_MB'],
      [{ ...base, INFERENCE_REENACT: 'voodoo' }, 'INFERENCE_REENACT'],
    ];
    for (const [env, name] of bad) {
      expect(() => loadConfig(env)).toThrow(ConfigError);
      expect(() => loadConfig(env)).toThrow(name);
    }
  });
});
