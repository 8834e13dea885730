/**
 * The serving process's state: base models loaded once, and per model the adapters hot-loaded onto it (at most
 * `capacity`, least recently used unloaded first). Adapters are loaded on first use or by an explicit load.
 */
import { loadAdapter } from '../adapters/io.ts';
import { traceModules } from '../adapters/base/trace.ts';
import type { AdapterInstance } from '../adapters/base/types.ts';
import { UserError } from '../errors.ts';
import { resolveModelDir } from '../models/default-model.ts';
import { loadModel } from '../models/index.ts';
import type { Model } from '../models/index.ts';
import { loadTokenizer } from '../models/tokenizer/index.ts';
import type { TextTokenizer } from '../models/tokenizer/index.ts';
import { adapterLabels } from '../node-shared/adapter-folder.ts';
import { AdapterBank } from './bank.ts';
import { defaultLoraMode } from './mixed-hooks.ts';
import type { AdapterRef, LoadResult } from './protocol.ts';

export interface LoadedAdapter {
  key: string;
  instance: AdapterInstance;
  /** The labels its head predicts, in output order. */
  labels: string[];
}

const isClassifier = (task: string) => task === 'sequence-classification';

/**
 * Only gathered batches read the bank: wasm's per-adapter products would pay its updates for nothing.
 * STUDIO_SERVE_BANK=0 turns it off, so one GPU session can measure the serving API with and without it.
 */
const useBank = () => defaultLoraMode() === 'gathered' && process.env.STUDIO_SERVE_BANK !== '0';

export class LoadedModel {
  readonly adapters = new Map<string, LoadedAdapter>();
  /** The mixable adapters' tensors stacked for mixed batches (bank.ts); null where batches do not gather. */
  readonly bank: AdapterBank | null;

  constructor(
    readonly name: string,
    readonly model: Model,
    readonly tok: TextTokenizer,
    /** Whether the base's own head was trained (a classifier folder) rather than a placeholder. */
    readonly baseClassifies: boolean,
    opts: { bank?: boolean } = {},
  ) {
    this.bank = opts.bank ? new AdapterBank() : null;
  }

  /** An adapter by key, loading it from its folder on first use. */
  adapter(ref: AdapterRef, capacity: number): { loaded: LoadedAdapter; loadMs: number; hit: boolean } {
    const hit = this.adapters.get(ref.key);
    if (hit) {
      this.adapters.delete(ref.key);
      this.adapters.set(ref.key, hit);
      return { loaded: hit, loadMs: 0, hit: true };
    }
    const t0 = performance.now();
    const instance = loadAdapter(this.model, ref.dir);
    if (instance.baseTrainable.length > 0) {
      instance.dispose();
      throw new UserError(`${ref.key}: a full fine-tuning run is a whole model, not an adapter to serve`);
    }
    const loaded = { key: ref.key, instance, labels: this.#labelsOf(ref.dir, instance) };
    while (this.adapters.size >= capacity) {
      const [oldest] = this.adapters.keys();
      this.unload(oldest as string);
    }
    this.adapters.set(ref.key, loaded);
    if (instance.rowwise) this.bank?.add({ key: ref.key, parts: instance.rowwise });
    // The bank is part of the hot load: a batch only gathers from it.
    return { loaded, loadMs: performance.now() - t0, hit: false };
  }

  unload(key: string): boolean {
    const a = this.adapters.get(key);
    if (!a) return false;
    this.bank?.remove(key);
    a.instance.dispose();
    this.adapters.delete(key);
    return true;
  }

  /** The folder's labels, or LABEL_i for the width of its head (a PEFT folder records none). */
  #labelsOf(dir: string, a: AdapterInstance): string[] {
    const labels = adapterLabels(dir);
    if (labels) return labels;
    const out = this.model.config.headModules.at(-1);
    const w = out ? a.weights.get(`${out}.weight`) : undefined;
    const n = (w?.shape[1] as number | undefined) ?? this.model.config.labels.length;
    return Array.from({ length: n }, (_, i) => this.model.config.labels[i] ?? `LABEL_${i}`);
  }

  dispose(): void {
    this.bank?.dispose();
    for (const key of [...this.adapters.keys()]) this.unload(key);
    this.model.dispose();
  }
}

/** Base models by name ("default" or a folder); a few at most, the least recently used disposed first. */
export class LoadedModels {
  readonly #models = new Map<string, LoadedModel>();
  constructor(private readonly capacity = 2) {}

  get(name: string): LoadedModel {
    const hit = this.#models.get(name);
    if (hit) {
      this.#models.delete(name);
      this.#models.set(name, hit);
      return hit;
    }
    const dir = resolveModelDir(name);
    const own = loadModel(dir);
    if (own.config.inputKind !== 'text') {
      own.dispose();
      throw new UserError(`${name}: the API serves text models; this one takes images`);
    }
    // Adapters bring their own heads (modules_to_save); a base without one is loaded as a classifier so the
    // graph has the head's modules for the adapters' copies to replace.
    const baseClassifies = isClassifier(own.config.task);
    let model = own;
    if (!baseClassifies) {
      own.dispose();
      model = loadModel(dir, { task: 'sequence-classification', labels: ['LABEL_0', 'LABEL_1'] });
    }
    // Adapters find their target modules through a traced forward pass, cached per model: trace it now, so the
    // first adapter's hot load does not pay for it.
    traceModules(model);
    const entry = new LoadedModel(name, model, loadTokenizer(dir), baseClassifies, { bank: useBank() });
    while (this.#models.size >= this.capacity) {
      const [oldest, m] = this.#models.entries().next().value as [string, LoadedModel];
      m.dispose();
      this.#models.delete(oldest);
    }
    this.#models.set(name, entry);
    return entry;
  }

  peek(name: string): LoadedModel | undefined {
    return this.#models.get(name);
  }

  list(): LoadedModel[] {
    return [...this.#models.values()];
  }

  load(name: string, ref: AdapterRef, capacity: number): LoadResult {
    const { loaded, loadMs, hit } = this.get(name).adapter(ref, capacity);
    return {
      key: ref.key,
      method: loaded.instance.method,
      mixable: loaded.instance.rowwise !== undefined,
      loadMs,
      alreadyLoaded: hit,
    };
  }
}
