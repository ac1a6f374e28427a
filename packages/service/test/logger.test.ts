import { describe, expect, it } from 'vitest';
import { createLogger, type LogLevel } from '../src/logger';

function capture(level: LogLevel) {
  const lines: { level: string; line: Record<string, unknown> }[] = [];
  const logger = createLogger({
    service: 'sfu',
    level,
    sink: (line, lineLevel) => lines.push({ level: lineLevel, line: JSON.parse(line) }),
  });
  return { logger, lines };
}

describe('structured logger', () => {
  it('writes one JSON object per line with the fields in one naming', () => {
    const { logger, lines } = capture('debug');
    logger.info('room created', { room: 'r1' });
    expect(lines).toHaveLength(1);
    const line = lines[0]?.line ?? {};
    expect(Object.keys(line)).toEqual(['t', 'level', 'service', 'msg', 'room']);
    expect(line).toMatchObject({ level: 'info', service: 'sfu', msg: 'room created', room: 'r1' });
    expect(Number.isNaN(Date.parse(line.t as string))).toBe(false);
  });

  it('drops lines below its level; silent drops all', () => {
    const { logger, lines } = capture('warn');
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    expect(lines.map((l) => l.level)).toEqual(['warn', 'error']);
    const silent = capture('silent');
    silent.logger.error('e');
    expect(silent.lines).toEqual([]);
  });

  it('child loggers add a scope and bound fields, nested, keeping the level', () => {
    const { logger, lines } = capture('info');
    const room = logger.child('room', { room: 'r1' });
    const socket = room.child('socket', { socket: 's1' });
    socket.debug('hidden');
    socket.info('joined', { peer: 'p1' });
    expect(socket.level).toBe('info');
    expect(lines[0]?.line).toMatchObject({
      service: 'sfu',
      scope: 'room:socket',
      room: 'r1',
      socket: 's1',
      peer: 'p1',
    });
    logger.info('top');
    expect(lines[1]?.line.scope).toBeUndefined();
  });

  it('writes errors with name, message and stack', () => {
    const { logger, lines } = capture('info');
    logger.error('worker died', { error: new TypeError('boom') });
    expect(lines[0]?.line.error).toMatchObject({ name: 'TypeError', message: 'boom', stack: expect.any(String) });
  });

  it('writes to stderr by default', () => {
    const written: string[] = [];
    const original = process.stderr.write;
    process.stderr.write = ((chunk: string) => {
      written.push(chunk);
      return true;
    }) as typeof process.stderr.write;
    try {
      createLogger({ service: 'web', level: 'info', fields: { script: 'x' } }).info('hello');
    } finally {
      process.stderr.write = original;
    }
    expect(written).toHaveLength(1);
    expect(written[0]?.endsWith('\n')).toBe(true);
    expect(JSON.parse(written[0] as string)).toMatchObject({ service: 'web', msg: 'hello', script: 'x' });
  });
});
