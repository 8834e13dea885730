/**
 * Multi-task training in one run: the run's dataset is the first task, `tasks` adds the others; every task gets its
 * own classification head, and the variant says what the tasks share.
 */
import { z } from 'zod';
import { defineMethod } from '../../../src-shared/methods.ts';
import { datasetSpecSchema } from '../../../src-shared/train-config.ts';

export const MULTITASK_VARIANTS = ['shared', 'shared-specific', 'affinity', 'full'] as const;
export type MultiTaskVariant = (typeof MULTITASK_VARIANTS)[number];

/** At most this many tasks in one run (each has a head and, for shared-specific, an adapter of its own). */
export const MAX_TASKS = 8;

/** A task's name: it names its metrics (`accuracy/<task>`), which bundles and charts carry. */
export const TASK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,47}$/;
const taskName = z
  .string()
  .regex(TASK_NAME, 'a task name is letters, digits, _ . - (at most 48), starting with a letter or digit');

/** Recorded when the run is saved: each task's name and its head's labels, in head order. */
export const taskHeadSchema = z.object({ name: taskName, labels: z.array(z.string()).min(1) }).strict();

export const multitaskSchema = z
  .object({
    type: z.literal('multitask'),
    variant: z
      .enum(MULTITASK_VARIANTS)
      .default('shared-specific')
      .describe(
        'shared: one bottleneck adapter for all tasks; shared-specific: that plus a small adapter per task (VMT-Adapter); affinity: the shared adapter plus a learned task embedding that gates each layer\u2019s attention; full: every base weight trains (the baseline)',
      ),
    tasks: z
      .array(z.object({ name: taskName, dataset: datasetSpecSchema }).strict())
      .min(1)
      .max(MAX_TASKS - 1)
      .optional()
      .describe("The other tasks, each a name and a dataset; the run's own dataset is the first task")
      .meta({ title: 'Other tasks' }),
    firstTask: taskName
      .optional()
      .describe("The first task's name (default: the sample's name or the file's name)"),
    reductionFactor: z
      .number()
      .positive()
      .default(16)
      .describe('Shared adapter width = hidden size / factor'),
    specificReductionFactor: z
      .number()
      .positive()
      .default(64)
      .describe('Each task-specific adapter (shared-specific) = hidden size / factor'),
    taskEmbedding: z
      .number()
      .int()
      .positive()
      .max(64)
      .default(8)
      .describe('Width of the learned task embedding (affinity)'),
    temperature: z
      .number()
      .min(1)
      .max(100)
      .default(2)
      .describe(
        'Task sampling: task t is drawn with probability proportional to size^(1/T); 1 is proportional, large T is uniform',
      ),
    taskHeads: z
      .array(taskHeadSchema)
      .min(2)
      .max(MAX_TASKS)
      .optional()
      .describe('Recorded when the run is saved: each task with its head\u2019s labels'),
  })
  .strict();

declare module '../../../src-shared/methods.ts' {
  interface MethodSchemas {
    multitask: typeof multitaskSchema;
  }
}

defineMethod({
  type: 'multitask',
  schema: multitaskSchema,
  info: {
    label: 'Multi-task run (several datasets, a head per task)',
    trains:
      'one run over several datasets: a shared bottleneck adapter (plus per-task adapters or a task-conditioned attention gate, by variant) and a head per task',
    typicalPercent: '1–5% (full: 100%)',
    inferenceCost: 'a bottleneck adapter per layer; the task picks the head',
    order: 97,
    composition: true,
  },
  capabilities: {
    merges: false,
    peft: { unavailable: 'PEFT has no multi-task adapter with several heads: export a bundle instead' },
    adapterhub: false,
    appliesTo: 'transformers',
  },
});
