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
 * A bucket that fewer of the run's batches than this are expected to use joins the next larger one. Its capture
 * costs three op-by-op steps (a plain step and two recordings), each several replays' time, and its own GPU programs
 * compiled; padding those few batches further costs at most one replay each. On moby-questions (batch 16, max
 * length 128) the 32 bucket was used by 3 of 390 steps: its capture was built and never replayed.
 */
const RARE_BATCHES = 8;

/**
 * What a bucket's own capture costs: its shape's first step, two recorded steps and the capture's build, about
 * 0.35-0.55 s each on an H100 for the default model (whose first shape also compiles the run's programs).
 */
const CAPTURE_SECONDS = 0.5;

/**
 * The training step's throughput assumed when weighing a bucket's padding against its capture: about half of the
 * ~22 TFLOP/s that tf.js's WebGPU products reached on an H100/H200 (test/bench/RESULTS.md). A slower GPU pads
 * more slowly than this, so there a bucket left out may have been worth keeping; on the GPUs measured a small
 * model's step is bound by its kernel count, not its tokens, and padding costs even less than this says.
 */
const ASSUMED_FLOPS = 10e12;

/** What a run will pad: its training rows' token lengths, rows per batch and batches in the whole run. */
export interface BatchPlan {
  lengths: readonly number[];
  rows: number;
  batches: number;
  /** The training step's floating-point operations per token (absent: only rare buckets are left out). */
  flopsPerToken?: number;
}

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
  /**
   * Rows a shorter batch (an epoch's last) is padded to with masked rows, so that it replays the full batches'
   * capture instead of needing its own; absent: batches keep their rows.
   */
  readonly rows?: number;
  /**
   * An evaluation batch's padded length: its training bucket, not counted as a training batch. Evaluation runs op
   * by op, but tf.js compiles a GPU program per shape class (a product whose sides are multiples of its tile
   * compiles other code than one whose are not), so batches padded to each longest row (37, 53, ... tokens)
   * compiled programs of their own in every run; padded to the training buckets they reuse the steps' programs.
   */
  evalPadTo(longest: number): number;
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

/**
 * The buckets a run uses: lengthBuckets(maxLength) less the rare ones (RARE_BATCHES) and those whose batches would
 * cost less padded to the next bucket than their own capture (CAPTURE_SECONDS), judged from the training rows'
 * lengths. The default model on moby-questions keeps only 128: its 64 bucket (346 of 390 batches) would save
 * about 0.46 s of padding at the assumed throughput (measured on an H100: 0.1-0.2 s), its capture costs ~0.5 s.
 * A batch of r rows drawn from rows of which a share F(L) have at most L tokens has its longest row within L with
 * probability about F(L)^r, so about batches x (F(b)^r - F(b')^r) batches land in bucket b (b' the bucket kept
 * below it). No plan: every bucket.
 */
export function plannedBuckets(maxLength: number, plan?: BatchPlan): number[] {
  const all = lengthBuckets(maxLength);
  if (!plan || plan.lengths.length === 0 || plan.batches <= 0) return all;
  const sorted = [...plan.lengths].sort((a, b) => a - b);
  const rows = Math.max(1, Math.min(plan.rows, sorted.length));
  const within = (len: number): number => {
    let n = 0;
    while (n < sorted.length && (sorted[n] as number) <= len) n++;
    return (n / sorted.length) ** rows;
  };
  const kept: number[] = [];
  let below = 0;
  all.slice(0, -1).forEach((b, i) => {
    const p = within(b);
    const batches = plan.batches * (p - below);
    // What padding those batches to the next bucket instead would cost, at the assumed throughput.
    const next = all[i + 1] as number;
    const padding = (batches * rows * (next - b) * (plan.flopsPerToken ?? Infinity)) / ASSUMED_FLOPS;
    if (batches < RARE_BATCHES || padding < CAPTURE_SECONDS) return;
    kept.push(b);
    below = p;
  });
  return [...kept, maxLength];
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
  plan?: BatchPlan,
): TrainPadding | undefined {
  if (fixedLength !== undefined) return fixedPadding(fixedLength);
  if (!webgpu) return undefined;
  const rows = plan && plan.rows > 1 ? { rows: plan.rows } : {};
  if (!lengthBucketsEnabled(env)) return { ...fixedPadding(maxLength), ...rows };
  // STUDIO_LENGTH_BUCKETS=all keeps every bucket, however few batches use it (tests of the buckets on tiny models).
  let buckets =
    env.STUDIO_LENGTH_BUCKETS === 'all' ? lengthBuckets(maxLength) : plannedBuckets(maxLength, plan);
  const bucketFor = (longest: number): number =>
    buckets.find((b) => b >= longest) ?? Math.max(longest, maxLength);
  const used = new Map<number, number>();
  return {
    ...rows,
    padTo: (longest) => {
      const len = bucketFor(longest);
      used.set(len, (used.get(len) ?? 0) + 1);
      return len;
    },
    evalPadTo: bucketFor,
    describe: () => {
      if (used.size < 2) return null;
      const counts = [...used].sort((a, b) => a[0] - b[0]).map(([len, n]) => `${len} (${n})`);
      return `batches padded to length buckets ${counts.join(', ')} (of maxLength ${maxLength})`;
    },
    oneLength: () => {
      buckets = [maxLength];
    },
  };
}

function fixedPadding(length: number): TrainPadding {
  const padTo = (longest: number): number => Math.max(longest, length);
  return { padTo, evalPadTo: padTo, describe: () => null, oneLength: () => {} };
}
