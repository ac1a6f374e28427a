import { describe, expect, it } from 'vitest';
import { ConfigError, EnvReader, logLevelFromEnv, readLogLevel } from '../src';

describe('log level', () => {
  it('defaults to info and takes any known level', () => {
    expect(logLevelFromEnv('X_LOG_LEVEL', {})).toBe('info');
    expect(logLevelFromEnv('X_LOG_LEVEL', { X_LOG_LEVEL: 'debug' })).toBe('debug');
    expect(logLevelFromEnv('X_LOG_LEVEL', { X_LOG_LEVEL: 'silent' })).toBe('silent');
  });

  it('gives info for a bad value on its own, and the config read names the variable', () => {
    expect(logLevelFromEnv('X_LOG_LEVEL', { X_LOG_LEVEL: 'loud' })).toBe('info');
    const read = new EnvReader({ X_LOG_LEVEL: 'loud' });
    expect(readLogLevel(read, 'X_LOG_LEVEL')).toBe('info');
    let error: unknown;
    try {
      read.throwIfAny();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain('X_LOG_LEVEL');
  });
});
