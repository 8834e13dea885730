/**
 * Sweeps (issue #19): a grid or random search over options of a method and of training, run as a queue of ordinary
 * runs, with successive halving stopping poor trials early. One schema for the CLI file and the Experiments page.
 */
import { z } from 'zod';
import type { RunStatus } from './domain.ts';
import { trainConfigSchema } from './train-config.ts';

/** The options a sweep may vary: a method's own fields (`method.r`, `method.alpha`, …) and these of training. */
export const SWEEPABLE_TRAIN_OPTIONS = [
  'lr',
  'epochs',
  'batchSize',
  'seed',
  'warmupRatio',
  'weightDecay',
  'gradAccumulation',
  'schedule',
] as const;

const value = z.union([z.number(), z.string(), z.boolean()]);
const range = z
  .object({
    min: z.number(),
    max: z.number(),
    /** Drawn log-uniformly (learning rates): both ends must be positive. */
    log: z.boolean().default(false),
    /** Rounded to a whole number (ranks, epochs). */
    int: z.boolean().default(false),
  })
  .strict()
  .refine((r) => r.max >= r.min, 'a range needs max >= min')
  .refine((r) => !r.log || r.min > 0, 'a log range needs min > 0');

const OPTION = new RegExp(`^(method\\.[A-Za-z][A-Za-z0-9]*|train\\.(${SWEEPABLE_TRAIN_OPTIONS.join('|')}))$`);

export const sweepSpaceSchema = z
  .record(z.string(), z.union([z.array(value).min(1, 'give at least one value'), range]))
  .superRefine((s, ctx) => {
    if (Object.keys(s).length === 0)
      ctx.addIssue({ code: 'custom', message: 'name at least one option to vary' });
    for (const k of Object.keys(s))
      if (!OPTION.test(k))
        ctx.addIssue({
          code: 'custom',
          path: [k],
          message: `"${k}": an option is "method.<field>" or "train.<${SWEEPABLE_TRAIN_OPTIONS.join('|')}>"`,
        });
  });
export type SweepSpace = z.output<typeof sweepSpaceSchema>;

export const sweepConfigSchema = z
  .object({
    project: z.string().min(1),
    name: z.string().trim().min(1).max(200).optional(),
    /** The settings every trial starts from (a train config without "project"). */
    base: trainConfigSchema.omit({ project: true }),
    /** Each option and the values it takes: a list, or a range (random search only). */
    space: sweepSpaceSchema,
    search: z
      .object({
        kind: z.enum(['grid', 'random']).default('grid'),
        /** How many random trials (random search); a grid runs every combination. */
        trials: z.number().int().positive().max(500).optional(),
        seed: z.number().int().min(0).default(0),
      })
      .strict()
      .default({ kind: 'grid', seed: 0 }),
    /** The validation metric that ranks trials; loss and perplexity are minimised, the rest maximised. */
    metric: z.string().min(1).default('accuracy'),
    /**
     * Successive halving: at each rung (1/eta^k of a trial's steps) a trial goes on only while it is in the best
     * 1/eta of the trials scored at that rung so far. null: every trial trains to the end.
     */
    halving: z
      .object({
        eta: z.number().int().min(2).max(10).default(3),
        rungs: z.number().int().min(1).max(5).default(2),
      })
      .strict()
      .nullable()
      .default({ eta: 3, rungs: 2 }),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.search.kind === 'random' && c.search.trials === undefined)
      ctx.addIssue({ code: 'custom', path: ['search', 'trials'], message: 'a random search needs "trials"' });
    if (c.search.kind === 'grid')
      for (const [k, v] of Object.entries(c.space))
        if (!Array.isArray(v))
          ctx.addIssue({
            code: 'custom',
            path: ['space', k],
            message: 'a grid needs a list of values; a range needs search.kind "random"',
          });
  });
export type SweepConfig = z.output<typeof sweepConfigSchema>;
export type SweepConfigInput = z.input<typeof sweepConfigSchema>;

export type TrialParams = Record<string, number | string | boolean>;
export type TrialState = 'pending' | 'running' | 'completed' | 'stopped' | 'failed';
export type SweepStatus = 'running' | 'interrupted' | 'completed' | 'cancelled';

export interface TrialView {
  index: number;
  params: TrialParams;
  state: TrialState;
  runId: number | null;
  runStatus: RunStatus | null;
  /** The metric at each rung it reached, in order. */
  rungScores: number[];
  /** Its best validation value of the sweep's metric (null before any). */
  score: number | null;
  message: string | null;
}

export interface SweepView {
  id: number;
  name: string;
  status: SweepStatus;
  metric: string;
  lowerIsBetter: boolean;
  createdAt: string;
  finishedAt: string | null;
  bestRunId: number | null;
  bestTrial: number | null;
  trials: TrialView[];
  config: SweepConfig;
}
