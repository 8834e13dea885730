import type * as tf from '@tensorflow/tfjs-core';
import type { MethodConfigOf, MethodType } from '../../../src-shared/methods.ts';
import type { ForwardHooks } from '../../models/base/hooks.ts';
import type { ForwardOptions, Model, ModelInputs } from '../../models/base/types.ts';
import type { PeftCodec } from '../peft/codec.ts';
import type { RowwiseParts } from './rowwise.ts';

/**
 * One adapter attached to one model (after PEFT's tuner layer): its weights, the hooks that apply them, and
 * merge/unmerge where the method allows it. The base model's weights are never trained through an adapter.
 */
export interface AdapterInstance {
  readonly method: MethodType;
  readonly hooks: ForwardHooks;
  /** Every weight this adapter trains, by its save name (task head included). */
  readonly weights: ReadonlyMap<string, tf.Variable>;
  /** Weights of the base model that train too (only `full`). */
  readonly baseTrainable: readonly string[];
  readonly merged: boolean;
  /** IA3 only: modules whose input (not output) is scaled, for PEFT's [1, in] vector shape. */
  readonly feedforwardModules?: ReadonlySet<string>;
  /**
   * Its tensors for a mixed-adapter batch (serving/), when the method can share a forward pass with other
   * adapters row by row; absent: it is served in a batch of its own.
   */
  readonly rowwise?: RowwiseParts;
  /** Folds the adapter into the base weights (zero added latency); refuses NaN/Inf; refuses a second merge. */
  merge?(): Promise<void>;
  /** What to save when it differs from `weights` (prefix tuning saves prefixes, not its training MLP). */
  exportWeights?(): Promise<Map<string, tf.Tensor>>;
  unmerge?(): void;
  /**
   * The config to record when the instance knows more than the config it was made from: a composition records
   * its sources' configs (not the folders it read them from), so the saved folder stands alone.
   */
  savedConfig?(config: Record<string, unknown>): Record<string, unknown>;
  /**
   * The logits [rows, labels] for an adapter that runs the model more than once (a router: the base for its pick,
   * then the adapters); absent: `model.forward(inputs, { hooks })` is its answer. Asynchronous: a hard router
   * reads its picks back before running them, and on a GPU backend only an asynchronous read works.
   */
  forward?(model: Model, inputs: ModelInputs): Promise<tf.Tensor2D>;
  /**
   * The logits the training loop scores, for an adapter trained through more than one pass (a `layers` router: the
   * base for its gates, then the adapters weighed per layer); absent: `model.forward(inputs, { hooks })`.
   */
  readonly trainForward?: (
    model: Model,
    inputs: ModelInputs,
    opts: Omit<ForwardOptions, 'hooks'>,
  ) => tf.Tensor2D;
  dispose(): void;
}

/** One task of a multi-task adapter: its name and its head's labels, in output order. */
export interface TaskLabels {
  name: string;
  labels: string[];
}

export interface CreateOptions {
  /** Classes of the dataset; the head's output layer is re-initialised when it differs from the model's. */
  numLabels?: number;
  /** A multi-task run's tasks (the first is the run's own dataset): a head each. */
  tasks?: readonly TaskLabels[];
}

/**
 * Registered once per method folder (index.ts), as PEFT registers its tuners. The config is the method's
 * parsed `method` block (its schema.ts), `type` included.
 */
export interface AdapterMethod<K extends MethodType = MethodType> {
  type: K;
  /** A fresh adapter with the method's initialisation (identity at start where the method has one). */
  create(model: Model, config: MethodConfigOf<K>, seed: number, opts?: CreateOptions): AdapterInstance;
  /** An adapter from saved weights (our names, as `weights` holds them). */
  fromWeights(
    model: Model,
    config: MethodConfigOf<K>,
    weights: ReadonlyMap<string, tf.Tensor>,
  ): AdapterInstance;
  /** How the method reads and writes PEFT's files, for the methods PEFT has. */
  peft?: PeftCodec<K>;
}

/** Scalars in a set of weights. */
export const countScalars = (weights: Iterable<tf.Variable>): number => {
  let n = 0;
  for (const w of weights) n += w.size;
  return n;
};
