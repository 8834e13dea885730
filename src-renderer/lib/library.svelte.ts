import type { AdapterEntry, ModelEntry, PlaygroundResult } from '../../src-shared/library.ts';
import { call } from './api.ts';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** The open project's base models and adapter library, and the playground's last result. */
export class LibraryState {
  #models = $state.raw<ModelEntry[]>([]);
  #adapters = $state.raw<AdapterEntry[]>([]);
  #loaded = $state(false);
  #error = $state<string | null>(null);
  #addError = $state<string | null>(null);
  #adding = $state(false);
  #result = $state.raw<PlaygroundResult | null>(null);
  #predictError = $state<string | null>(null);
  #predicting = $state(false);
  #project: string | null = null;

  get models() {
    return this.#models;
  }
  get adapters() {
    return this.#adapters;
  }
  get loaded() {
    return this.#loaded;
  }
  get error() {
    return this.#error;
  }
  get addError() {
    return this.#addError;
  }
  get adding() {
    return this.#adding;
  }
  get result() {
    return this.#result;
  }
  get predictError() {
    return this.#predictError;
  }
  get predicting() {
    return this.#predicting;
  }

  async load(project: string): Promise<void> {
    if (project !== this.#project) {
      this.#project = project;
      this.#models = [];
      this.#adapters = [];
      this.#result = null;
      this.#loaded = false;
    }
    try {
      const [models, adapters] = await Promise.all([
        call('models:list', { project }),
        call('adapters:list', { project }),
      ]);
      if (project !== this.#project) return;
      this.#models = models;
      this.#adapters = adapters;
      this.#error = null;
      this.#loaded = true;
    } catch (err) {
      this.#error = message(err);
    }
  }

  async addModel(folder: string): Promise<boolean> {
    const project = this.#project;
    if (!project) return false;
    this.#adding = true;
    this.#addError = null;
    try {
      await call('models:add', { project, path: folder });
      await this.load(project);
      return true;
    } catch (err) {
      this.#addError = message(err);
      return false;
    } finally {
      this.#adding = false;
    }
  }

  async removeModel(id: number): Promise<void> {
    const project = this.#project;
    if (!project) return;
    try {
      await call('models:remove', { project, id });
      await this.load(project);
    } catch (err) {
      this.#error = message(err);
    }
  }

  async predict(input: {
    model: string;
    runIds: number[];
    text?: string;
    imageBase64?: string;
    framesBase64?: string[];
    labels?: string[];
    template?: string;
  }): Promise<void> {
    const project = this.#project;
    if (!project) return;
    this.#predicting = true;
    this.#predictError = null;
    try {
      this.#result = await call('playground:predict', { project, ...input });
    } catch (err) {
      this.#predictError = message(err);
    } finally {
      this.#predicting = false;
    }
  }
}
