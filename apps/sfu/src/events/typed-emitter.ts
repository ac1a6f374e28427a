import { EventEmitter } from 'node:events';

/**
 * An EventEmitter whose event names and argument lists are checked by the compiler, the
 * way mediasoup types its own emitters. `Events` maps each event name to its arguments.
 */
export class TypedEmitter<Events extends { [K in keyof Events]: unknown[] }> {
  private readonly emitter = new EventEmitter();

  on<E extends keyof Events & string>(event: E, listener: (...args: Events[E]) => void): this {
    this.emitter.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  once<E extends keyof Events & string>(event: E, listener: (...args: Events[E]) => void): this {
    this.emitter.once(event, listener as (...args: unknown[]) => void);
    return this;
  }

  off<E extends keyof Events & string>(event: E, listener: (...args: Events[E]) => void): this {
    this.emitter.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  /** Emits to every listener; a listener that throws is reported and does not stop the others. */
  protected emit<E extends keyof Events & string>(event: E, ...args: Events[E]): void {
    for (const listener of this.emitter.listeners(event)) {
      try {
        (listener as (...a: Events[E]) => void)(...args);
      } catch (error) {
        process.emitWarning(`listener for "${event}" threw: ${String(error)}`);
      }
    }
  }
}
