/**
 * Runs async tasks one after another. Rooms are created through one of these so two
 * simultaneous joins never create two rooms; each connection runs its requests through
 * one so a client's requests are handled in the order it sent them.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  push<T>(task: () => Promise<T> | T): Promise<T> {
    const run = this.tail.then(task, task);
    // The chain must go on whatever this task does; its own caller sees its failure.
    this.tail = run.catch(() => undefined);
    return run;
  }
}
