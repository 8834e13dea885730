/**
 * PEFT's add_weighted_adapter on LoRA factors in PEFT's (torch) layout: A [r, in] (conv [r, in, kh, kw]) and
 * B [out, r] (conv [out, r, 1, 1]). The result's rank is the sources' (same-rank types), their sum (`cat`) or
 * `svdRank` (*_svd, default the largest source rank); its alpha equals its rank, as PEFT sets it.
 */
import type { CombinationType } from '../../src-shared/merge.ts';
import { USES_DENSITY, isSvdType, needsSameRank } from '../../src-shared/merge.ts';
import { UserError } from '../errors.ts';
import { quantile, truncatedSvd } from './svd.ts';
import { combine } from './task-arithmetic.ts';
import type { Combine, MaskSource, SignMethod } from './task-arithmetic.ts';

export interface Factors {
  /** torch layout, rank first for A and second for B. */
  a: { shape: number[]; data: Float64Array };
  b: { shape: number[]; data: Float64Array };
}

export interface SourceLora {
  /** For messages: "#3 spam lora" or a folder. */
  name: string;
  r: number;
  /** alpha / r, or alpha / sqrt(r) with rsLoRA: what PEFT calls scaling[adapter]. */
  scaling: number;
  modules: ReadonlyMap<string, Factors>;
}

export interface LoraMergeOptions {
  type: CombinationType;
  weights: readonly number[];
  density?: number | undefined;
  majoritySign: SignMethod;
  svdRank?: number | undefined;
  svdClamp?: number | undefined;
}

export interface MergedLora {
  rank: number;
  modules: Map<string, Factors>;
}

const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** The merged adapter's rank, after PEFT's checks (one line each, naming the adapters). */
export function mergedRank(sources: readonly SourceLora[], o: LoraMergeOptions): number {
  if (sources.length === 0) throw new UserError('choose the LoRA adapters to merge');
  if (o.weights.length !== sources.length)
    throw new UserError(`${sources.length} adapters need ${sources.length} weights, got ${o.weights.length}`);
  if (USES_DENSITY.includes(o.type) && o.density === undefined)
    throw new UserError(`${o.type} needs a density (the share of entries kept, between 0 and 1)`);
  if (o.density !== undefined && (o.density < 0 || o.density > 1))
    throw new UserError(`density must be between 0 and 1, got ${o.density}`);
  if (o.type.startsWith('dare') && o.density === 0)
    throw new UserError(`${o.type} needs a density above 0: DARE divides the kept entries by it`);
  const first = sources[0] as SourceLora;
  if (needsSameRank(o.type)) {
    const other = sources.find((s) => s.r !== first.r);
    if (other)
      throw new UserError(
        `${o.type} needs adapters of the same rank: ${first.name} has r=${first.r}, ${other.name} has r=${other.r} (use cat or svd)`,
      );
    return first.r;
  }
  if (o.type === 'cat') return sources.reduce((n, s) => n + s.r, 0);
  return o.svdRank ?? Math.max(...sources.map((s) => s.r));
}

/** Merges the sources module by module, in `order` (PEFT's module order, which is the order DARE draws masks in). */
export function mergeLoras(
  sources: readonly SourceLora[],
  o: LoraMergeOptions,
  order: readonly string[],
  masks: MaskSource,
): MergedLora {
  // PEFT: one adapter alone can only be rescaled, whatever the type asked for.
  if (sources.length === 1) o = { ...o, type: 'linear' };
  const rank = mergedRank(sources, o);
  const modules = new Map<string, Factors>();
  for (const module of order) {
    const present = sources.flatMap((s, i) => {
      const f = s.modules.get(module);
      return f ? [{ i, s, f }] : [];
    });
    if (!present.length) continue;
    if (o.type === 'cat') modules.set(module, concatenated(present, o.weights, rank));
    else if (isSvdType(o.type)) modules.set(module, refactored(module, present, o, rank, masks));
    else modules.set(module, onFactors(module, present, o, masks));
  }
  return { rank, modules };
}

type Present = { i: number; s: SourceLora; f: Factors }[];

