import os from 'node:os';

/** How long a signalled process waits for its database to close before it exits anyway. */
export const CLOSE_ON_SIGNAL_TIMEOUT_MS = 10_000;

export interface CloseOnSignalsOptions {
  log?: (msg: string, fields?: Record<string, unknown>) => void;
  signals?: NodeJS.Signals[];
  /** Called with 128 + the signal's number once the database is closed (default process.exit). */
  exit?: (code: number) => void;
  timeoutMs?: number;
}

/**
 * On SIGINT or SIGTERM: close the database (PGlite writes its shutdown checkpoint and the
 * data directory's lock is released), then exit with the signal's conventional code. Without
 * this, Ctrl-C ends the process mid-write and the next start has to run crash recovery.
 * A repeated signal while closing is ignored (a terminal's Ctrl-C reaches every process of the
 * group, and a parent forwards it too). Returns a function that removes the handlers.
 */
export function closeOnSignals(db: { close(): Promise<void> }, options: CloseOnSignalsOptions = {}): () => void {
  const signals = options.signals ?? ['SIGINT', 'SIGTERM'];
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const timeoutMs = options.timeoutMs ?? CLOSE_ON_SIGNAL_TIMEOUT_MS;
  let closing = false;

  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    const code = 128 + (os.constants.signals[signal] ?? 0);
    options.log?.('closing the database', { signal });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    Promise.race([db.close().then(() => 'closed' as const), timedOut])
      .then(
        (outcome) => {
          if (outcome === 'timeout') options.log?.('the database did not close in time; exiting', { timeoutMs });
          else options.log?.('database closed', { signal });
        },
        (error: unknown) => options.log?.('closing the database failed', { error: (error as Error).message }),
      )
      .finally(() => {
        clearTimeout(timer);
        exit(code);
      });
  };

  for (const signal of signals) process.on(signal, onSignal);
  return () => {
    for (const signal of signals) process.off(signal, onSignal);
  };
}
