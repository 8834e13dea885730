/**
 * playground:generate through the real engine process: main answers while the worker generates, each token
 * arrives as a `generate:token` event in order before the call resolves, and the pieces add up to each column.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Events } from '../../../src-shared/contract.ts';
import { DEFAULT_SAMPLING } from '../../../src-shared/generation.ts';
import { createServiceContext } from '../../../src-main/services/context.ts';
import { createHandlers } from '../../../src-main/services/handlers.ts';
import { HF_TINY_DIR } from '../../helpers/fixtures.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-generate-handlers-');
const ctx = createServiceContext({
  mode: 'web',
  version: '0.0.0-test',
  userDataDir: path.join(tmp.dir, 'home'),
});
const handlers = createHandlers(ctx);
const GPT2 = path.join(HF_TINY_DIR, 'gpt2-lm/base');
let project = '';

beforeAll(async () => {
  project = (await handlers['projects:create']({ name: 'generation', parentDir: tmp.dir })).path;
});
afterAll(() => {
  ctx.inference.stop();
  ctx.projects.close();
  tmp.cleanup();
});

describe('playground:generate', () => {
  it('streams tokens as events before it resolves, while main keeps answering', async () => {
    const tokens: Events['generate:token'][] = [];
    let settled = false;
    const off = ctx.events.subscribe((name, payload) => {
      if (name !== 'generate:token') return;
      expect(settled).toBe(false);
      tokens.push(payload as Events['generate:token']);
    });
    const pending = handlers['playground:generate']({
      project,
      model: GPT2,
      runIds: [],
      prompt: 'Hello world',
      options: { ...DEFAULT_SAMPLING, maxNewTokens: 12, stopAtEos: false, temperature: 0.9, seed: 3 },
      requestId: 'req-1',
    });
    void pending.finally(() => (settled = true));
    expect((await handlers['projects:list']({})).length).toBeGreaterThan(0);
    expect(settled).toBe(false);
    const result = await pending;
    off();
    const column = result.columns[0];
    expect(column?.key).toBe('base');
    expect(column?.ids).toHaveLength(12);
    expect(tokens.every((t) => t.requestId === 'req-1' && t.column === 'base')).toBe(true);
    expect(tokens.filter((t) => t.id >= 0).map((t) => t.id)).toEqual(column?.ids);
    expect(tokens.map((t) => t.delta).join('')).toBe(column?.text);
  }, 120_000);

  it('refuses a run that is not in the project, and a base that is not a causal LM', async () => {
    const options = { ...DEFAULT_SAMPLING, maxNewTokens: 2 };
    await expect(
      handlers['playground:generate']({
        project,
        model: GPT2,
        runIds: [999],
        prompt: 'x',
        options,
        requestId: 'r',
      }),
    ).rejects.toThrow(/run 999/);
    await expect(
      handlers['playground:generate']({
        project,
        model: path.join(HF_TINY_DIR, 'bert-seqcls/base'),
        runIds: [],
        prompt: 'x',
        options,
        requestId: 'r',
      }),
    ).rejects.toThrow(/causal language model/);
  }, 60_000);
});
