import { retiredSecretsIn } from '@holocall/service';
import { ConfigError, type InferenceConfig, loadConfig } from './config';
import { createLogger, logger as startupLogger } from './log';
import { startInferenceNode } from './start';

/** The inference node process: `npm start -w @holocall/inference` (see README.md for the environment). */
async function main(): Promise<void> {
  let config: InferenceConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      startupLogger.error('bad configuration', { error: error.message, variables: error.variables });
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const logger = createLogger({}, config.logLevel);
  // Ignored rather than refused: an upgraded install may still pass it, and nothing here reads it.
  for (const name of retiredSecretsIn(process.env)) {
    logger.warn(`${name} is set but no longer read: page tokens are checked against INFERENCE_JWKS_URL; remove it`, {
      jwksUrl: config.jwksUrl,
    });
  }
  const running = await startInferenceNode(config, logger);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    await running.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

/** The port is taken (another node, or `npm start` on this computer): a restart cannot help. */
const EX_IN_USE = 75;

main().catch((error) => {
  if ((error as { code?: string } | null)?.code === 'EADDRINUSE') {
    startupLogger.error('the inference port is already in use: is another HoloCall node (or npm start) running here?', {
      error: error instanceof Error ? error.message : String(error),
    });
    process.exit(EX_IN_USE);
  }
  startupLogger.error('inference node failed to start', {
    error: error instanceof Error ? error.message : String(error),
  });
  process.exit(1);
});
