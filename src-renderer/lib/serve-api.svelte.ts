import type { ServeApiView } from '../../src-shared/serve.ts';
import { call } from './api.ts';

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The Settings page's serving-API switch: what runs, and starting or stopping it. */
export class ServeApiState {
  #view = $state.raw<ServeApiView | null>(null);
  #busy = $state(false);
  #error = $state<string | null>(null);

  get view(): ServeApiView | null {
    return this.#view;
  }

  get busy(): boolean {
    return this.#busy;
  }

  get error(): string | null {
    return this.#error;
  }

  async load(): Promise<void> {
    try {
      this.#view = await call('serve:status', {});
    } catch (e) {
      this.#error = message(e);
    }
  }

  /** On: serve `project`'s library (null: the base model only); off: stop. */
  async set(on: boolean, project: string | null): Promise<void> {
    this.#busy = true;
    this.#error = null;
    try {
      this.#view = on ? await call('serve:start', { project }) : await call('serve:stop', {});
    } catch (e) {
      this.#error = message(e);
    } finally {
      this.#busy = false;
    }
  }
}
