import { ConfigError, loadConfig } from './config';
import { logger } from './log';
import { startInferenceNode } from './start';

/** The inference node process: `npm start -w @holocall/inference` (see README.md for the environment). */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      logger.error('bad configuration', { error: error.message });
      process.exit(2);
    }
    throw error;
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

main().catch((error) => {
  logger.error('inference node failed to start', { error: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
