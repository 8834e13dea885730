/**
 * A streamed /v1/completions whose client goes away stops generating at once (issue #16's review): the serving
 * process runs one job at a time, so a generation left running to max_tokens for nobody holds every request
 * behind it. A real listener and serving process over the tiny GPT-2 (128 positions).
 */
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdapterLibrary } from '../../../src-main/serve-api/library.ts';
import type { ServeApi } from '../../../src-main/serve-api/service.ts';
import { HF_TINY_DIR } from '../../helpers/fixtures.ts';
import { startTestApi } from '../../helpers/serve-api.ts';

const BASE = path.join(HF_TINY_DIR, 'gpt2-lm', 'base');
const TOKEN = 'completions-cancel-token';
const library: AdapterLibrary = {
  models: () => [{ id: BASE, architecture: 'gpt2', task: 'GPT2LMHeadModel' }],
  adapters: () => [],
};
const auth = { authorization: `Bearer ${TOKEN}` };
let api: ServeApi;
let url: string;

const health = async () =>
  (await (await fetch(`${url}/v1/health`, { headers: auth })).json()) as {
    numTensors: number;
    generatedTokens: number;
  };

/** Opens a streamed completion, reads its first event and destroys the socket; resolves with that event. */
function firstEventThenDrop(body: unknown): Promise<string> {
  return new Promise((resolve, reject) => {
    let dropped = false;
    const req = http.request(
      `${url}/v1/completions`,
      { method: 'POST', headers: { ...auth, 'content-type': 'application/json' } },
      (res) => {
        res.once('data', (chunk: Buffer) => {
          dropped = true;
          req.destroy();
          resolve(chunk.toString('utf8'));
        });
      },
    );
    req.on('error', (err) => {
      if (!dropped) reject(err);
    });
    req.end(JSON.stringify(body));
  });
}

beforeAll(async () => {
  ({ api, url } = await startTestApi(TOKEN, { library }));
});

afterAll(async () => {
  await api?.stop();
});

describe('/v1/completions, streamed, when the client drops the connection', () => {
  it('stops the generation, frees its tensors and keeps answering', async () => {
    const prompt = 'Hello world';
    // The model is loaded first, so its weights are part of the tensor count the test starts from.
    const warm = await fetch(`${url}/v1/completions`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ model: BASE, prompt, max_tokens: 1, temperature: 0 }),
    });
    expect(warm.status).toBe(200);
    await warm.arrayBuffer();
    const before = await health();

    // Greedy on this prompt runs to the limit: 5 prompt tokens + 120 stay within the 128 positions.
    const maxTokens = 120;
    const first = await firstEventThenDrop({
      model: BASE,
      prompt,
      temperature: 0,
      max_tokens: maxTokens,
      stream: true,
    });
    expect(first).toMatch(/^data: \{/);

    // The serving process answers one job at a time: this status comes once the generation has let go of it.
    const after = await health();
    const made = after.generatedTokens - before.generatedTokens;
    expect(made).toBeGreaterThan(0);
    expect(made).toBeLessThan(maxTokens / 3);
    // The key/value cache and every step's tensors are freed.
    expect(after.numTensors).toBe(before.numTensors);

    // The same request, not dropped, runs to its end: the bound above is the cancel's doing, not an early stop.
    const full = await fetch(`${url}/v1/completions`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ model: BASE, prompt, temperature: 0, max_tokens: maxTokens }),
    });
    expect(full.status).toBe(200);
    const body = (await full.json()) as { usage: { completion_tokens: number } };
    expect(body.usage.completion_tokens).toBe(maxTokens);
    expect((await health()).numTensors).toBe(before.numTensors);
  });

  it('also stops a non-streamed generation whose client gave up waiting', async () => {
    const ask = (body: unknown, signal?: AbortSignal) =>
      fetch(`${url}/v1/completions`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        ...(signal ? { signal } : {}),
      });
    // The model loaded first, so the wait below is generation time only.
    await (await ask({ model: BASE, prompt: 'Hello world', max_tokens: 1 })).arrayBuffer();
    const before = await health();
    // Four prompts of up to 120 tokens each, one after another: 480 tokens when nothing stops them.
    const prompts = ['Hello world', 'Another prompt', 'A third one', 'And the last'];
    const maxTokens = 120;
    const gaveUp = new AbortController();
    const pending = ask(
      { model: BASE, prompt: prompts, temperature: 0, max_tokens: maxTokens },
      gaveUp.signal,
    );
    setTimeout(() => gaveUp.abort(), 300);
    await expect(pending).rejects.toThrow();
    // Each prompt is a job of its own, so a status may come between two of them: read until the count holds.
    let after = await health();
    for (let last = -1; after.generatedTokens !== last; ) {
      last = after.generatedTokens;
      await new Promise((resolve) => setTimeout(resolve, 500));
      after = await health();
    }
    const made = after.generatedTokens - before.generatedTokens;
    // It had begun (the abort came mid-generation, not before the request was read) and stopped within the
    // first prompts.
    expect(made).toBeGreaterThan(0);
    expect(made).toBeLessThan((prompts.length * maxTokens) / 2);
    expect(after.numTensors).toBe(before.numTensors);
  });
});
