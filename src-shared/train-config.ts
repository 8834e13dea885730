/**
 * The `train` config (shared/docs/CLI.md): one schema for the CLI file, the New-run form and "show as CLI config".
 * Anything omitted takes the default given here.
 */
import { z } from 'zod';
import { methodSchema } from './methods.ts';

export type { MethodConfig, MethodConfigInput, MethodType } from './methods.ts';

/** Fraction of the dataset held out for validation when no `dataset.validation` file is given. */
export const DEFAULT_VALIDATION_FRACTION = 0.2;

const validationFraction = z
  .number()
  .gt(0)
  .max(0.9)
  .optional()
  .describe(
    `Fraction of the dataset held out for validation when no validation file is given: a stratified split drawn with train.seed (default ${DEFAULT_VALIDATION_FRACTION}).`,
  );

export const datasetSpecSchema = z.union([
  z.object({ sample: z.string().min(1), validationFraction }).strict(),
  z
    .object({
      path: z.string().min(1),
      text: z.string().min(1).optional(),
      label: z.string().min(1).optional(),
      textPair: z.string().min(1).optional(),
      image: z
        .string()
        .min(1)
        .optional()
        .describe(
          'A table column of image paths (relative to the table): an image dataset labelled by the label column, e.g. a caption or a concept',
        ),
      validation: z
        .string()
        .min(1)
        .optional()
        .describe(
          'A separate validation file (same columns as the dataset); replaces the held-out fraction.',
        ),
      validationFraction,
    })
    .strict(),
]);
export type DatasetSpec = z.output<typeof datasetSpecSchema>;

/** The validation fraction a dataset spec asks for (the default when it names none). */
export function validationFractionOf(spec: DatasetSpec): number {
  return spec.validationFraction ?? DEFAULT_VALIDATION_FRACTION;
}

/** Validation examples an evaluation uses when `train.maxEvalExamples` is not given. */
export const DEFAULT_MAX_EVAL_EXAMPLES = 2000;

/**
 * At most `maxEvalExamples` (default DEFAULT_MAX_EVAL_EXAMPLES; 0: all) of a validation split, evenly spaced so a
 * stratified split keeps its label mix: a 200k-row dataset's 40k validation rows would make every evaluation as
 * long as an epoch. Shared so that an Accelerate export evaluates exactly the examples the studio does.
 */
export function capValidation<T>(validation: T[], o: { maxEvalExamples?: number | undefined }): T[] {
  const cap = o.maxEvalExamples ?? DEFAULT_MAX_EVAL_EXAMPLES;
  if (cap === 0 || validation.length <= cap) return validation;
  return Array.from({ length: cap }, (_, i) => validation[Math.floor((i * validation.length) / cap)] as T);
}

export const trainOptionsSchema = z
  .object({
    epochs: z.number().positive().default(3),
    batchSize: z.number().int().positive().default(16),
    /**
     * Rows per evaluation batch (default: batchSize). Evaluation keeps no gradients, so a larger one often fits and
     * runs each evaluation in fewer, bigger passes; on a GPU its activations must fit beside the model's.
     */
    evalBatchSize: z.number().int().positive().optional(),
    lr: z.number().positive().default(1e-3),
    maxLength: z.number().int().positive().default(128),
    seed: z.number().int().min(0).default(0),
    warmupRatio: z.number().min(0).max(1).default(0.06),
    schedule: z.enum(['linear', 'cosine', 'constant']).default('linear'),
    gradClip: z.number().positive().default(1),
    gradAccumulation: z.number().int().positive().default(1),
    /** Evaluate every N optimizer steps (0: only at each epoch end). */
    evalEvery: z.number().int().min(0).default(0),
    /** Also evaluate at these fractions of the run's steps (a sweep's successive-halving rungs). */
    evalAt: z.array(z.number().gt(0).lt(1)).max(10).optional(),
    earlyStopping: z
      .object({ metric: z.string().min(1), patience: z.number().int().positive() })
      .strict()
      .optional(),
    weightDecay: z.number().min(0).default(0.01),
    /** Dropout inside the base model while training (off gives exact, deterministic steps). */
    dropout: z.boolean().default(true),
    /**
     * 'mixed': every matrix product's operands in f16 with f32 sums (the GPU's matrix units where it has them),
     * with a dynamic loss scale; weights, optimizer state and other ops stay f32 (unset: 'fp32'). Needs a WebGPU adapter with
     * shader-f16; elsewhere the run trains in fp32 and its log says why (docs/MIXED-PRECISION.md).
     */
    precision: z.enum(['fp32', 'mixed']).optional(),
    /**
     * Train on this fraction of the training split: a seeded, stratified subset, the validation split unchanged
     * (learning curves, the method shoot-out).
     */
    trainFraction: z.number().gt(0).max(1).optional(),
    /** Cap on training steps (smoke tests, previews). */
    maxSteps: z.number().int().positive().optional(),
    /**
     * Validation examples each evaluation uses at most (an evenly spaced, seed-independent subset of the split);
     * 0 means all. Default: DEFAULT_MAX_EVAL_EXAMPLES.
     */
    maxEvalExamples: z.number().int().min(0).optional(),
  })
  .strict();
export type TrainOptions = z.output<typeof trainOptionsSchema>;

/** Reference examples scored when `maxExamples` is not given: enough for a stable mean, quick on a CPU. */
export const DEFAULT_FORGETTING_EXAMPLES = 200;

/** The optional reference set of a run (src-shared/forgetting.ts has the report it produces). */
export const forgettingSpecSchema = z
  .object({
    reference: datasetSpecSchema.describe(
      "The reference set: a text corpus (.txt, or the moby-dick sample) for the base model's language-model loss and perplexity, or a labelled dataset (an earlier task, any dataset of the project) for agreement with the base model's predictions too.",
    ),
    maxExamples: z
      .number()
      .int()
      .positive()
      .max(5000)
      .optional()
      .describe(
        `Reference examples scored at most, evenly spaced over the set (default ${DEFAULT_FORGETTING_EXAMPLES}).`,
      ),
  })
  .strict();
export type ForgettingSpec = z.output<typeof forgettingSpecSchema>;

export const trainConfigSchema = z
  .object({
    project: z.string().min(1),
    model: z.string().min(1),
    name: z.string().min(1).optional(),
    dataset: datasetSpecSchema,
    method: methodSchema,
    train: trainOptionsSchema.default(trainOptionsSchema.parse({})),
    forgetting: forgettingSpecSchema
      .optional()
      .describe(
        'Scores a reference set with the base model before training and after it: how much the run changed what the base model knew.',
      ),
  })
  .strict();
export type TrainConfig = z.output<typeof trainConfigSchema>;
export type TrainConfigInput = z.input<typeof trainConfigSchema>;

export const continualConfigSchema = trainConfigSchema
  // A continual run measures forgetting with its own retention matrix.
  .omit({ dataset: true, forgetting: true })
  .extend({
    tasks: z.array(z.object({ name: z.string().min(1), dataset: datasetSpecSchema }).strict()).min(2),
  })
  .strict();
export type ContinualConfig = z.output<typeof continualConfigSchema>;
