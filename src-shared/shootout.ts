/**
 * The method shoot-out (issue #19): one dataset and base model, every method trained with a short sweep of its
 * learning rate at several fractions of the training data, compared on metric, trainable parameters, data and
 * time. Built from sweeps: each (method, fraction) is one sweep over `train.lr`.
 */
import { z } from 'zod';
import { methodSchema } from './methods.ts';
import type { SweepView } from './sweep.ts';
import { datasetSpecSchema, trainOptionsSchema } from './train-config.ts';

/** The methods a shoot-out compares unless told otherwise: the baselines and the main adapter families. */
/**
 * A method config as plain data: the registry's method types are declared by the method folders, which a file
 * compiled on its own (test/shared/contract-check.test.ts) does not see.
 */
export interface MethodSketch {
  type: string;
  variant?: string;
}

export const SHOOTOUT_METHODS: readonly MethodSketch[] = [
  { type: 'head' },
  { type: 'bottleneck', variant: 'houlsby' },
  { type: 'bottleneck', variant: 'pfeiffer' },
  { type: 'lora' },
  { type: 'ia3' },
  { type: 'prompt' },
  { type: 'full' },
];

/** Learning rates tried per method type: each family trains well in its own range. */
export const SHOOTOUT_LRS: Record<string, number[]> = {
  head: [1e-3, 3e-3, 1e-2],
  bottleneck: [3e-4, 1e-3, 3e-3],
  lora: [3e-4, 1e-3, 3e-3],
  dora: [3e-4, 1e-3, 3e-3],
  ia3: [1e-3, 3e-3, 1e-2],
  prompt: [3e-3, 1e-2, 3e-2],
  prefix: [1e-3, 3e-3, 1e-2],
  full: [3e-5, 1e-4, 3e-4],
};
const FALLBACK_LRS = [3e-4, 1e-3, 3e-3];
export const lrsFor = (type: string, given?: Record<string, number[]>) =>
  given?.[type] ?? SHOOTOUT_LRS[type] ?? FALLBACK_LRS;

/** How a method is named in a shoot-out's tables and charts. */
export const methodLabel = (m: { type: string; variant?: unknown }) =>
  m.variant ? `${m.type} (${String(m.variant)})` : m.type;

export const shootoutConfigSchema = z
  .object({
    project: z.string().min(1),
    name: z.string().trim().min(1).max(200).optional(),
    model: z.string().min(1),
    dataset: datasetSpecSchema,
    /** Training settings every run shares (its learning rate is swept, its data fraction set per column). */
    train: trainOptionsSchema.omit({ lr: true, trainFraction: true }).partial().default({}),
    methods: z
      .array(methodSchema)
      .min(1)
      .default(SHOOTOUT_METHODS as never),
    /** Learning rates per method type, where the defaults (SHOOTOUT_LRS) do not suit. */
    lrs: z.record(z.string(), z.array(z.number().positive()).min(1)).optional(),
    /** Fractions of the training split: the learning curves' points. */
    fractions: z.array(z.number().gt(0).max(1)).min(1).default([0.1, 0.25, 0.5, 1]),
    metric: z.string().min(1).default('accuracy'),
  })
  .strict();
export type ShootoutConfig = z.output<typeof shootoutConfigSchema>;
export type ShootoutConfigInput = z.input<typeof shootoutConfigSchema>;

/** One method's results: its best score at each fraction, its size, and its time on the whole data. */
export interface ShootoutRow {
  label: string;
  method: string;
  /** By fraction, in the config's order: the best learning rate's score (null until done), and that rate. */
  cells: {
    fraction: number;
    score: number | null;
    lr: number | null;
    sweepId: number;
    runId: number | null;
  }[];
  trainableParams: number | null;
  totalParams: number | null;
  /** Wall time of its best run on the largest fraction, in seconds. */
  seconds: number | null;
  /** Peak resident memory of the training process of that run, in bytes (CPU backends; GPU memory not counted). */
  peakMemoryBytes: number | null;
}

export interface ShootoutView {
  id: number;
  name: string;
  status: 'running' | 'interrupted' | 'completed' | 'cancelled';
  metric: string;
  lowerIsBetter: boolean;
  fractions: number[];
  rows: ShootoutRow[];
  /** The verdict in words: the best method, the best under a parameter budget, the best with little data. */
  advice: string[];
  sweeps: SweepView[];
  createdAt: string;
}
