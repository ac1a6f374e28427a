import { createLogger } from '@holocall/service';
import { logLevelFromEnv } from './config';

/** The web app's structured logger (`service: 'web'`, JSON lines on stderr); the level is LOG_LEVEL. */
export const logger = createLogger({ service: 'web', level: logLevelFromEnv() });
