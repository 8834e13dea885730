/**
 * Schema problems in words (issue #21): every call's validation error names the field as its form does and sits
 * on that field; zod's own wording ("Too small: expected string to have >=1 characters") and paths never show.
 */
import { describe, expect, it } from 'vitest';
import '../../src-main/adapters/schemas.ts';
import type { CallError, Handlers } from '../../src-shared/contract.ts';
import { dispatch } from '../../src-main/services/dispatch.ts';
import { UserError } from '../../src-main/errors.ts';
import { trialConfig } from '../../src-main/experiments/plan.ts';
import { sweepConfigSchema } from '../../src-shared/sweep.ts';

const RAW = /Too small|Too big|Invalid (input|option)|expected |[<>]=?\d|config\.|runs:/;

/** Nothing here reaches a handler: validation fails first. */
async function refusal(name: string, args: unknown): Promise<CallError> {
  const r = await dispatch({} as Handlers, name, args);
  if (r.ok) throw new Error(`${name} was accepted`);
  return r.error;
}

const config = (over: Record<string, unknown> = {}) => ({
  project: '/p',
  model: 'default',
  dataset: { sample: 'sst2-tiny' },
  method: { type: 'lora' },
  train: {},
  ...over,
});

// The newer forms (Experiments' sweep and shoot-out, Merge adapters, Compose): no dotted key or bare index.
const ch = [
  { block: 'adapter', source: 0 },
  { block: 'adapter', source: 1 },
];
const sweep = (over: Record<string, unknown>) => ({
  config: {
    project: '/p',
    base: { model: 'default', dataset: { sample: 'x' }, method: { type: 'lora' }, train: {} },
    space: { 'train.lr': [1e-3] },
    ...over,
  },
});
describe('call validation errors', () => {
  it.each([
    ['an empty dataset file', { dataset: { path: '' } }, 'config.dataset.path', 'Dataset file is required'],
    ['an empty model', { model: '' }, 'config.model', 'Base model is required'],
    ['a rank of 0', { method: { type: 'lora', r: 0 } }, 'config.method.r', 'Rank r must be greater than 0'],
    [
      'a learning rate that is text',
      { train: { lr: 'fast' } },
      'config.train.lr',
      'Learning rate must be a number',
    ],
    [
      'a fractional batch size',
      { train: { batchSize: 2.5 } },
      'config.train.batchSize',
      'Batch size must be a whole number',
    ],
    [
      'an unknown schedule',
      { train: { schedule: 'step' } },
      'config.train.schedule',
      'Schedule must be one of linear, cosine, constant',
    ],
    [
      'a validation fraction of 2',
      { dataset: { sample: 'x', validationFraction: 2 } },
      'config.dataset.validationFraction',
      'Validation fraction must be at most 0.9',
    ],
    [
      'an unknown method',
      { method: { type: 'magic' } },
      'config.method.type',
      'Method is not one of the choices this field takes',
    ],
    [
      'a misspelt training field',
      { train: { epoch: 3 } },
      'config.train',
      'Training has an unknown field: epoch',
    ],
  ])('words %s for the New run form, on its field', async (_what, over, field, message) => {
    const err = await refusal('runs:preview', { config: config(over) });
    expect(err).toEqual({ code: 'invalid-args', field, message });
    expect(err.message).not.toMatch(RAW);
  });

  it('names the task of a continual config', async () => {
    const tasks = [
      { name: 'a', dataset: { sample: 'x' } },
      { name: 'b', dataset: { path: '' } },
    ];
    const { dataset: _drop, ...rest } = config();
    const err = await refusal('continual:start', { config: { ...rest, tasks } });
    expect(err.field).toBe('config.tasks.1.dataset.path');
    expect(err.message).toBe('Task 2 dataset file is required');
  });

  it.each([
    [
      'export:run',
      { project: '/p', runId: 1, format: 'peft', out: ' ' },
      'out',
      'Output path: choose where to write the export',
    ],
    ['projects:create', { name: '  ' }, 'name', 'Name is required'],
    ['settings:set', { threads: 0, backend: null }, 'threads', 'Threads must be at least 1'],
    ['settings:set', { threads: 2, backend: 'quantum' }, 'backend', 'Backend must be one of'],
  ])('words %s on its field', async (name, args, field, message) => {
    const err = await refusal(name, args);
    expect(err.field).toBe(field);
    expect(err.message.startsWith(message)).toBe(true);
    expect(err.message).not.toMatch(RAW);
  });

  it.each([
    [
      'sweeps:start',
      sweep({ space: { 'train.lr': [] } }),
      'config.space.train.lr',
      'Learning rate: give at least one value',
    ],
    [
      'sweeps:start',
      sweep({ space: { 'method.r': [] } }),
      'config.space.method.r',
      'Rank r: give at least one value',
    ],
    [
      'sweeps:start',
      sweep({ search: { kind: 'random', trials: 0 } }),
      'config.search.trials',
      'Trials must be greater than 0',
    ],
    [
      'sweeps:start',
      sweep({ halving: { eta: 1, rungs: 2 } }),
      'config.halving.eta',
      'Keep the best 1/eta must be at least 2',
    ],
    [
      'sweeps:start',
      sweep({
        base: { model: 'default', dataset: { sample: 'x' }, method: { type: 'lora' }, train: { lr: -1 } },
      }),
      'config.base.train.lr',
      'Learning rate must be greater than 0',
    ],
    [
      'shootouts:start',
      { config: { project: '/p', model: 'default', dataset: { sample: 'x' }, fractions: [] } },
      'config.fractions',
      'Training data needs at least one entry',
    ],
    [
      'shootouts:start',
      { config: { project: '/p', model: 'default', dataset: { sample: 'x' }, fractions: [0.5, 2] } },
      'config.fractions.1',
      'Training data (entry 2) must be at most 1',
    ],
    [
      'adapters:merge',
      { project: '/p', runIds: [3, 7], options: { type: 'linear', weights: [1, 'x'] } },
      'options.weights.1',
      'Weight of #7 must be a number',
    ],
    [
      'adapters:merge',
      { project: '/p', runIds: [3, 7], options: { type: 'svd', weights: [1, 1], svdRank: 0 } },
      'options.svdRank',
      'SVD rank must be greater than 0',
    ],
    [
      'compose:save',
      { project: '/p', block: { block: 'batch-split', children: ch, sizes: [2, 0] }, runIds: [4, 9] },
      'block.sizes.1',
      'Rows for #9 must be greater than 0',
    ],
  ])('words %s in the words of its form, on its field', async (name, args, field, message) => {
    const err = await refusal(name, args);
    expect(err).toEqual({ code: 'invalid-args', field, message });
    expect(err.message).not.toMatch(RAW);
  });
});

describe('a user error about one field', () => {
  it('reaches the form with its field (a swept value a trial refuses)', async () => {
    const handlers = {
      'sweeps:start': () => {
        throw new UserError('trial 1 (lr=x): Learning rate must be a number', {
          field: 'config.space.train.lr',
        });
      },
    } as unknown as Handlers;
    const r = await dispatch(handlers, 'sweeps:start', sweep({}));
    expect(r).toEqual({
      ok: false,
      error: {
        code: 'failed',
        message: 'trial 1 (lr=x): Learning rate must be a number',
        field: 'config.space.train.lr',
      },
    });
  });

  it('names the sweep row of a swept value that a trial refuses', () => {
    const config = sweepConfigSchema.parse(sweep({ space: { 'train.lr': ['fast'] } }).config);
    let thrown: unknown;
    try {
      trialConfig(config, { 'train.lr': 'fast' }, 0, 'sweep');
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(UserError);
    expect((thrown as UserError).field).toBe('config.space.train.lr');
    expect((thrown as UserError).message).toMatch(/^trial 1 \(lr=fast\): Learning rate must be a number/);
  });
});
