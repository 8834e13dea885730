/**
 * The real serving API (listener, scheduler and serving process, as `studio serve --api` runs them) on the webgpu
 * backend answers what it answers on wasm (issue #16): classify and embed through two LoRA adapters, IA3 and a
 * bottleneck, sent at once so they share mixed batches. On webgpu those batches take their LoRA products, IA3
 * vectors and heads from the adapter bank (serving/bank.ts); on wasm they do not, so this also checks the bank
 * against the per-adapter path end to end. The serving process's tensor count returns to its base-only value once
 * the adapters are unloaded (the bank's tensors go with them). webgpu runs on lavapipe where there is no GPU;
 * skipped, with the reason, only where no WebGPU adapter exists at all.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { MethodConfig } from '../../../src-shared/train-config.ts';
import { loadModel } from '../../../src-main/models/index.ts';
import { FolderLibrary } from '../../../src-main/serve-api/library.ts';
import { ServeApi } from '../../../src-main/serve-api/service.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { HF_TINY_DIR } from '../../helpers/fixtures.ts';
import { bottleneck16 } from '../../helpers/methods.ts';
import { makeAdapterFolder } from '../../helpers/serve-adapters.ts';
import { tempDir } from '../../helpers/temp.ts';
import { useWebGpuForTests } from '../../helpers/webgpu.ts';

const MODEL = path.join(HF_TINY_DIR, 'bert-seqcls', 'base');
const TOKEN = 'webgpu-serve-token';
const tmp = tempDir('webgpu-serve-');
const savedBackend = process.env.STUDIO_BACKEND;

const ADAPTERS: [string, MethodConfig, string[]][] = [
  ['lora-a', { type: 'lora', r: 4, alpha: 8, dropout: 0, rslora: false }, ['ham', 'spam']],
  ['lora-b', { type: 'lora', r: 2, alpha: 4, dropout: 0, rslora: true }, ['no', 'yes', 'maybe']],
  ['ia3', { type: 'ia3' }, ['a', 'b']],
  ['bottleneck', bottleneck16('pfeiffer'), ['x', 'y']],
];
const TEXTS = ['win money now', 'a text about sport and other things', 'short'];

interface Served {
  backend: string;
  /** Per request: the classify probabilities by label, or the embedding. */
  answers: number[][];
  tensors: { baseOnly: number; loaded: number; again: number; unloaded: number };
}

/** Starts the serving API with `backend` in its serving process, asks everything twice, unloads, stops. */
async function serve(backend: string): Promise<Served> {
  process.env.STUDIO_BACKEND = backend;
  const api = new ServeApi(TOKEN, () => {
    throw new Error('no project here');
  });
  const { url } = await api.start({ library: new FolderLibrary(tmp.dir, MODEL) });
  const call = async (p: string, body?: unknown) => {
    const res = await fetch(`${url}${p}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    expect(res.status, `${p}: ${res.status}`).toBe(200);
    return (await res.json()) as Record<string, unknown>;
  };
  const health = async () => (await call('/v1/health')) as { backend: string; numTensors: number };
  const round = () =>
    Promise.all(
      ADAPTERS.flatMap(([adapter]) =>
        TEXTS.map(async (text, t) => {
          if (t === 2)
            return ((await call('/v1/embed', { adapter, text })) as { embedding: number[] }).embedding;
          const { labels } = (await call('/v1/classify', { adapter, text, topK: 5 })) as {
            labels: { label: string; probability: number }[];
          };
          return [...labels].sort((a, b) => a.label.localeCompare(b.label)).map((l) => l.probability);
        }),
      ),
    );
  try {
    const unloadAll = async () => {
      for (const [adapter] of ADAPTERS)
        expect((await call(`/v1/adapters/${adapter}/unload`, {})).unloaded, adapter).toBe(true);
    };
    // A first load and unload of each adapter: what stays after it (per-model caches) is not the bank's.
    await round();
    await unloadAll();
    const baseOnly = (await health()).numTensors;
    await round();
    const loaded = (await health()).numTensors;
    const answers = await round();
    const again = (await health()).numTensors;
    await unloadAll();
    const h = await health();
    return { backend: h.backend, answers, tensors: { baseOnly, loaded, again, unloaded: h.numTensors } };
  } finally {
    await api.stop();
  }
}

const unavailable = await useWebGpuForTests();
if (unavailable) console.warn(`webgpu serving test skipped: ${unavailable}`);
await useTestBackend();
const model = loadModel(MODEL);
for (const [i, [name, config, labels]] of ADAPTERS.entries())
  await makeAdapterFolder(model, path.join(tmp.dir, name), config, labels, 60 + i);
model.dispose();

afterAll(() => {
  if (savedBackend === undefined) delete process.env.STUDIO_BACKEND;
  else process.env.STUDIO_BACKEND = savedBackend;
  tmp.cleanup();
});

const maxDiff = (a: readonly number[], b: readonly number[]) =>
  a.length !== b.length ? Infinity : a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe.skipIf(unavailable !== null)('the serving API on webgpu', () => {
  it("answers classify and embed in mixed batches as wasm does (1e-4), and lets the bank's tensors go", async () => {
    const wasm = await serve('wasm');
    const gpu = await serve('webgpu');
    expect(wasm.backend).toBe('wasm');
    expect(gpu.backend).toBe('webgpu');
    expect(gpu.answers).toHaveLength(ADAPTERS.length * TEXTS.length);
    gpu.answers.forEach((a, i) => {
      expect(maxDiff(a, wasm.answers[i]!), `request ${i}`).toBeLessThanOrEqual(1e-4);
    });
    // The adapters change the answers: two adapters on one text do not agree.
    expect(maxDiff(wasm.answers[0]!.slice(0, 2), wasm.answers[6]!.slice(0, 2))).toBeGreaterThan(1e-3);
    for (const s of [wasm, gpu]) {
      // Loaded adapters (and on webgpu the bank) hold tensors; a second round adds none; unloading frees all.
      expect(s.tensors.loaded, s.backend).toBeGreaterThan(s.tensors.baseOnly);
      expect(s.tensors.again, s.backend).toBe(s.tensors.loaded);
      expect(s.tensors.unloaded, s.backend).toBe(s.tensors.baseOnly);
    }
    // The bank's stacks are tensors of their own on webgpu: more live tensors there with the adapters loaded.
    expect(gpu.tensors.loaded - gpu.tensors.baseOnly).toBeGreaterThan(
      wasm.tensors.loaded - wasm.tensors.baseOnly,
    );
  });
});
