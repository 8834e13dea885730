/**
 * A model's weights as tf.Variables under their Hugging Face names. Linear weights are kept as [in, out] (torch
 * stores [out, in]) so every projection is a plain 2-D matmul, the fast path on wasm; convolution filters are kept
 * in tf's [kh, kw, in, out]. `toRaw` converts back, so saved files are byte-compatible with transformers.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { RawTensor } from '../../engine/safetensors/index.ts';
import { ModelLoadError } from './errors.ts';
import { seedOf } from './new-head.ts';

/** How a stored tensor maps onto its tf layout. */
export type ParamLayout = 'plain' | 'linear' | 'conv2d';

export interface ParamSpec {
  name: string;
  layout: ParamLayout;
  /** Other spellings the file may use (e.g. transformers 5's in-memory names). */
  aliases?: string[];
  /** Shape in the file's (torch) layout; checked on load. */
  shape?: number[];
  /** A weight tied to another (GPT-2's lm_head): not loaded, not counted, never saved. */
  tiedTo?: string;
}

/** A row-major [rows, cols] matrix's transpose, [cols, rows]: a copy, so every value is exactly the stored one. */
function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) {
    const row = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[row + c] as number;
  }
  return out;
}

function toTf(raw: RawTensor, layout: ParamLayout): tf.Tensor {
  const [rows, cols] = raw.shape;
  // The pure-JS cpu backend (pre-flight's shape checks) transposes by working out each element's index through
  // strides: this plain loop is several times faster there. Other backends transpose on their device.
  if (
    layout === 'linear' &&
    raw.data instanceof Float32Array &&
    rows !== undefined &&
    cols !== undefined &&
    raw.shape.length === 2 &&
    tf.getBackend() === 'cpu'
  )
    return tf.tensor2d(transpose2d(raw.data, rows, cols), [cols, rows], 'float32');
  return tf.tidy(() => {
    const t = tf.tensor(raw.data, raw.shape, 'float32');
    if (layout === 'linear') return t.transpose([1, 0]);
    if (layout === 'conv2d') return t.transpose([2, 3, 1, 0]);
    return t;
  });
}

function fromTf(t: tf.Tensor, layout: ParamLayout): tf.Tensor {
  return tf.tidy(() =>
    layout === 'linear' ? t.transpose([1, 0]) : layout === 'conv2d' ? t.transpose([3, 2, 0, 1]) : t.clone(),
  );
}

export class ParamStore {
  readonly #vars = new Map<string, tf.Variable>();
  readonly #layout = new Map<string, ParamLayout>();
  /** Names in the file that no part of the model uses (reported, not fatal). */
  readonly unexpected: string[] = [];

  static #instances = 0;
  /** While set (ParamStore.withNewHead), missing weights it accepts start fresh instead of failing the load. */
  static #acceptNew: ((name: string) => boolean) | null = null;
  /** Weights that started fresh because the file lacked them (a new task head). */
  readonly fresh: string[] = [];

  /** Runs `load` allowing the weights `accept` names to be missing: they start as a new head (new-head.ts). */
  static withNewHead<T>(accept: (name: string) => boolean, load: () => T): T {
    ParamStore.#acceptNew = accept;
    try {
      return load();
    } finally {
      ParamStore.#acceptNew = null;
    }
  }

