/**
 * The New run form's fields and how they become a train config (shared/docs/CLI.md) or are filled from a preset.
 * Pure functions, so the page, its field components and the tests share one definition.
 */
import type { DatasetView } from '../../src-shared/datasets.ts';
import type { DatasetSpec, TrainConfigInput } from '../../src-shared/train-config.ts';
import { schemaFields } from './schema-form.ts';
import type { JsonSchema } from './schema-form.ts';

type MethodInput = TrainConfigInput['method'];

/** train-config's DEFAULT_VALIDATION_FRACTION (the renderer imports only types; a test keeps them equal). */
export const DEFAULT_VALIDATION_FRACTION = 0.2;
type TrainInput = NonNullable<TrainConfigInput['train']>;

/**
 * The chosen method and the options typed for each method (the form draws them from the method's JSON Schema):
 * switching methods keeps what was typed for the others. An option not set takes the schema's default.
 */
export interface MethodFields {
  method: string;
  values: Record<string, Record<string, unknown>>;
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
  seed: number;
  gradAccumulation: number;
  gradClip: number;
  /** 'mixed': f16 products with a loss scale, on a GPU that offers them (train-config.ts). */
  precision: 'fp32' | 'mixed';
  /** Empty metric: no early stopping. */
  earlyStoppingMetric: string;
  earlyStoppingPatience: number;
}

/** Where the run's examples come from: an imported dataset or built-in sample (`sample`), or a path (`file`). */
export interface DatasetFields {
  datasetMode: 'sample' | 'file';
  /** A sample's name, or `dataset:<id>` for a dataset imported on the Datasets page. */
  sample: string;
  filePath: string;
  /** Validation examples: a held-out fraction of the dataset, or a separate file (an imported dataset or a path). */
  validationMode: 'fraction' | 'file';
  validationFraction: number;
  /** `dataset:<id>` (an imported dataset) or empty to use `validationPath`. */
  validationDataset: string;
  validationPath: string;
}

export const DEFAULT_METHOD_FIELDS: Readonly<MethodFields> = {
  method: 'bottleneck',
  // AdapterHub's usual factor, shown rather than left to the adapter's default.
  values: { bottleneck: { reductionFactor: 16 } },
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
  seed: 0,
  gradAccumulation: 1,
  gradClip: 1,
  precision: 'fp32',
  earlyStoppingMetric: '',
  earlyStoppingPatience: 3,
};

export const DEFAULT_DATASET_FIELDS: Readonly<DatasetFields> = {
  datasetMode: 'sample',
  sample: 'spam-assassin',
  filePath: '',
  validationMode: 'fraction',
  validationFraction: DEFAULT_VALIDATION_FRACTION,
  validationDataset: '',
  validationPath: '',
};

/** The chosen method's config: only its own options, so "show as CLI config" lists nothing stray. */
export function methodConfig(f: MethodFields): MethodInput {
  const own = Object.entries(f.values[f.method] ?? {}).filter(([, v]) => v !== undefined);
  // The service validates the block against the method's schema.
  return { type: f.method, ...Object.fromEntries(own) } as MethodInput;
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
    seed: f.seed,
    gradAccumulation: f.gradAccumulation,
    gradClip: f.gradClip,
    // fp32 is the schema's own default: left out, so configs made before the option read the same.
    ...(f.precision === 'mixed' ? { precision: 'mixed' as const } : {}),
    ...(f.earlyStoppingMetric
      ? { earlyStopping: { metric: f.earlyStoppingMetric, patience: f.earlyStoppingPatience } }
      : {}),
    ...(f.maxSteps ? { maxSteps: f.maxSteps } : {}),
  };
}

/** `dataset:<id>` picks an imported record: the CLI block names its stored copy and its columns. */
export function datasetSpec(f: DatasetFields, imported: readonly DatasetView[]): DatasetSpec {
  const record =
    f.datasetMode === 'sample' ? imported.find((d) => `dataset:${d.id}` === f.sample) : undefined;
  const fraction =
    f.validationFraction !== DEFAULT_VALIDATION_FRACTION ? { validationFraction: f.validationFraction } : {};
  if (f.datasetMode === 'sample' && !record) return { sample: f.sample, ...fraction };
  const base = record ? { path: record.source, ...record.columns } : { path: f.filePath.trim() };
  if (f.validationMode === 'fraction') return { ...base, ...fraction };
  const validation = validationSource(f, imported);
  return validation ? { ...base, validation } : base;
}

