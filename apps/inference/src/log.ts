import { createLogger as createServiceLogger, type Logger, type LogLevel } from '@holocall/service';
import { logLevelFromEnv } from './config';

export type { Logger, LogLevel } from '@holocall/service';

/** The inference node's structured logger (`service: 'inference'`, JSON lines on stderr); `fields` go on every line. */
export const createLogger = (fields: Record<string, unknown> = {}, level: LogLevel = logLevelFromEnv()): Logger =>
  createServiceLogger({ service: 'inference', level, fields });

export const logger = createLogger();
