import type { EventName, Events } from '../../src-shared/contract.ts';

type Listener = <K extends EventName>(name: K, payload: Events[K]) => void;

/** Push events from the services to every connected window or browser, typed by the contract's Events map. */
export class EventBus {
  readonly #listeners = new Set<Listener>();

  emit<K extends EventName>(name: K, payload: Events[K]): void {
    for (const l of this.#listeners) l(name, payload);
  }

  /** Returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
