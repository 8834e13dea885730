/**
 * A bounded loopback load test of the serving API beside a web-mode studio in the same process, as `studio serve
 * --api` runs them: RELIABILITY_SERVE_REQUESTS requests (default 2000; the 5,000 with
 * RELIABILITY_SERVE_REQUESTS=5000) at concurrency 64, over six adapters of four methods plus the base, classify /
 * embed / score mixed, 1% for an adapter that does not exist, and a queue small enough to overflow. It must end
 * with no 5xx but the documented 503 (with Retry-After), the serving process's tensor count back where it started,
 * and the studio's own API answering throughout.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../src-main/models/index.ts';
import { FolderLibrary } from '../../src-main/serve-api/library.ts';
import { runLoad, SAMPLE_TEXTS } from '../../src-main/serve-api/load.ts';
import { startWebServer } from '../../src-main/server/web-server.ts';
import type { RunningWebServer } from '../../src-main/server/web-server.ts';
import { useTestBackend } from '../helpers/backend.ts';
import { HF_TINY_DIR } from '../helpers/fixtures.ts';
import { bottleneckConfig } from '../helpers/methods.ts';
import { makeAdapterFolder } from '../helpers/serve-adapters.ts';
import { serviceTestContext } from '../helpers/service-context.ts';

const REQUESTS = Number(process.env.RELIABILITY_SERVE_REQUESTS ?? 2000);
const CONCURRENCY = 64;
const MODEL = path.join(HF_TINY_DIR, 'bert-seqcls', 'base');
const ADAPTERS = ['lora-a', 'lora-b', 'ia3', 'bottleneck', 'prompt-3', 'prompt-6'];

const { ctx, handlers, dir } = serviceTestContext('studio-serve-load-');
let web: RunningWebServer;
let apiUrl: string;

beforeAll(async () => {
  await useTestBackend();
  const lib = path.join(dir, 'adapters');
  fs.mkdirSync(lib);
  const model = loadModel(MODEL);
  const lora = { type: 'lora', r: 4, alpha: 8, dropout: 0, rslora: false } as const;
  await makeAdapterFolder(model, path.join(lib, 'lora-a'), lora, ['ham', 'spam'], 1);
  await makeAdapterFolder(model, path.join(lib, 'lora-b'), { ...lora, r: 2 }, ['x', 'y', 'z'], 2);
  await makeAdapterFolder(model, path.join(lib, 'ia3'), { type: 'ia3' }, ['a', 'b'], 3);
  await makeAdapterFolder(
    model,
    path.join(lib, 'bottleneck'),
    bottleneckConfig({ variant: 'houlsby', reductionFactor: 4 }),
    ['p', 'q'],
    4,
  );
  await makeAdapterFolder(
    model,
    path.join(lib, 'prompt-3'),
    { type: 'prompt', virtualTokens: 3 },
    ['u', 'v'],
    5,
  );
  await makeAdapterFolder(
    model,
    path.join(lib, 'prompt-6'),
    { type: 'prompt', virtualTokens: 6 },
    ['u', 'v'],
    6,
  );
  model.dispose();
  const renderer = path.join(dir, 'renderer');
  fs.mkdirSync(renderer);
  fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>t</title>');
  web = await startWebServer({
    handlers,
    events: ctx.events,
    rendererDir: renderer,
    token: ctx.serveApi.token,
  });
  const s = await ctx.serveApi.start({
    library: new FolderLibrary(lib, MODEL),
    scheduler: { maxQueue: 16 },
  });
  apiUrl = s.url as string;
});
afterAll(() => web?.close());

const get = async (p: string) =>
  (await (
    await fetch(`${apiUrl}${p}`, { headers: { authorization: `Bearer ${ctx.serveApi.token}` } })
  ).json()) as {
    numTensors: number;
  };

describe('serving API under load', () => {
  it(`${REQUESTS} requests at concurrency ${CONCURRENCY}: only 200, 404 and documented 503s; no leak; the UI answers`, async () => {
    const ops = ['/v1/classify', '/v1/embed', '/v1/score'];
    const names = ['base', ...ADAPTERS];
    const request = (i: number) => ({
      path: ops[i % 3] as string,
      body: {
        // 1 in 100 names an adapter that does not exist; the base names its model (an adapter brings its own).
        adapter: i % 100 === 99 ? 'missing-adapter' : (names[i % names.length] as string),
        ...(names[i % names.length] === 'base' ? { model: MODEL } : {}),
        text: SAMPLE_TEXTS[i % SAMPLE_TEXTS.length],
        ...(i % 5 === 0 ? { pair: 'and a second sentence' } : {}),
      },
    });
    // Warm-up: every adapter loaded once, so the tensor count below is the steady state.
    const warm = await runLoad({
      url: apiUrl,
      token: ctx.serveApi.token,
      requests: 3 * names.length,
      concurrency: 4,
      request,
    });
    expect(Object.keys(warm.statuses)).toEqual(['200']);
    const start = (await get('/v1/health')).numTensors;

    // The studio's own API, probed throughout: it must keep answering while the serving process is busy.
    const uiDelays: number[] = [];
    const uiStatuses: number[] = [];
    let loading = true;
    const probe = (async () => {
      while (loading) {
        const t0 = performance.now();
        const res = await fetch(`http://127.0.0.1:${web.port}/api/call/settings:get`, {
          method: 'POST',
          headers: { authorization: `Bearer ${web.token}`, 'content-type': 'application/json' },
          body: '{}',
        });
        await res.arrayBuffer();
        uiStatuses.push(res.status);
        uiDelays.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const r = await runLoad({
      url: apiUrl,
      token: ctx.serveApi.token,
      requests: REQUESTS,
      concurrency: CONCURRENCY,
      request,
    });
    loading = false;
    await probe;

    // For test/reliability/RESULTS.md and docs/SERVING.md.
    process.stderr.write(
      `serve-load: ${REQUESTS} requests in ${(r.wallMs / 1000).toFixed(1)} s, statuses ${JSON.stringify(r.statuses)}, UI probes ${uiDelays.length} (max ${Math.max(...uiDelays).toFixed(0)} ms)\n`,
    );
    const statuses = Object.keys(r.statuses).map(Number);
    expect(
      statuses.every((s) => [200, 404, 503].includes(s)),
      JSON.stringify(r.statuses),
    ).toBe(true);
    expect(r.statuses[404]).toBe(Math.floor(REQUESTS / 100));
    expect(r.statuses[200] ?? 0).toBeGreaterThan(REQUESTS / 4);
    // The queue of 16 overflows at concurrency 64: back-pressure really happened.
    expect(r.statuses[503] ?? 0).toBeGreaterThan(0);
    expect((await get('/v1/health')).numTensors).toBe(start);
    expect(uiStatuses.length).toBeGreaterThan(3);
    expect(uiStatuses.every((s) => s === 200)).toBe(true);
    expect(Math.max(...uiDelays), uiDelays.map((d) => d.toFixed(0)).join(' ')).toBeLessThan(2000);
  });
});
