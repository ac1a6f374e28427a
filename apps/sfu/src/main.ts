import { ConfigError, readSfuConfigFromEnv } from './config/SfuConfig';
import { startSfu } from './startSfu';

/** `npm start -w @holocall/sfu`: reads the environment once, starts the SFU, stops on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  let config: ReturnType<typeof readSfuConfigFromEnv>;
  try {
    config = readSfuConfigFromEnv();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const sfu = await startSfu(config);
  const stop = (signal: string) => {
    process.stderr.write(
      `${JSON.stringify({ t: new Date().toISOString(), level: 'info', msg: 'stopping', signal })}\n`,
    );
    void sfu.close().then(() => process.exit(0));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

void main().catch((error: unknown) => {
  process.stderr.write(
    `SFU failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