  /**
   * Builds the store from a file's tensors. tf.js keeps one global registry of variable names, so each store
   * prefixes its own (two models with a `classifier.weight` may be loaded at once).
   */
  static load(file: string, raw: ReadonlyMap<string, RawTensor>, specs: readonly ParamSpec[]): ParamStore {
    const prefix = `model${++ParamStore.#instances}/`;
    const store = new ParamStore();
    const used = new Set<string>();
    const missing: string[] = [];
    const badShape: string[] = [];
    for (const spec of specs) {
      if (spec.tiedTo) continue;
      const found = [spec.name, ...(spec.aliases ?? [])].find((n) => raw.has(n));
      if (!found && spec.shape && ParamStore.#acceptNew?.(spec.name)) {
        // transformers' init for a new head: N(0, 0.02) weights, zero biases.
        const shape = spec.shape;
        const value = tf.tidy(() => {
          const t = spec.name.endsWith('.bias')
            ? tf.zeros(shape)
            : tf.randomNormal(shape, 0, 0.02, 'float32', seedOf(spec.name));
          return spec.layout === 'linear' ? t.transpose([1, 0]) : t;
        });
        store.#vars.set(spec.name, tf.variable(value, false, `${prefix}${spec.name}`));
        value.dispose();
        store.#layout.set(spec.name, spec.layout);
        store.fresh.push(spec.name);
        continue;
      }
      if (!found) {
        missing.push(spec.name);
        continue;
      }
      used.add(found);
      const r = raw.get(found) as RawTensor;
      if (
        spec.shape &&
        (r.shape.length !== spec.shape.length || r.shape.some((d, i) => d !== spec.shape?.[i]))
      ) {
        badShape.push(`${found} is [${r.shape.join(', ')}], expected [${spec.shape.join(', ')}]`);
        continue;
      }
      const value = toTf(r, spec.layout);
      store.#vars.set(spec.name, tf.variable(value, false, `${prefix}${spec.name}`));
      value.dispose();
      store.#layout.set(spec.name, spec.layout);
    }
    if (missing.length || badShape.length) {
      store.dispose();
      const parts = [
        ...(missing.length
          ? [
              `missing weights: ${missing.slice(0, 8).join(', ')}${missing.length > 8 ? ` and ${missing.length - 8} more` : ''}`,
            ]
          : []),
        ...(badShape.length ? [`wrong shapes: ${badShape.slice(0, 4).join('; ')}`] : []),
      ];
      throw new ModelLoadError(`${file}: ${parts.join('; ')}`);
    }
    for (const name of raw.keys()) {
      if (!used.has(name) && !name.endsWith('num_batches_tracked')) store.unexpected.push(name);
    }
    return store;
  }

  /**
   * A store whose weights `make` creates (in tf's layout, on the active backend) instead of reading a file: the
   * GPU benches build billion-parameter bases this way, with no multi-gigabyte file written and read back.
   */
  static generated(
    specs: readonly ParamSpec[],
    make: (spec: ParamSpec, tfShape: number[]) => tf.Tensor,
  ): ParamStore {
    const prefix = `model${++ParamStore.#instances}/`;
    const store = new ParamStore();
    for (const spec of specs) {
      if (spec.tiedTo || !spec.shape) continue;
      const s = spec.shape;
      const tfShape =
        spec.layout === 'linear'
          ? [s[1] ?? 1, s[0] ?? 1]
          : spec.layout === 'conv2d'
            ? [s[2] ?? 1, s[3] ?? 1, s[1] ?? 1, s[0] ?? 1]
            : [...s];
      const value = make(spec, tfShape);
      store.#vars.set(spec.name, tf.variable(value, false, `${prefix}${spec.name}`));
      value.dispose();
      store.#layout.set(spec.name, spec.layout);
    }
    return store;
  }

  get(name: string): tf.Variable {
    const v = this.#vars.get(name);
    if (!v) throw new Error(`no weight named ${name}`);
    return v;
  }

  /** Replaces a weight with a copy of `value` (a new task head of another width, for full fine-tuning). */
  replace(name: string, value: tf.Tensor): void {
    const old = this.#vars.get(name);
    const prefix = old?.name.slice(0, old.name.length - name.length) ?? 'replaced/';
    old?.dispose();
    const copy = value.clone();
    this.#vars.set(
      name,
      tf.variable(copy, old?.trainable ?? false, `${prefix}${name}#${++ParamStore.#instances}`),
    );
    copy.dispose();
  }

  has(name: string): boolean {
    return this.#vars.has(name);
  }

  layout(name: string): ParamLayout {
    return this.#layout.get(name) ?? 'plain';
  }

  names(): string[] {
    return [...this.#vars.keys()];
  }

  entries(): IterableIterator<[string, tf.Variable]> {
    return this.#vars.entries();
  }

  /** Total number of scalars (tied weights count once). */
  count(): number {
    let n = 0;
    for (const v of this.#vars.values()) n += v.size;
    return n;
  }

  /** Marks which weights receive gradients; everything else stays bit-identical while training. */
  setTrainable(predicate: (name: string) => boolean): void {
    for (const [name, v] of this.#vars) v.trainable = predicate(name);
  }

  /** The weights in the file's (torch) layout, for saving a merged or fully fine-tuned model. */
  async toRaw(): Promise<Map<string, RawTensor>> {
    const out = new Map<string, RawTensor>();
    for (const [name, v] of this.#vars) {
      const t = fromTf(v, this.layout(name));
      out.set(name, { dtype: 'float32', shape: t.shape, data: (await t.data()) as Float32Array });
      t.dispose();
    }
    return out;
  }

  dispose(): void {
    for (const v of this.#vars.values()) v.dispose();
    this.#vars.clear();
  }
}
