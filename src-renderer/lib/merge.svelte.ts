import type { AdapterEntry } from '../../src-shared/library.ts';
import type { CombinationType, MergeOptions, MergeResult } from '../../src-shared/merge.ts';
import { call } from './api.ts';
import { shownError } from './form-errors.svelte.ts';
import type { ShownError } from './form-errors.svelte.ts';
import { MERGE_TYPES, MERGE_TYPE_NAMES } from './merge-types.ts';

/**
 * The "Merge adapters" form of the Adapters page: which adapters of one base, PEFT's combination type and its
 * options, and the merge's outcome (the new library entry, or the one-line reason it was refused).
 */
export class MergeState {
  #chosen = $state.raw<number[]>([]);
  /** The adapters offered, in the page's order: the chosen ones are merged in this order (weights, head). */
  #offered: number[] = [];
  #weights = $state<Record<number, number>>({});
  type = $state<CombinationType>('linear');
  density = $state(0.5);
  majoritySign = $state<'total' | 'frequency'>('total');
  /** Empty: the largest source rank. */
  svdRank = $state<number | null>(null);
  name = $state('');
  #merging = $state(false);
  /** The refusal, with the option it is about when main named one (shown beside that option). */
  #error = $state.raw<ShownError | null>(null);
  #result = $state.raw<MergeResult | null>(null);

  readonly types = MERGE_TYPE_NAMES;
  get chosen() {
    return this.#chosen;
  }
  get merging() {
    return this.#merging;
  }
  get error() {
    return this.#error;
  }
  get result() {
    return this.#result;
  }
  get help() {
    return MERGE_TYPES[this.type].help;
  }
  get usesDensity() {
    return MERGE_TYPES[this.type].density;
  }
  get usesMajoritySign() {
    return MERGE_TYPES[this.type].sign;
  }
  get usesSvdRank() {
    return MERGE_TYPES[this.type].svd;
  }

  /** Starts over with these adapters chosen (the LoRA ones among them, or the first two). */
  reset(adapters: readonly AdapterEntry[], preferred: readonly number[]): void {
    this.#offered = adapters.map((a) => a.runId);
    const lora = adapters.filter((a) => a.method === 'lora').map((a) => a.runId);
    const pre = preferred.filter((id) => lora.includes(id));
    this.#chosen = pre.length >= 2 ? pre : lora.slice(0, 2);
    this.#weights = {};
    this.#error = null;
    this.#result = null;
  }

  toggle(id: number, on: boolean): void {
    const keep = (x: number) => (x === id ? on : this.#chosen.includes(x));
    this.#chosen = this.#offered.filter(keep);
  }

  weightOf(id: number): number {
    return this.#weights[id] ?? 1;
  }

  setWeight(id: number, w: number): void {
    this.#weights = { ...this.#weights, [id]: w };
  }

  options(): MergeOptions {
    return {
      type: this.type,
      weights: this.#chosen.map((id) => this.weightOf(id)),
      ...(this.usesDensity ? { density: this.density } : {}),
      majoritySign: this.majoritySign,
      ...(this.usesSvdRank && this.svdRank ? { svdRank: this.svdRank } : {}),
      seed: 0,
      head: 0,
    };
  }

  /** Merges into the library; resolves the new entry, or null with `error` set. */
  async merge(project: string): Promise<MergeResult | null> {
    this.#merging = true;
    this.#error = null;
    this.#result = null;
    try {
      const result = await call('adapters:merge', {
        project,
        runIds: this.#chosen,
        options: this.options(),
        ...(this.name.trim() ? { name: this.name.trim() } : {}),
      });
      this.#result = result;
      return result;
    } catch (err) {
      this.#error = shownError(err);
      return null;
    } finally {
      this.#merging = false;
    }
  }
}
