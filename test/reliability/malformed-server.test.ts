/**
 * The malformed-input corpus through web mode: runs:start with bad configs answers one-line errors, writes no run
 * row and no artifacts folder, and the server keeps answering (a follow-up call succeeds).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebServer } from '../../src-main/server/web-server.ts';
import type { RunningWebServer } from '../../src-main/server/web-server.ts';
import { createServiceContext } from '../../src-main/services/context.ts';
import type { ServiceContext } from '../../src-main/services/context.ts';
import { createHandlers } from '../../src-main/services/handlers.ts';
import { tempDir } from '../helpers/temp.ts';
import { datasetCorpus } from './malformed/datasets.ts';
import { BERT_BASE, modelCorpus } from './malformed/models.ts';

const tmp = tempDir('studio-malformed-web-');
let server: RunningWebServer;
let ctx: ServiceContext;
let project = '';
const sub = (name: string) => {
  const d = path.join(tmp.dir, name);
  fs.mkdirSync(d, { recursive: true });
  return d;
};
const DATASETS = datasetCorpus(sub('datasets'));
const MODELS = modelCorpus(sub('models'));
const GOOD = path.join(tmp.dir, 'good.csv');
fs.writeFileSync(
  GOOD,
  `text,label\n${Array.from({ length: 20 }, (_, i) => `s ${i},${i % 2 ? 'a' : 'b'}`).join('\n')}\n`,
);

beforeAll(async () => {
  const renderer = sub('renderer');
  fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>t</title>');
  ctx = createServiceContext({ mode: 'web', version: '0.0.0-test', userDataDir: path.join(tmp.dir, 'home') });
  server = await startWebServer({ handlers: createHandlers(ctx), events: ctx.events, rendererDir: renderer });
  project = (await call<{ path: string }>('projects:create', { name: 'p', parentDir: tmp.dir })).value.path;
});
afterAll(async () => {
  await server.close();
  ctx.runs.stopAll();
  ctx.inference.stop();
  ctx.projects.close();
  tmp.cleanup();
});

async function call<T>(name: string, body: unknown): Promise<{ value: T; error?: { message: string } }> {
  const res = await fetch(`http://127.0.0.1:${server.port}/api/call/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}` },
    body: JSON.stringify(body),
  });
  return (await res.json()) as { value: T; error?: { message: string } };
}

const config = (over: Record<string, unknown>) => ({
  project,
  model: BERT_BASE,
  dataset: { path: GOOD },
  method: { type: 'lora', r: 4 },
  train: { maxSteps: 1, maxLength: 16 },
  ...over,
});
const pick = <T extends { name: string }>(all: T[], name: string): T => all.find((c) => c.name === name) as T;

const CASES: [string, Record<string, unknown>, RegExp][] = [
  ['lora.r 1e9', { method: { type: 'lora', r: 1e9 } }, /method\.r: lora\.r 1000000000 .* use at most 64/],
  ['virtualTokens 1e6', { method: { type: 'prompt', virtualTokens: 1e6 } }, /method\.virtualTokens: /],
  ['maxLength 1e9', { train: { maxLength: 1e9 } }, /train\.maxLength: .* use at most 128/],
  ['batchSize 1e9', { train: { batchSize: 1e9, maxLength: 16 } }, /train\.batchSize: .* use at most \d+/],
  [
    'earlyStopping metric',
    { train: { earlyStopping: { metric: 'f1', patience: 1 } } },
    /train\.earlyStopping\.metric: "f1"/,
  ],
  [
    'targets match nothing',
    { method: { type: 'lora', targets: ['nope'] } },
    /lora\.targets \["nope"\] match no module/,
  ],
  [
    'symlink to /dev/zero',
    { dataset: pick(DATASETS, 'symlink to /dev/zero').dataset },
    /zero\.csv: is a device/,
  ],
  [
    'bool labels',
    { dataset: pick(DATASETS, 'bool-label.jsonl').dataset },
    /bool-label\.jsonl:1: "label" is a JSON boolean/,
  ],
  [
    'config.json not JSON',
    { model: pick(MODELS, 'config-not-json').model },
    /config-not-json\/config\.json: not valid JSON/,
  ],
  ['shape mismatch', { model: pick(MODELS, 'shape-mismatch').model }, /shape-mismatch: wrong shapes/],
  [
    'tokenizer broken',
    { model: pick(MODELS, 'tokenizer-wrong-shape').model },
    /tokenizer\.json: not a tokenizer/,
  ],
];

describe('runs:start refuses malformed input in web mode', () => {
  it.each(CASES)('%s: one line, no run row, no artifacts, server healthy', async (_, over, pattern) => {
    const r = await call('runs:start', { config: config(over) });
    expect(r.error?.message).toMatch(pattern);
    expect(r.error?.message).not.toMatch(/\n/);
    expect((await call<unknown[]>('runs:list', { project })).value).toEqual([]);
    expect(fs.readdirSync(path.join(project, 'artifacts'))).toEqual([]);
    expect((await call<unknown[]>('projects:list', {})).value.length).toBe(1);
  });

  it('runs:preview on a credentials file says what is wrong without quoting it', async () => {
    const c = pick(DATASETS, 'single-label.csv');
    const r = await call('runs:preview', { config: config({ dataset: c.dataset }) });
    expect(r.error?.message).toMatch(/single-label\.csv: column "password" has a single label value/);
    expect(r.error?.message).not.toContain(c.secret);
  });
});