/** `cat`: A_i scaled by w_i·scaling_i stacked along the rank, B_i side by side; zero rows for absent sources. */
function concatenated(present: Present, weights: readonly number[], rank: number): Factors {
  const first = (present[0] as Present[number]).f;
  const inner = numel(first.a.shape) / (first.a.shape[0] as number);
  const out = first.b.shape[0] as number;
  const a = new Float64Array(rank * inner);
  const b = new Float64Array(out * rank);
  let row = 0;
  for (const { i, s, f } of present) {
    const k = (weights[i] as number) * s.scaling;
    for (let x = 0; x < s.r * inner; x++) a[row * inner + x] = (f.a.data[x] as number) * k;
    for (let o = 0; o < out; o++)
      for (let c = 0; c < s.r; c++) b[o * rank + row + c] = f.b.data[o * s.r + c] as number;
    row += s.r;
  }
  return {
    a: { shape: [rank, ...first.a.shape.slice(1)], data: a },
    b: { shape: [out, rank, ...first.b.shape.slice(2)], data: b },
  };
}

/** linear, ties, dare_*, magnitude_prune: A gets sign(w·s)·sqrt|w·s|, B sqrt|w·s|, each side combined apart. */
function onFactors(module: string, present: Present, o: LoraMergeOptions, masks: MaskSource): Factors {
  const ws = present.map(({ i, s }) => (o.weights[i] as number) * s.scaling);
  const wa = ws.map((w) => Math.sqrt(Math.abs(w)) * (w >= 0 ? 1 : -1));
  const wb = ws.map((w) => Math.sqrt(Math.abs(w)));
  const side = (factor: 'A' | 'B', weights: number[]) => {
    const tensors = present.map(({ f }) => (factor === 'A' ? f.a : f.b));
    const shape = (tensors[0] as Factors['a']).shape;
    return {
      shape,
      data: combine(
        o.type as Combine,
        tensors.map((t) => t.data),
        weights,
        {
          density: o.density ?? 1,
          majoritySign: o.majoritySign,
          mask: (k) =>
            masks({ module, factor, source: (present[k] as Present[number]).i, shape }, o.density ?? 1),
        },
      ),
    };
  };
  // A before B: the order PEFT draws DARE's masks in.
  const a = side('A', wa);
  const b = side('B', wb);
  return { a, b };
}

/** B·A·scaling of one source, [out, in]. */
function update(f: Factors, r: number, scaling: number): { rows: number; cols: number; data: Float64Array } {
  if (f.a.shape.length !== 2)
    throw new UserError('svd merges of LoRA on convolutions are not supported; use linear, cat or ties');
  const rows = f.b.shape[0] as number;
  const cols = f.a.shape[1] as number;
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++)
    for (let k = 0; k < r; k++) {
      const bik = (f.b.data[i * r + k] as number) * scaling;
      if (bik === 0) continue;
      for (let j = 0; j < cols; j++)
        data[i * cols + j] = (data[i * cols + j] as number) + bik * (f.a.data[k * cols + j] as number);
    }
  return { rows, cols, data };
}

/**
 * *_svd: the updates B·A·scaling combined with the weights as given (PEFT 0.21 fixed an older double scaling),
 * then factored to `rank` by SVD: B = U·S, A = Vh; `svdClamp` clamps both to that quantile of their values.
 */
function refactored(
  module: string,
  present: Present,
  o: LoraMergeOptions,
  rank: number,
  masks: MaskSource,
): Factors {
  const deltas = present.map(({ s, f }) => update(f, s.r, s.scaling));
  const { rows, cols } = deltas[0] as (typeof deltas)[number];
  if (rank > Math.min(rows, cols))
    throw new UserError(`svdRank ${rank} is larger than ${module} allows (${rows} x ${cols})`);
  const kind = o.type.replace(/_?svd$/, '') || 'linear';
  const merged = combine(
    kind as Combine,
    deltas.map((d) => d.data),
    present.map(({ i }) => o.weights[i] as number),
    {
      density: o.density ?? 1,
      majoritySign: o.majoritySign,
      mask: (k) =>
        masks(
          { module, factor: 'delta', source: (present[k] as Present[number]).i, shape: [rows, cols] },
          o.density ?? 1,
        ),
    },
  );
  const { us, vh } = truncatedSvd({ rows, cols, data: merged }, rank);
  if (o.svdClamp !== undefined) {
    const all = new Float64Array(us.data.length + vh.data.length);
    all.set(us.data);
    all.set(vh.data, us.data.length);
    const hi = quantile(all, o.svdClamp);
    const clamp = (x: number) => Math.min(Math.max(x, -hi), hi);
    us.data = us.data.map(clamp);
    vh.data = vh.data.map(clamp);
  }
  return { a: { shape: [rank, cols], data: vh.data }, b: { shape: [rows, rank], data: us.data } };
}
