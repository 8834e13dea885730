/**
 * A block tree as forward hooks (AdapterHub's composition semantics, written for our hook points so every block
 * works on every text architecture):
 * - stack: each child's hooks run on what the previous child produced (MAD-X: a language adapter under a task
 *   adapter); the last child with a head answers;
 * - average: every child sees the same input, and the block returns the weighted mean of their outputs at each hook
 *   point (weights normalised to sum to 1, as AdapterHub's Average);
 * - batch-split: rows of the batch go to different children (`sizes` rows each, in order);
 * - parallel: a batch-split of the batch repeated once per child (the caller repeats it: `parallelInputs`), so every
 *   adapter answers every input in one forward pass.
 */
import * as tf from '@tensorflow/tfjs-core';
import { averageWeights } from '../../../src-shared/compose.ts';
import type { ComposeBlock } from '../../../src-shared/compose.ts';
import { UserError } from '../../errors.ts';
import { composeHooks } from '../../models/base/hooks.ts';
import type { ForwardHooks } from '../../models/base/hooks.ts';

/** Hooks that change the sequence (prompt, prefix tuning) cannot be mixed row by row or averaged. */
function refuseSequenceHooks(block: string, hooks: readonly ForwardHooks[]): void {
  if (hooks.some((h) => h.embeddings || h.attentionKV))
    throw new UserError(
      `${block}: prompt and prefix tuning add positions to the sequence; use them in a stack, not in ${block}`,
    );
}

/** Row ranges of `sizes` parts of a tensor whose first axis holds sum(sizes) examples (times a fixed factor). */
function splitRows<T extends tf.Tensor>(x: T, sizes: readonly number[]): T[] {
  const total = sizes.reduce((a, b) => a + b, 0);
  const rows = x.shape[0] as number;
  if (rows % total !== 0)
    throw new UserError(`batch-split: the batch does not split into ${sizes.join(' + ')} examples`);
  const per = rows / total;
  return tf.split(
    x,
    sizes.map((s) => s * per),
    0,
  ) as T[];
}

/** Concatenates parts along rows; parts narrower than the widest (heads with fewer labels) are padded with 0. */
function joinRows<T extends tf.Tensor>(parts: T[]): T {
  const last = (t: tf.Tensor) => t.shape[t.rank - 1] as number;
  const width = Math.max(...parts.map(last));
  const padded = parts.map((p) =>
    last(p) === width
      ? p
      : tf.pad(
          p,
          p.shape.map((_, i) => (i === p.rank - 1 ? [0, width - last(p)] : [0, 0])) as [number, number][],
        ),
  );
  return tf.concat(padded, 0) as T;
}

/** Each child on its own rows of the batch. */
export function splitHooks(children: readonly ForwardHooks[], sizes: readonly number[]): ForwardHooks {
  refuseSequenceHooks('batch-split', children);
  const each = <T extends tf.Tensor>(parts: T[], f: (h: ForwardHooks, x: T, i: number) => T): T =>
    joinRows(parts.map((x, i) => f(children[i] as ForwardHooks, x, i)));
  return {
    linear: (name, x, base, info) =>
      each(splitRows(x, sizes), (h, xi) => (h.linear ? h.linear(name, xi, base, info) : base(xi))),
    conv2d: (name, x, base, info) =>
      each(splitRows(x, sizes), (h, xi) => (h.conv2d ? h.conv2d(name, xi, base, info) : base(xi))),
    sublayerOutput: (layer, kind, out, input) => {
      const ins = splitRows(input, sizes);
      return each(splitRows(out, sizes), (h, oi, i) =>
        h.sublayerOutput ? h.sublayerOutput(layer, kind, oi, ins[i] as tf.Tensor2D) : oi,
      );
    },
    block: (stage, index, out, input) => {
      const ins = splitRows(input, sizes);
      return each(splitRows(out, sizes), (h, oi, i) =>
        h.block ? h.block(stage, index, oi, ins[i] as tf.Tensor4D) : oi,
      );
    },
  };
}

/** The weighted mean of the children's outputs at every hook point. */
export function averageHooks(children: readonly ForwardHooks[], weights: readonly number[]): ForwardHooks {
  refuseSequenceHooks('average', children);
  const mean = <T extends tf.Tensor>(outs: T[]): T =>
    tf.addN(outs.map((o, i) => o.mul(weights[i] as number))) as T;
  return {
    linear: (name, x, base, info) =>
      mean(children.map((h) => (h.linear ? h.linear(name, x, base, info) : base(x)))),
    conv2d: (name, x, base, info) =>
      mean(children.map((h) => (h.conv2d ? h.conv2d(name, x, base, info) : base(x)))),
    sublayerOutput: (layer, kind, out, input) =>
      mean(children.map((h) => (h.sublayerOutput ? h.sublayerOutput(layer, kind, out, input) : out))),
    block: (stage, index, out, input) =>
      mean(children.map((h) => (h.block ? h.block(stage, index, out, input) : out))),
  };
}

/**
 * Hooks of a tree. `leaf(i)` gives source i's hooks; `averaged(block)` gives the hooks of an adapter whose weights
 * are the block's weighted mean (average of weights), built by the caller, which owns the tensors.
 */
export function blockHooks(
  b: ComposeBlock,
  leaf: (source: number) => ForwardHooks,
  averaged: (b: Extract<ComposeBlock, { block: 'average' }>) => ForwardHooks,
): ForwardHooks {
  const kids = () => (b.block === 'adapter' ? [] : b.children.map((c) => blockHooks(c, leaf, averaged)));
  switch (b.block) {
    case 'adapter':
      return leaf(b.source);
    case 'stack':
      return composeHooks(kids());
    case 'average':
      return b.mode === 'weights' ? averaged(b) : averageHooks(kids(), averageWeights(b));
    case 'batch-split':
      return splitHooks(kids(), b.sizes);
    case 'parallel':
      return splitHooks(
        kids(),
        b.children.map(() => 1),
      );
  }
}

/** Inputs repeated once per parallel child (row blocks in child order), for a tree with `parallel` at its root. */
export function repeatInputs<T extends Record<string, tf.Tensor | number | undefined>>(
  inputs: T,
  times: number,
): T {
  if (times === 1) return inputs;
  const out: Record<string, tf.Tensor | number | undefined> = {};
  // Plain numbers (a video's frames per clip) describe every repetition alike.
  for (const [k, t] of Object.entries(inputs))
    out[k] =
      typeof t === 'number'
        ? t
        : t &&
          tf.concat(
            Array.from({ length: times }, () => t),
            0,
          );
  return out as T;
}
