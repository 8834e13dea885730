/**
 * `"adapter": "auto"` in the serving API: a request goes through a library router (the newest router of the base,
 * or the one the server was started with) and answers exactly what that router answers in the engine: its mixture
 * over the union of its adapters' labels, not its own routing logits. Without a router, 404 saying so.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseIdentity, createAdapter, loadAdapter, saveAdapter } from '../../../src-main/adapters/index.ts';
import type { RouterAdapter } from '../../../src-main/adapters/router/index.ts';
import { loadModel } from '../../../src-main/models/index.ts';
import { loadTokenizer } from '../../../src-main/models/tokenizer/index.ts';
import { FolderLibrary } from '../../../src-main/serve-api/library.ts';
import { ServeApi } from '../../../src-main/serve-api/service.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { HF_TINY_DIR } from '../../helpers/fixtures.ts';
import { bottleneck16 } from '../../helpers/methods.ts';
import { makeAdapterFolder } from '../../helpers/serve-adapters.ts';
import { tempDir } from '../../helpers/temp.ts';

const MODEL = path.join(HF_TINY_DIR, 'bert-seqcls', 'base');
const TOKEN = 'test-token-auto';
const TEXT = 'win money now';
const tmp = tempDir('serve-auto-');
const apis: ServeApi[] = [];

async function serve(dir: string, autoRouter?: string): Promise<string> {
  const api = new ServeApi(TOKEN, () => {
    throw new Error('no project here');
  });
  apis.push(api);
  const s = await api.start({
    library: new FolderLibrary(dir, MODEL),
    ...(autoRouter ? { autoRouter } : {}),
  });
  return s.url as string;
}

const classify = (url: string, adapter: string) =>
  fetch(`${url}/v1/classify`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ adapter, text: TEXT, topK: 10 }),
  });

/** The router's answer for TEXT in the engine, by label. */
let expected: Map<string, number>;

beforeAll(async () => {
  await useTestBackend();
  const model = loadModel(MODEL);
  const lib = path.join(tmp.dir, 'lib');
  const spam = await makeAdapterFolder(
    model,
    path.join(lib, 'spam'),
    bottleneck16('pfeiffer'),
    ['ham', 'spam'],
    1,
  );
  const topic = await makeAdapterFolder(
    model,
    path.join(lib, 'topic'),
    bottleneck16('pfeiffer'),
    ['sport', 'cooking', 'film'],
    2,
  );
  const router = createAdapter(
    model,
    { type: 'router', adapters: [spam, topic], mode: 'soft', perTask: 600 },
    3,
    {
      numLabels: 2,
    },
  );
  let s = 5;
  for (const v of router.weights.values())
    v.assign(tf.tidy(() => v.add(tf.randomNormal(v.shape, 0, 0.5, 'float32', s++))));
  const dir = path.join(lib, 'my-router');
  await saveAdapter(
    model,
    router,
    {
      adapters: [spam, topic],
      mode: 'soft',
      perTask: 600,
      task: 'classification',
      labels: ['01 spam', '02 topic'],
    },
    dir,
    baseIdentity(model),
  );
  router.dispose();
  const loaded = loadAdapter(model, dir) as RouterAdapter;
  const enc = loadTokenizer(MODEL).encode(TEXT, { maxLength: 512 });
  const n = enc.ids.length;
  const inputs = {
    inputIds: tf.tensor2d([enc.ids], [1, n], 'int32'),
    attentionMask: tf.ones([1, n], 'int32') as tf.Tensor2D,
    tokenTypeIds: tf.tensor2d([enc.typeIds], [1, n], 'int32'),
  };
  const answer = await loaded.forward(model, inputs);
  const probs = tf.tidy(() => tf.softmax(answer).dataSync());
  tf.dispose([answer, ...Object.values(inputs)]);
  expected = new Map(loaded.labels.map((l, i) => [l, probs[i] as number]));
  loaded.dispose();
  model.dispose();
});

afterAll(async () => {
  for (const a of apis) await a.stop();
  tmp.cleanup();
});

describe('"adapter": "auto"', () => {
  it("goes through the library's router and answers its mixture over its adapters' labels", async () => {
    const url = await serve(path.join(tmp.dir, 'lib'));
    const res = await classify(url, 'auto');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { adapter: string; labels: { label: string; probability: number }[] };
    expect(body.labels.map((l) => l.label).sort()).toEqual(['cooking', 'film', 'ham', 'spam', 'sport']);
    for (const l of body.labels) expect(l.probability).toBeCloseTo(expected.get(l.label) ?? -1, 5);
    // The same as naming the router.
    const named = (await (await classify(url, 'my-router')).json()) as typeof body;
    expect(named.labels).toEqual(body.labels);
  });

  it('takes the router the server was started with, and refuses in one line when there is none', async () => {
    const url = await serve(path.join(tmp.dir, 'lib'), 'my-router');
    expect((await classify(url, 'auto')).status).toBe(200);
    const wrong = await serve(path.join(tmp.dir, 'lib'), 'spamm');
    const r1 = await classify(wrong, 'auto');
    expect(r1.status).toBe(404);
    expect(((await r1.json()) as { error: { message: string } }).error.message).toMatch(
      /router "spamm" is not in the library/,
    );

    const bare = path.join(tmp.dir, 'bare');
    const model = loadModel(MODEL);
    await makeAdapterFolder(model, path.join(bare, 'spam'), bottleneck16('pfeiffer'), ['a', 'b'], 4);
    model.dispose();
    const r2 = await classify(await serve(bare), 'auto');
    expect(r2.status).toBe(404);
    expect(((await r2.json()) as { error: { message: string } }).error.message).toMatch(
      /routes through a router, and the library has none/,
    );
  });
});
