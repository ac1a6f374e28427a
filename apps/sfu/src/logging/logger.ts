import { createLogger, type Logger, type LogLevel } from '@holocall/service';

export { LOG_LEVELS, type LogFields, type Logger, type LogLevel } from '@holocall/service';

/** The SFU's structured logger (`service: 'sfu'`, JSON lines on stderr); the level is SFU_LOG_LEVEL, read by SfuConfig. */
export const createSfuLogger = (level: LogLevel): Logger => createLogger({ service: 'sfu', level });
