/**
 * Renders taking turns: one render stage uses every thread it has, and its output buffers are
 * valid only until its next render, so a frame, a preview view or a turntable runs only once
 * every render queued before it has finished (a failed one does not block the next).
 */
export class RenderTurns {
  private last: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const turn = this.last.then(fn, fn);
    this.last = turn.catch(() => {});
    return turn;
  }

  /** Resolves once every render queued so far has finished. */
  idle(): Promise<unknown> {
    return this.last;
  }
}
