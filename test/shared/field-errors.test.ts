/**
 * Schema problems in words (issue #21): every call's validation error names the field as its form does and sits
 * on that field; zod's own wording ("Too small: expected string to have >=1 characters") and paths never show.
 */
import { describe, expect, it } from 'vitest';
import '../../src-main/adapters/schemas.ts';
import type { CallError, Handlers } from '../../src-shared/contract.ts';
import { dispatch } from '../../src-main/services/dispatch.ts';

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
});
