import { describe, expect, it } from 'vitest';
import type { DatasetView } from '../../src-shared/datasets.ts';
import '../../src-main/adapters/schemas.ts';
import {
  DEFAULT_VALIDATION_FRACTION as SHARED_DEFAULT_VALIDATION_FRACTION,
  trainConfigSchema,
} from '../../src-shared/train-config.ts';
import {
  DEFAULT_DATASET_FIELDS,
  DEFAULT_METHOD_FIELDS,
  DEFAULT_TRAINING_FIELDS,
  DEFAULT_VALIDATION_FRACTION,
  canTakeValidationFile,
  datasetFieldsFromPreset,
  datasetSpec,
  methodConfig,
  methodFieldsFromPreset,
  trainOptions,
  trainingFieldsFromPreset,
} from '../../src-renderer/lib/new-run-fields.ts';

/** Only the fields the New run form reads; the rest are filler of the right type. */
function imported(id: number, source: string): DatasetView {
  return {
    id,
    name: `set ${id}`,
    source,
    sample: null,
    kind: 'text-classification',
    contentHash: 'ab',
    columns: { text: 'body', label: 'tag' },
    labels: [],
    stats: {} as DatasetView['stats'],
    splits: {},
    createdAt: '2026-01-01T00:00:00Z',
    runs: 0,
  };
}

