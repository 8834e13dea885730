/**
 * How training batches are padded on webgpu. A captured GPU step (gpu-steps.ts) replays only batches of the shape
 * it recorded, so batches cannot each be padded to their own longest row as on the cpu: they are padded to the
 * smallest of a few geometric length buckets (16, 32, 64, ... capped at the max length) that holds their longest
 * row, one capture per bucket. Rows average far fewer tokens than the max length (moby-questions: 24 of 128), so
 * this computes a fraction of the tokens that padding everything to the max length did. Padding is masked: a
 * batch's loss is the same, up to float rounding, whatever length it is padded to.
 */

/** The smallest bucket: shorter batches are few tokens anyway, and each bucket costs a capture. */
const FIRST_BUCKET = 16;

/**
 * Shapes holding a capture or a recording in progress at once (gpu-steps.ts): each holds its own activations on
 * the GPU. Four length buckets (max length 128) plus an epoch's last batch fit; beyond, the least recently used is
 * dropped.
 */
export const MAX_CAPTURES = 5;

/** The lengths whose captures can be held at once: the largest buckets, and the max length again (an epoch's end). */
export function capturedLengths(maxLength: number): number[] {
  return [...lengthBuckets(maxLength), maxLength].sort((a, b) => b - a).slice(0, MAX_CAPTURES);
}

export interface TrainPadding {
  /** The padded length of a batch whose longest row has `longest` tokens. */
  padTo(longest: number): number;
  /** The run log's line on the buckets the batches so far used (null when they all had one length). */
  describe(): string | null;
  /** Pads every batch to the max length from now on (the buckets' captures would not fit the GPU's memory). */
  oneLength(): void;
}

/** Lengths 16, 32, 64, ... below `maxLength`, then `maxLength` itself. */
export function lengthBuckets(maxLength: number): number[] {
  const out: number[] = [];
  for (let b = FIRST_BUCKET; b < maxLength; b *= 2) out.push(b);
  out.push(maxLength);
  return out;
}

/** STUDIO_LENGTH_BUCKETS=0 pads every webgpu batch to the max length (one shape), to time both ways. */
export const lengthBucketsEnabled = (env: NodeJS.ProcessEnv = process.env): boolean =>
  env.STUDIO_LENGTH_BUCKETS !== '0';

/**
 * The training batches' padding: `fixedLength` when given; on webgpu the length buckets (or the max length alone
 * when turned off); elsewhere none (undefined: each batch is padded to its longest row).
 */
export function trainPadding(
  fixedLength: number | undefined,
  maxLength: number,
  webgpu: boolean,
  env: NodeJS.ProcessEnv = process.env,
): TrainPadding | undefined {
  if (fixedLength !== undefined) return fixedPadding(fixedLength);
  if (!webgpu) return undefined;
  if (!lengthBucketsEnabled(env)) return fixedPadding(maxLength);
  let buckets = lengthBuckets(maxLength);
  const used = new Set<number>();
  return {
    padTo: (longest) => {
      const len = buckets.find((b) => b >= longest) ?? Math.max(longest, maxLength);
      used.add(len);
      return len;
    },
    describe: () =>
      used.size > 1
        ? `batches padded to length buckets ${[...used].sort((a, b) => a - b).join(', ')} (of maxLength ${maxLength})`
        : null,
    oneLength: () => {
      buckets = [maxLength];
    },
  };
}

/**
 * An evaluation batch's padded length on webgpu: its length bucket (the max length with buckets off). Evaluation
 * runs op by op, but tf.js compiles a GPU program per shape class (a product whose sides are multiples of its tile
 * compiles other code than one whose are not), so batches padded to each longest row (37, 53, ... tokens) compiled
 * programs of their own in every run; padded to the training buckets they reuse the training steps' programs.
 */
export function evalPadTo(
  maxLength: number,
  env: NodeJS.ProcessEnv = process.env,
): (longest: number) => number {
  const buckets = lengthBucketsEnabled(env) ? lengthBuckets(maxLength) : [maxLength];
  return (longest) => buckets.find((b) => b >= longest) ?? longest;
}

function fixedPadding(length: number): TrainPadding {
  return { padTo: (longest) => Math.max(longest, length), describe: () => null, oneLength: () => {} };
}
