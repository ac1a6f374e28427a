import { describe, expect, it } from 'vitest';
import { ConfigError, ConfigIssues } from '../src/config-error';
import { EnvReader } from '../src/env';

function issuesOf(read: (r: EnvReader) => unknown, env: Record<string, string>) {
  const reader = new EnvReader(env);
  read(reader);
  return reader.issues.map((i) => `${i.variable} ${i.problem}`);
}

describe('reading the environment', () => {
  it('strings: trimmed, blank counts as unset, required ones named when missing', () => {
    const r = new EnvReader({ A: '  x ', B: '   ' });
    expect(r.string('A')).toBe('x');
    expect(r.string('B')).toBeUndefined();
    expect(r.string('B', 'd')).toBe('d');
    expect(r.requireString('C')).toBe('');
    expect(r.issues).toEqual([{ variable: 'C', problem: 'is not set' }]);
  });

  it('secrets: set and long enough in bytes, the value never echoed', () => {
    expect(issuesOf((r) => r.secret('S', 32), {})).toEqual(['S is not set']);
    expect(issuesOf((r) => r.secret('S', 32), { S: 'hunter2' })).toEqual(['S must be at least 32 bytes long']);
    expect(issuesOf((r) => r.secret('S', 32), { S: 'é'.repeat(16) })).toEqual([]);
    expect(issuesOf((r) => r.secret('S', 32), { S: 's'.repeat(32) })).toEqual([]);
  });

  it('integers: decimal only, within the range, the default when unset or bad', () => {
    const r = new EnvReader({ N: '42', BAD: '4.5', HEX: '0x10', BIG: '99', E: '1e3' });
    expect(r.int('N', 1)).toBe(42);
    expect(r.int('UNSET', 7)).toBe(7);
    expect(r.int('UNSET')).toBeUndefined();
    expect(r.int('BAD', 3)).toBe(3);
    expect(r.int('HEX')).toBeUndefined();
    expect(r.int('BIG', 5, { min: 1, max: 10 })).toBe(5);
    expect(r.int('E', 0, { min: 0 })).toBe(0);
    expect(r.variables).toEqual(['BAD', 'HEX', 'BIG', 'E']);
    expect(r.issues[2]?.problem).toBe('must be an integer from 1 to 10, got "99"');
    expect(issuesOf((x) => x.int('N', 0, { min: 50 }), { N: '42' })).toEqual([
      'N must be an integer of at least 50, got "42"',
    ]);
  });

  it('ports: 1..65535, 0 only when allowed', () => {
    expect(new EnvReader({ P: '3001' }).port('P', 1)).toBe(3001);
    expect(issuesOf((r) => r.port('P', 1), { P: '0' })).toEqual(['P must be a port number from 1 to 65535, got "0"']);
    expect(issuesOf((r) => r.port('P', 1, { allowZero: true }), { P: '0' })).toEqual([]);
    expect(issuesOf((r) => r.port('P', 1), { P: '70000' })).toHaveLength(1);
    expect(issuesOf((r) => r.port('P', 1), { P: 'x' })).toHaveLength(1);
  });

  it('booleans', () => {
    const r = new EnvReader({ A: 'TRUE', B: '0', C: 'yes', D: 'maybe' });
    expect([r.boolean('A', false), r.boolean('B', true), r.boolean('C', false), r.boolean('U', true)]).toEqual([
      true,
      false,
      true,
      true,
    ]);
    expect(r.boolean('D', false)).toBe(false);
    expect(r.variables).toEqual(['D']);
  });

  it('enums: one of the choices exactly', () => {
    const levels = ['debug', 'info'] as const;
    expect(new EnvReader({ L: 'debug' }).oneOf('L', levels, 'info')).toBe('debug');
    expect(new EnvReader({}).oneOf('L', levels)).toBeUndefined();
    expect(issuesOf((r) => r.oneOf('L', levels, 'info'), { L: 'loud' })).toEqual([
      'L must be one of debug, info, got "loud"',
    ]);
  });

  it('URLs: a listed scheme, the value never echoed', () => {
    const opts = { protocols: ['postgres:', 'postgresql:'] };
    expect(new EnvReader({ U: 'postgresql://u:pw@127.0.0.1:5432/db' }).url('U', opts)).toBe(
      'postgresql://u:pw@127.0.0.1:5432/db',
    );
    const bad = issuesOf((r) => r.url('U', { ...opts, hint: '(or unset)' }), { U: 'mysql://u:pw@x' });
    expect(bad).toEqual(['U must be a postgres:// or postgresql:// URL (or unset)']);
    expect(issuesOf((r) => r.url('U', opts), { U: 'not a url' })).toHaveLength(1);
    const origin = { protocols: ['http:', 'https:'], originOnly: true };
    expect(new EnvReader({ O: 'https://a.example/' }).url('O', origin)).toBe('https://a.example');
    expect(issuesOf((r) => r.url('O', origin), { O: 'https://a.example/path' })).toHaveLength(1);
  });

  it('lists and origin lists', () => {
    expect(new EnvReader({ L: ' a, ,b ,' }).list('L')).toEqual(['a', 'b']);
    expect(new EnvReader({ L: ' , ' }).list('L')).toBeUndefined();
    expect(new EnvReader({}).list('L', ['x'])).toEqual(['x']);
    expect(new EnvReader({ O: 'http://localhost:3000, https://b.example' }).origins('O')).toEqual([
      'http://localhost:3000',
      'https://b.example',
    ]);
    expect(issuesOf((r) => r.origins('O'), { O: 'http://localhost:3000,http://x.test/path' })).toEqual([
      'O must list origins as scheme://host[:port], got "http://x.test/path"',
    ]);
  });
});

describe('ConfigError', () => {
  it('names the one variable in its message, or lists them all', () => {
    expect(new ConfigError({ variable: 'SFU_PORT', problem: 'is not set' }).message).toBe('SFU_PORT is not set');
    const many = new ConfigError([
      { variable: 'A', problem: 'is not set' },
      { variable: 'B', problem: 'must be an integer' },
    ]);
    expect(many.message).toBe('invalid configuration:\n  A is not set\n  B must be an integer');
    expect(many.variables).toEqual(['A', 'B']);
    expect(many.name).toBe('ConfigError');
    expect(many).toBeInstanceOf(Error);
  });

  it('is thrown once for every issue collected, and not at all without one', () => {
    const issues = new ConfigIssues();
    issues.throwIfAny();
    issues.check(true, 'A', 'never');
    issues.check(false, 'B', 'is bad');
    const reader = new EnvReader({ C: 'x' });
    reader.int('C');
    issues.merge(new ConfigError(reader.issues));
    expect(() => issues.throwIfAny()).toThrow(ConfigError);
    try {
      issues.throwIfAny();
    } catch (error) {
      expect((error as ConfigError).variables).toEqual(['B', 'C']);
    }
  });
});
