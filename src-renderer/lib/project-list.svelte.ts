import { on } from './api.ts';
import type { Events } from '../../src-shared/contract.ts';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** The events a list may follow: those that name the project they are about. */
type ProjectEvent = {
  [K in keyof Events]: Events[K] extends { projectPath: string } ? K : never;
}[keyof Events];

/**
 * A list of the open project's things (sweeps, shoot-outs, continual runs) that main's events keep current, never
 * a timer: the list reloads when one of `events` arrives for the open project. Subclasses add their own calls.
 */
export class ProjectListState<V> {
  #views = $state.raw<V[]>([]);
  #loaded = $state(false);
  #error = $state<string | null>(null);
  #project: string | null = null;
  readonly #list: (project: string) => Promise<V[]>;
  readonly #off: (() => void)[];

  constructor(list: (project: string) => Promise<V[]>, events: readonly ProjectEvent[]) {
    this.#list = list;
    this.#off = events.map((name) =>
      on(name, (payload: { projectPath: string }) => {
        if (payload.projectPath === this.#project) void this.refresh();
      }),
    );
  }

  get views() {
    return this.#views;
  }
  get loaded() {
    return this.#loaded;
  }
  get error() {
    return this.#error;
  }
  /** The project shown, or null before load. */
  protected get project() {
    return this.#project;
  }

  async load(project: string): Promise<void> {
    if (project !== this.#project) {
      this.#project = project;
      this.#views = [];
      this.#loaded = false;
    }
    await this.refresh();
  }

  async refresh(): Promise<void> {
    const project = this.#project;
    if (!project) return;
    try {
      const views = await this.#list(project);
      if (project !== this.#project) return;
      this.#views = views;
      this.#error = null;
      this.#loaded = true;
    } catch (err) {
      this.#error = message(err);
    }
  }

  /** Stops following the project's events (the page is left). */
  stop(): void {
    for (const off of this.#off) off();
  }

  /** Follows one more event (one whose payload says more than the project), until stop. */
  protected follow(off: () => void): void {
    this.#off.push(off);
  }

  /** Runs an action on the open project; its refusal is shown as the list's error, and the list reloads. */
  protected async perform(action: (project: string) => Promise<unknown>): Promise<void> {
    const project = this.#project;
    if (!project) return;
    try {
      await action(project);
      this.#error = null;
    } catch (err) {
      this.#error = message(err);
    }
    await this.refresh();
  }
}