describe('the New run form fields', () => {
  it('give each method only its own options, typed values kept per method', () => {
    const f = {
      method: 'bottleneck',
      values: {
        bottleneck: { reductionFactor: 12, activation: 'silu' },
        conv: { reductionFactor: 3 },
        lora: { r: 4, alpha: 8, dropout: 0.1, targets: undefined },
      },
    };
    expect(methodConfig(f)).toEqual({ type: 'bottleneck', reductionFactor: 12, activation: 'silu' });
    expect(methodConfig({ ...f, method: 'lora' })).toEqual({ type: 'lora', r: 4, alpha: 8, dropout: 0.1 });
    expect(methodConfig({ ...f, method: 'conv' })).toEqual({ type: 'conv', reductionFactor: 3 });
    expect(methodConfig({ ...f, method: 'ia3' })).toEqual({ type: 'ia3' });
  });

  it('leave maxSteps out unless one is given, and the defaults make a valid CLI config', () => {
    expect(trainOptions(DEFAULT_TRAINING_FIELDS)).not.toHaveProperty('maxSteps');
    expect(trainOptions({ ...DEFAULT_TRAINING_FIELDS, maxSteps: 30 }).maxSteps).toBe(30);
    const parsed = trainConfigSchema.safeParse({
      project: '/p',
      model: 'default',
      dataset: datasetSpec(DEFAULT_DATASET_FIELDS, []),
      method: methodConfig(DEFAULT_METHOD_FIELDS),
      train: trainOptions(DEFAULT_TRAINING_FIELDS),
    });
    expect(parsed.success).toBe(true);
  });

  it('name an imported dataset by its stored copy and columns, a sample by name, a file by its trimmed path', () => {
    const list = [imported(7, '/p/datasets/a.csv')];
    expect(datasetSpec({ ...DEFAULT_DATASET_FIELDS, sample: 'dataset:7' }, list)).toEqual({
      path: '/p/datasets/a.csv',
      text: 'body',
      label: 'tag',
    });
    expect(datasetSpec({ ...DEFAULT_DATASET_FIELDS, sample: 'sst2' }, list)).toEqual({ sample: 'sst2' });
    expect(
      datasetSpec(
        { ...DEFAULT_DATASET_FIELDS, datasetMode: 'file', sample: 'dataset:7', filePath: ' /d.csv ' },
        list,
      ),
    ).toEqual({ path: '/d.csv' });
  });

  it('name the validation: a fraction other than the default, or a file (an imported dataset or a path)', () => {
    expect(DEFAULT_VALIDATION_FRACTION).toBe(SHARED_DEFAULT_VALIDATION_FRACTION);
    const list = [imported(7, '/p/datasets/a.csv'), imported(8, '/p/datasets/v.csv')];
    const onFile = { ...DEFAULT_DATASET_FIELDS, datasetMode: 'file' as const, filePath: '/d.csv' };
    expect(datasetSpec({ ...onFile, validationFraction: 0.3 }, list)).toEqual({
      path: '/d.csv',
      validationFraction: 0.3,
    });
    expect(datasetSpec({ ...DEFAULT_DATASET_FIELDS, sample: 'sst2', validationFraction: 0.1 }, list)).toEqual(
      {
        sample: 'sst2',
        validationFraction: 0.1,
      },
    );
    const byRecord = { ...onFile, validationMode: 'file' as const, validationDataset: 'dataset:8' };
    expect(datasetSpec(byRecord, list)).toEqual({ path: '/d.csv', validation: '/p/datasets/v.csv' });
    const byPath = { ...onFile, validationMode: 'file' as const, validationPath: ' /v.csv ' };
    expect(datasetSpec(byPath, list)).toEqual({ path: '/d.csv', validation: '/v.csv' });
    // Back from a preset, the same fields.
    expect(datasetFieldsFromPreset(DEFAULT_DATASET_FIELDS, datasetSpec(byRecord, list), list)).toEqual({
      ...byRecord,
      validationPath: '',
    });
    // A built-in sample takes no validation file.
    expect(canTakeValidationFile(DEFAULT_DATASET_FIELDS, list)).toBe(false);
    expect(canTakeValidationFile({ ...DEFAULT_DATASET_FIELDS, sample: 'dataset:7' }, list)).toBe(true);
  });

  it('send seed, accumulation, clipping and early stopping (only when a metric is chosen)', () => {
    const f = { ...DEFAULT_TRAINING_FIELDS, seed: 7, gradAccumulation: 4, gradClip: 0.5 };
    expect(trainOptions(f)).toMatchObject({ seed: 7, gradAccumulation: 4, gradClip: 0.5 });
    expect(trainOptions(f)).not.toHaveProperty('earlyStopping');
    const es = trainOptions({ ...f, earlyStoppingMetric: 'loss', earlyStoppingPatience: 2 });
    expect(es.earlyStopping).toEqual({ metric: 'loss', patience: 2 });
    expect(trainingFieldsFromPreset(DEFAULT_TRAINING_FIELDS, es as Record<string, unknown>)).toEqual({
      ...f,
      earlyStoppingMetric: 'loss',
      earlyStoppingPatience: 2,
    });
  });

  it('load a preset over the current values, keeping what it lacks', () => {
    const current = { method: 'bottleneck', values: { lora: { alpha: 32 }, conv: { reductionFactor: 2 } } };
    const lora = methodFieldsFromPreset(current, { type: 'lora', r: 32 });
    expect(lora).toEqual({ method: 'lora', values: { ...current.values, lora: { alpha: 32, r: 32 } } });
    // Each method keeps its own reductionFactor.
    const conv = methodFieldsFromPreset(current, { type: 'conv', reductionFactor: 6 });
    expect([conv.values.conv?.reductionFactor, conv.values.bottleneck]).toEqual([6, undefined]);
    // With the schema, a value no field can hold is left out (the current one stays).
    const schema = {
      properties: {
        type: { const: 'bottleneck' },
        variant: { enum: ['houlsby', 'pfeiffer'] },
        reductionFactor: { type: 'number', exclusiveMinimum: 0 },
      },
    };
    const bottleneck = methodFieldsFromPreset(
      { method: 'bottleneck', values: { bottleneck: { variant: 'houlsby' } } },
      { type: 'bottleneck', reductionFactor: 8, variant: 'x', unknown: 1 },
      schema,
    );
    expect(bottleneck.values.bottleneck).toEqual({ variant: 'houlsby', reductionFactor: 8 });

    const train = trainingFieldsFromPreset(
      { ...DEFAULT_TRAINING_FIELDS, maxSteps: 50 },
      { epochs: 3, schedule: 'cosine', lr: 'fast' },
    );
    expect(train).toEqual({ ...DEFAULT_TRAINING_FIELDS, epochs: 3, schedule: 'cosine', maxSteps: null });
  });

  it('load a preset dataset path as the imported record when it is one, else as a file', () => {
    const list = [imported(7, '/p/datasets/a.csv')];
    const file = { ...DEFAULT_DATASET_FIELDS, datasetMode: 'file' as const, filePath: '/old.csv' };
    expect(datasetFieldsFromPreset(file, { path: '/p/datasets/a.csv' }, list)).toEqual({
      ...DEFAULT_DATASET_FIELDS,
      datasetMode: 'sample',
      sample: 'dataset:7',
      filePath: '/old.csv',
    });
    expect(datasetFieldsFromPreset(DEFAULT_DATASET_FIELDS, { path: '/x.jsonl' }, list)).toEqual({
      ...DEFAULT_DATASET_FIELDS,
      datasetMode: 'file',
      filePath: '/x.jsonl',
    });
    expect(datasetFieldsFromPreset(file, { sample: 'sst2' }, list)).toEqual({
      ...file,
      datasetMode: 'sample',
      sample: 'sst2',
    });
    expect(datasetFieldsFromPreset(file, {}, list)).toBe(file);
  });
});