/** The validation file the fields name: an imported dataset's stored copy, or the typed path. */
function validationSource(f: DatasetFields, imported: readonly DatasetView[]): string {
  const record = imported.find((d) => `dataset:${d.id}` === f.validationDataset);
  return record ? record.source : f.validationPath.trim();
}

/** A built-in sample has its own split: only a fraction can be set for it, not a validation file. */
export function canTakeValidationFile(f: DatasetFields, imported: readonly DatasetView[]): boolean {
  return f.datasetMode === 'file' || imported.some((d) => `dataset:${d.id}` === f.sample);
}

const num = (v: unknown, d: number) => (typeof v === 'number' ? v : d);

/**
 * The fields after loading a preset's `method` block; what it lacks keeps its current value. With the method's
 * JSON Schema, options it does not have or values a field cannot hold (an unknown enum value) are left out.
 */
export function methodFieldsFromPreset(
  f: MethodFields,
  m: Record<string, unknown>,
  schema?: JsonSchema,
): MethodFields {
  const method = typeof m.type === 'string' ? m.type : f.method;
  const { type: _t, ...options } = m;
  const fields = schema ? new Map(schemaFields(schema).map((x) => [x.key, x])) : undefined;
  const fits = (key: string, v: unknown): boolean => {
    if (!fields) return true;
    const field = fields.get(key);
    if (!field) return false;
    if (field.kind === 'select') return field.options.includes(String(v));
    if (field.kind === 'number') return typeof v === 'number';
    if (field.kind === 'boolean') return typeof v === 'boolean';
    return Array.isArray(v) || typeof v === 'string';
  };
  const kept = Object.fromEntries(Object.entries(options).filter(([k, v]) => fits(k, v)));
  return { method, values: { ...f.values, [method]: { ...f.values[method], ...kept } } };
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
    seed: num(t.seed, f.seed),
    gradAccumulation: num(t.gradAccumulation, f.gradAccumulation),
    gradClip: num(t.gradClip, f.gradClip),
    precision: t.precision === 'mixed' ? 'mixed' : 'fp32',
    ...earlyStoppingFromPreset(t.earlyStopping),
  };
}

function earlyStoppingFromPreset(
  e: unknown,
): Pick<TrainingFields, 'earlyStoppingMetric' | 'earlyStoppingPatience'> {
  const o = (e ?? {}) as { metric?: unknown; patience?: unknown };
  return {
    earlyStoppingMetric: typeof o.metric === 'string' ? o.metric : '',
    earlyStoppingPatience: num(o.patience, DEFAULT_TRAINING_FIELDS.earlyStoppingPatience),
  };
}

/** The fields after loading a preset's `dataset` block: a path that is an imported dataset selects that record. */
export function datasetFieldsFromPreset(
  f0: DatasetFields,
  d: { sample?: string; path?: string; validation?: string; validationFraction?: number },
  imported: readonly DatasetView[],
): DatasetFields {
  if (!d.sample && !d.path) return f0;
  const valRecord = d.validation ? imported.find((x) => x.source === d.validation) : undefined;
  const f: DatasetFields = {
    ...f0,
    validationFraction: d.validationFraction ?? DEFAULT_VALIDATION_FRACTION,
    ...(d.validation
      ? {
          validationMode: 'file' as const,
          validationDataset: valRecord ? `dataset:${valRecord.id}` : '',
          validationPath: valRecord ? '' : d.validation,
        }
      : { validationMode: 'fraction' as const }),
  };
  if (d.sample) return { ...f, datasetMode: 'sample', sample: d.sample };
  if (!d.path) return f;
  const record = imported.find((x) => x.source === d.path);
  return record
    ? { ...f, datasetMode: 'sample', sample: `dataset:${record.id}` }
    : { ...f, datasetMode: 'file', filePath: d.path };
}
