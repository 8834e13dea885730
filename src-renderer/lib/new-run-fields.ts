/**
 * The New run form's fields and how they become a train config (shared/docs/CLI.md) or are filled from a preset.
 * Pure functions, so the page, its field components and the tests share one definition.
 */
import type { DatasetView } from '../../src-shared/datasets.ts';
import type { DatasetSpec, TrainConfigInput } from '../../src-shared/train-config.ts';

type MethodInput = TrainConfigInput['method'];
type TrainInput = NonNullable<TrainConfigInput['train']>;

/** Every method's option fields: switching methods keeps what was typed for the others. */
export interface MethodFields {
  method: string;
  variant: 'houlsby' | 'pfeiffer';
  placement: 'sequential' | 'parallel';
  reductionFactor: number;
  activation: 'relu' | 'gelu' | 'swish' | 'tanh';
  r: number;
  alpha: number;
  loraDropout: number;
  virtualTokens: number;
  prefixLength: number;
  /** The conv adapter's reduction factor, kept apart from the bottleneck's (their good values differ). */
  convFactor: number;
}

/** The training options the form offers (the rest keep the schema's defaults). */
export interface TrainingFields {
  epochs: number;
  batchSize: number;
  lr: number;
  maxLength: number;
  evalEvery: number;
  /** Empty (null) trains every step of the epochs. */
  maxSteps: number | null;
  schedule: 'linear' | 'cosine' | 'constant';
  warmupRatio: number;
  weightDecay: number;
}

/** Where the run's examples come from: an imported dataset or built-in sample (`sample`), or a path (`file`). */
export interface DatasetFields {
  datasetMode: 'sample' | 'file';
  /** A sample's name, or `dataset:<id>` for a dataset imported on the Datasets page. */
  sample: string;
  filePath: string;
}

export const DEFAULT_METHOD_FIELDS: Readonly<MethodFields> = {
  method: 'bottleneck',
  variant: 'pfeiffer',
  placement: 'sequential',
  reductionFactor: 16,
  activation: 'relu',
  r: 8,
  alpha: 16,
  loraDropout: 0,
  virtualTokens: 20,
  prefixLength: 10,
  convFactor: 4,
};

export const DEFAULT_TRAINING_FIELDS: Readonly<TrainingFields> = {
  epochs: 1,
  batchSize: 16,
  lr: 0.001,
  maxLength: 64,
  evalEvery: 20,
  maxSteps: null,
  schedule: 'linear',
  warmupRatio: 0.06,
  weightDecay: 0.01,
};

export const DEFAULT_DATASET_FIELDS: Readonly<DatasetFields> = {
  datasetMode: 'sample',
  sample: 'spam-assassin',
  filePath: '',
};

/** The chosen method's config: only its own fields, so "show as CLI config" lists nothing stray. */
export function methodConfig(f: MethodFields): MethodInput {
  switch (f.method) {
    case 'bottleneck':
      return {
        type: 'bottleneck',
        variant: f.variant,
        placement: f.placement,
        reductionFactor: f.reductionFactor,
        activation: f.activation,
      };
    case 'lora':
      return { type: 'lora', r: f.r, alpha: f.alpha, dropout: f.loraDropout };
    case 'prompt':
      return { type: 'prompt', virtualTokens: f.virtualTokens };
    case 'prefix':
      return { type: 'prefix', prefixLength: f.prefixLength };
    case 'conv':
      return { type: 'conv', reductionFactor: f.convFactor };
    default:
      // The methods without options; the service validates the name.
      return { type: f.method as 'ia3' | 'full' | 'head' };
  }
}

export function trainOptions(f: TrainingFields): TrainInput {
  return {
    epochs: f.epochs,
    batchSize: f.batchSize,
    lr: f.lr,
    maxLength: f.maxLength,
    evalEvery: f.evalEvery,
    schedule: f.schedule,
    warmupRatio: f.warmupRatio,
    weightDecay: f.weightDecay,
    ...(f.maxSteps ? { maxSteps: f.maxSteps } : {}),
  };
}

/** `dataset:<id>` picks an imported record: the CLI block names its stored copy and its columns. */
export function datasetSpec(f: DatasetFields, imported: readonly DatasetView[]): DatasetSpec {
  if (f.datasetMode === 'file') return { path: f.filePath.trim() };
  const record = imported.find((d) => `dataset:${d.id}` === f.sample);
  return record ? { path: record.source, ...record.columns } : { sample: f.sample };
}

const num = (v: unknown, d: number) => (typeof v === 'number' ? v : d);

/** The fields after loading a preset's `method` block; what it lacks keeps its current value. */
export function methodFieldsFromPreset(f: MethodFields, m: Record<string, unknown>): MethodFields {
  return {
    method: typeof m.type === 'string' ? m.type : f.method,
    variant: m.variant === 'houlsby' || m.variant === 'pfeiffer' ? m.variant : f.variant,
    placement: m.placement === 'sequential' || m.placement === 'parallel' ? m.placement : f.placement,
    activation: f.activation,
    // Both methods call it reductionFactor; each keeps its own field.
    reductionFactor: m.type === 'bottleneck' ? num(m.reductionFactor, f.reductionFactor) : f.reductionFactor,
    convFactor: m.type === 'conv' ? num(m.reductionFactor, f.convFactor) : f.convFactor,
    r: num(m.r, f.r),
    alpha: num(m.alpha, f.alpha),
    loraDropout: num(m.dropout, f.loraDropout),
    virtualTokens: num(m.virtualTokens, f.virtualTokens),
    prefixLength: num(m.prefixLength, f.prefixLength),
  };
}

/** The fields after loading a preset's `train` block; a preset without maxSteps trains every step. */
export function trainingFieldsFromPreset(f: TrainingFields, t: Record<string, unknown>): TrainingFields {
  return {
    epochs: num(t.epochs, f.epochs),
    batchSize: num(t.batchSize, f.batchSize),
    lr: num(t.lr, f.lr),
    maxLength: num(t.maxLength, f.maxLength),
    evalEvery: num(t.evalEvery, f.evalEvery),
    maxSteps: typeof t.maxSteps === 'number' ? t.maxSteps : null,
    schedule:
      t.schedule === 'linear' || t.schedule === 'cosine' || t.schedule === 'constant'
        ? t.schedule
        : f.schedule,
    warmupRatio: num(t.warmupRatio, f.warmupRatio),
    weightDecay: num(t.weightDecay, f.weightDecay),
  };
}

/** The fields after loading a preset's `dataset` block: a path that is an imported dataset selects that record. */
export function datasetFieldsFromPreset(
  f: DatasetFields,
  d: { sample?: string; path?: string },
  imported: readonly DatasetView[],
): DatasetFields {
  if (d.sample) return { ...f, datasetMode: 'sample', sample: d.sample };
  if (!d.path) return f;
  const record = imported.find((x) => x.source === d.path);
  return record
    ? { ...f, datasetMode: 'sample', sample: `dataset:${record.id}` }
    : { ...f, datasetMode: 'file', filePath: d.path };
}
