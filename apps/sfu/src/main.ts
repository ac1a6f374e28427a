import { retiredSecretsIn } from '@holocall/service';
import { ConfigError, readSfuConfigFromEnv, type SfuConfig } from './config/sfu-config';
import { createSfuLogger } from './logging/logger';
import { startSfu } from './start-sfu';

/** `npm start -w @holocall/sfu`: reads the environment once, starts the SFU, stops on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  let config: SfuConfig;
  try {
    config = readSfuConfigFromEnv();
  } catch (error) {
    if (error instanceof ConfigError) {
      createSfuLogger('info').error('bad configuration', { error: error.message, variables: error.variables });
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const logger = createSfuLogger(config.logLevel);
  // Ignored rather than refused: an upgraded host may still export it, and it can sign nothing here.
  for (const name of retiredSecretsIn(process.env)) {
    logger.warn(`${name} is set but no longer read: room tokens are checked against SFU_JWKS_URL; remove it`, {
      jwksUrl: config.jwksUrl,
    });
  }
  const sfu = await startSfu(config);
  const stop = (signal: string) => {
    logger.info('stopping', { signal });
    void sfu.close().then(() => process.exit(0));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

void main().catch((error: unknown) => {
  createSfuLogger('info').error('SFU failed to start', { error });
  process.exit(1);
});
