/**
 * The serving API end to end over loopback: a real listener, scheduler and serving process over a folder library
 * of adapters on the tiny BERT fixture. Token (401), unknown adapter (404 with its name), classify / embed / score
 * through several adapters, hot load and unload, a full queue (503 with Retry-After) and the OpenAPI document.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../../src-main/models/index.ts';
import { FolderLibrary } from '../../../src-main/serve-api/library.ts';
import { ServeApi } from '../../../src-main/serve-api/service.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { HF_TINY_DIR } from '../../helpers/fixtures.ts';
import { makeAdapterFolder } from '../../helpers/serve-adapters.ts';
import { tempDir } from '../../helpers/temp.ts';

const MODEL = path.join(HF_TINY_DIR, 'bert-seqcls', 'base');
const TOKEN = 'test-token-123';
const tmp = tempDir('serve-api-');
let api: ServeApi;
let url: string;

const call = (p: string, body?: unknown, token: string | null = TOKEN) =>
  fetch(`${url}${p}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

beforeAll(async () => {
  await useTestBackend();
  const model = loadModel(MODEL);
  await makeAdapterFolder(
    model,
    path.join(tmp.dir, 'spam-lora'),
    { type: 'lora', r: 4, alpha: 8, dropout: 0, rslora: false },
    ['ham', 'spam'],
    1,
  );
  await makeAdapterFolder(model, path.join(tmp.dir, 'topic-ia3'), { type: 'ia3' }, ['a', 'b', 'c'], 2);
  await makeAdapterFolder(
    model,
    path.join(tmp.dir, 'prompted'),
    { type: 'prompt', virtualTokens: 4 },
    ['x', 'y'],
    3,
  );
  model.dispose();
  api = new ServeApi(TOKEN, () => {
    throw new Error('no project here');
  });
  const s = await api.start({ library: new FolderLibrary(tmp.dir, MODEL), scheduler: { maxQueue: 8 } });
  url = s.url as string;
});

afterAll(async () => {
  await api?.stop();
  tmp.cleanup();
});

describe('serving API', () => {
  it('refuses calls without the token or with a wrong one (401), but serves its OpenAPI document', async () => {
    expect((await call('/v1/adapters', undefined, null)).status).toBe(401);
    expect((await call('/v1/classify', { adapter: 'spam-lora', text: 'hi' }, 'wrong')).status).toBe(401);
    const doc = (await (await call('/openapi.json', undefined, null)).json()) as {
      openapi: string;
      paths: Record<
        string,
        Record<
          string,
          { requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown> } }> } }
        >
      >;
    };
    expect(doc.openapi).toBe('3.0.3');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/classify', '/v1/adapters/{adapter}/load']),
    );
    // Generated from the zod schema the server validates with.
    expect(
      Object.keys(
        doc.paths['/v1/classify']!.post!.requestBody!.content['application/json']!.schema.properties,
      ),
    ).toEqual(expect.arrayContaining(['adapter', 'text', 'pair', 'topK']));
  });

  it('answers 404 naming an unknown adapter, 400 for a malformed body', async () => {
    const res = await call('/v1/classify', { adapter: 'no-such-thing', text: 'hello' });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('"no-such-thing"');
    const bad = await call('/v1/classify', { adapter: 'spam-lora' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/^text:/);
  });

  it('classifies, embeds and scores with different adapters at once, each with its own labels', async () => {
    const [a, b, c, e, s] = await Promise.all([
      call('/v1/classify', { adapter: 'spam-lora', text: 'win money now' }),
      call('/v1/classify', { adapter: 'topic-ia3', text: 'a text about sport', topK: 3 }),
      call('/v1/classify', { adapter: 'prompted', text: 'short' }),
      call('/v1/embed', { adapter: 'spam-lora', text: 'win money now' }),
      call('/v1/score', { adapter: 'topic-ia3', text: 'a text about sport' }),
    ]);
    for (const r of [a, b, c, e, s]) expect(r.status).toBe(200);
    const ja = (await a.json()) as { labels: { label: string; probability: number }[] };
    expect(ja.labels.map((l) => l.label).sort()).toEqual(['ham', 'spam']);
    const jb = (await b.json()) as { labels: { label: string; probability: number }[] };
    expect(jb.labels.map((l) => l.label).sort()).toEqual(['a', 'b', 'c']);
    expect(jb.labels.reduce((t, l) => t + l.probability, 0)).toBeCloseTo(1, 5);
    expect(((await c.json()) as { labels: unknown[] }).labels).toHaveLength(2);
    expect(((await e.json()) as { embedding: number[] }).embedding.length).toBeGreaterThan(8);
    const js = (await s.json()) as { scores: { label: string; logit: number; logProbability: number }[] };
    const probs = js.scores.map((x) => Math.exp(x.logProbability));
    expect(probs.reduce((t, p) => t + p, 0)).toBeCloseTo(1, 5);
    // The same request through score and classify agrees.
    const top = jb.labels[0]!;
    expect(Math.exp(js.scores.find((x) => x.label === top.label)!.logProbability)).toBeCloseTo(
      top.probability,
      5,
    );
  });

  it('hot-loads and unloads adapters without a restart', async () => {
    await call('/v1/adapters/spam-lora/unload', {});
    const load = await call('/v1/adapters/spam-lora/load', {});
    expect(load.status).toBe(200);
    const l = (await load.json()) as { loadMs: number; alreadyLoaded: boolean; mixable: boolean };
    expect(l.alreadyLoaded).toBe(false);
    expect(l.mixable).toBe(true);
    expect(l.loadMs).toBeGreaterThan(0);
    const listed = (await (await call('/v1/adapters')).json()) as {
      adapters: { id: string; loaded: boolean }[];
    };
    expect(listed.adapters.find((a) => a.id === 'spam-lora')?.loaded).toBe(true);
    const un = (await (await call('/v1/adapters/spam-lora/unload', {})).json()) as { unloaded: boolean };
    expect(un.unloaded).toBe(true);
    const after = (await (await call('/v1/adapters')).json()) as {
      adapters: { id: string; loaded: boolean }[];
    };
    expect(after.adapters.find((a) => a.id === 'spam-lora')?.loaded).toBe(false);
    expect((await call('/v1/adapters/nope/load', {})).status).toBe(404);
  });

  it('answers 503 with Retry-After when the queue is full, and every other request normally', async () => {
    const many = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        call('/v1/classify', {
          adapter: ['spam-lora', 'topic-ia3', 'prompted'][i % 3],
          text: `text number ${i}`,
        }),
      ),
    );
    const statuses = many.map((r) => r.status);
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    const busy = many.find((r) => r.status === 503);
    expect(busy, 'a queue of 8 must overflow with 60 at once').toBeDefined();
    expect(busy!.headers.get('retry-after')).toBe('1');
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(8);
    await Promise.all(many.map((r) => r.arrayBuffer()));
  });
});
