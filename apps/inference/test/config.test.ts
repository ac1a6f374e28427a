import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config';

const base = {
  INFERENCE_ALLOWED_ORIGINS: 'http://localhost:3000,https://holocall.example',
  INFERENCE_SECRET: 's'.repeat(32),
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
  });

  it('stops on a bad value, naming the variable', () => {
    const bad: [Record<string, string>, string][] = [
      [{ ...base, INFERENCE_SECRET: 'short' }, 'INFERENCE_SECRET'],
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
