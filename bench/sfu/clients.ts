import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FromClient, ToClient } from './ipc';

const CLIENT_ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'client-process.ts');

/** One bench client process, driven over Node IPC. */
export class BenchClient {
  private readonly child: ChildProcess;
  private inbox: FromClient[] = [];
  private waiters: (() => void)[] = [];
  private exited = false;

  constructor() {
    this.child = fork(CLIENT_ENTRY, [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (message: FromClient) => {
      this.inbox.push(message);
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.child.on('exit', () => {
      this.exited = true;
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  send(message: ToClient): void {
    this.child.send(message);
  }

  /** The next message of kind `ev`; an `error` message or an exit fails it. */
  async next<E extends FromClient['ev']>(ev: E, timeoutMs: number): Promise<Extract<FromClient, { ev: E }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.inbox.findIndex((m) => m.ev === ev || m.ev === 'error');
      if (index >= 0) {
        const [message] = this.inbox.splice(index, 1);
        if (message?.ev === 'error') throw new Error(`bench client failed: ${message.message}`);
        return message as Extract<FromClient, { ev: E }>;
      }
      if (this.exited) throw new Error('bench client exited');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`bench client: no ${ev} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async request<E extends FromClient['ev']>(message: ToClient, ev: E, timeoutMs: number) {
    this.send(message);
    return this.next(ev, timeoutMs);
  }

  async exit(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.send({ cmd: 'exit' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(timer);
  }
}
