/**
 * OpenAI-compatible completions over loopback: a real listener and serving process over a library with the tiny
 * GPT-2 and a PEFT LoRA on it. Non-streamed and streamed completions equal `studio generate` for the same seed
 * and options; usage counts; an unknown model is 404 naming it; no token is 401; a client that calls the API as
 * OpenAI's clients do (paths, headers, JSON and SSE shapes) works; unsupported options are refused by name.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerationResult } from '../../../src-shared/generation.ts';
import type { AdapterLibrary } from '../../../src-main/serve-api/library.ts';
import type { ServeApi } from '../../../src-main/serve-api/service.ts';
import { HF_TINY_DIR, REPO_ROOT } from '../../helpers/fixtures.ts';
import { startTestApi } from '../../helpers/serve-api.ts';
import { OpenAiStyleClient, OpenAiStyleError } from '../../helpers/openai-style-client.ts';
import type { Completion } from '../../helpers/openai-style-client.ts';
import { tempDir } from '../../helpers/temp.ts';

const GPT2 = path.join(HF_TINY_DIR, 'gpt2-lm');
const BASE = path.join(GPT2, 'base');
const TOKEN = 'completions-token-1';
const tmp = tempDir('serve-completions-');
const library: AdapterLibrary = {
  models: () => [{ id: BASE, architecture: 'GPT2LMHeadModel', task: 'causal-lm' }],
  adapters: () => [
    { id: '7', name: 'gpt2-lora', method: 'lora', model: BASE, labels: [], dir: path.join(GPT2, 'lora') },
  ],
};
let api: ServeApi;
let url: string;

const post = (body: unknown, token: string | null = TOKEN) =>
  fetch(`${url}/v1/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });

/**
 * `studio generate --json` in its own process: the column it generated. Asynchronous: the server under test runs
 * in this process, and a blocked event loop would close its idle keep-alive sockets under the next request.
 */
async function studioGenerate(args: string[]) {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [path.join(REPO_ROOT, 'bin/studio.mjs'), 'generate', '--model', BASE, '--json', ...args],
    { encoding: 'utf8', env: { ...process.env, STUDIO_HOME: path.join(tmp.dir, 'home') }, timeout: 180_000 },
  );
  const column = (JSON.parse(stdout) as GenerationResult).columns[0];
  if (!column) throw new Error('no column');
  return column;
}

const joined = (chunks: Completion[], index = 0) =>
  chunks.flatMap((c) => c.choices.filter((x) => x.index === index).map((x) => x.text)).join('');

beforeAll(async () => {
  ({ api, url } = await startTestApi(TOKEN, { library }));
});

afterAll(async () => {
  await api?.stop();
  tmp.cleanup();
});

describe('/v1/completions', () => {
  const prompt = 'Hello world';
  const sampled = { temperature: 1.3, top_p: 0.9, top_k: 50, seed: 11, max_tokens: 12 };
  const cliSampled = ['--temperature', '1.3', '--top-p', '0.9', '--top-k', '50', '--seed', '11'];

  it('answers, streamed or not, what studio generate makes with the same adapter, seed and options', async () => {
    const cli = await studioGenerate([
      '--adapter',
      path.join(GPT2, 'lora'),
      '--prompt',
      prompt,
      '--max-new-tokens',
      '12',
      ...cliSampled,
    ]);
    const res = await post({ model: 'gpt2-lora', prompt, ...sampled });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Completion;
    expect(body.object).toBe('text_completion');
    expect(body.model).toBe('gpt2-lora');
    expect(body.id).toMatch(/^cmpl-/);
    expect(body.choices).toHaveLength(1);
    expect(body.choices[0]).toEqual({
      text: cli.text,
      index: 0,
      logprobs: null,
      finish_reason: cli.finish === 'length' ? 'length' : 'stop',
    });
    expect(body.usage).toEqual({
      prompt_tokens: cli.promptIds.length,
      completion_tokens: cli.ids.length,
      total_tokens: cli.promptIds.length + cli.ids.length,
    });
    expect(cli.text.length).toBeGreaterThan(0);

    const client = new OpenAiStyleClient(`${url}/v1`, TOKEN);
    const chunks = await client.completions.stream({
      model: 'gpt2-lora',
      prompt,
      ...sampled,
      stream_options: { include_usage: true },
    });
    expect(joined(chunks)).toBe(cli.text);
    // Several chunks: the text streamed as it grew, not sent at the end.
    expect(chunks.filter((c) => c.choices[0]?.text).length).toBeGreaterThan(1);
    const finish = chunks.at(-2)!;
    expect(finish.choices[0]?.finish_reason).toBe(body.choices[0]?.finish_reason);
    expect(chunks.slice(0, -2).every((c) => c.choices[0]?.finish_reason === null && c.usage === null)).toBe(
      true,
    );
    // include_usage: a last chunk with no choices and the counts.
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: body.usage, object: 'text_completion' });
  });

  it('generates greedily with the base model named as model, stop sequences and several prompts', async () => {
    const cli = await studioGenerate(['--prompt', prompt, '--max-new-tokens', '10']);
    const client = new OpenAiStyleClient(`${url}/v1`, TOKEN);
    const two = await client.completions.create({
      model: BASE,
      prompt: [prompt, 'Another prompt'],
      temperature: 0,
      max_tokens: 10,
    });
    expect(two.choices.map((c) => c.index)).toEqual([0, 1]);
    expect(two.choices[0]?.text).toBe(cli.text);
    const other = await studioGenerate(['--prompt', 'Another prompt', '--max-new-tokens', '10']);
    expect(two.choices[1]?.text).toBe(other.text);
    expect(two.usage?.completion_tokens).toBe(cli.ids.length + other.ids.length);

    // A stop sequence taken from the greedy text: the answer ends before it, finish_reason "stop".
    const stop = cli.text.slice(4, 7);
    expect(stop.trim().length).toBeGreaterThan(0);
    const cut = await client.completions.create({
      model: BASE,
      prompt,
      temperature: 0,
      max_tokens: 10,
      stop,
    });
    expect(cut.choices[0]?.text).toBe(cli.text.slice(0, cli.text.indexOf(stop)));
    expect(cut.choices[0]?.finish_reason).toBe('stop');
    const streamed = await client.completions.stream({
      model: BASE,
      prompt,
      temperature: 0,
      max_tokens: 10,
      stop,
    });
    expect(joined(streamed)).toBe(cut.choices[0]?.text);
    expect(streamed.every((c) => !('usage' in c))).toBe(true);
  });

  it('lists the base and the adapter as OpenAI lists models', async () => {
    const client = new OpenAiStyleClient(`${url}/v1`, TOKEN);
    const models = await client.models.list();
    expect(models.map((m) => [m.id, m.object, m.owned_by])).toEqual([
      [BASE, 'model', 'studio'],
      ['gpt2-lora', 'model', 'library'],
    ]);
    expect(await client.models.retrieve('gpt2-lora')).toMatchObject({ id: 'gpt2-lora', parent: BASE });
    expect(await client.models.retrieve('7')).toMatchObject({ id: '7', owned_by: 'library' });
    await expect(client.models.retrieve('nope')).rejects.toMatchObject({ status: 404 });
  });

  it('answers 404 naming an unknown model, 401 without the token, 400 naming an unsupported option', async () => {
    const client = new OpenAiStyleClient(`${url}/v1`, TOKEN);
    const err = await client.completions
      .create({ model: 'no-such-adapter', prompt })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAiStyleError);
    expect((err as OpenAiStyleError).status).toBe(404);
    expect((err as OpenAiStyleError).error).toMatchObject({
      type: 'invalid_request_error',
      code: 'model_not_found',
      param: 'model',
    });
    expect((err as OpenAiStyleError).error.message).toContain('"no-such-adapter"');
    // A stream asked for an unknown model: the status and JSON error, not an event stream.
    const s404 = await post({ model: 'no-such-adapter', prompt, stream: true });
    expect(s404.status).toBe(404);
    expect(s404.headers.get('content-type')).toBe('application/json');
    await s404.arrayBuffer();

    const anon = await post({ model: 'gpt2-lora', prompt }, null);
    expect(anon.status).toBe(401);
    expect(((await anon.json()) as { error: { code: string; type: string } }).error).toMatchObject({
      code: 'invalid_api_key',
      type: 'invalid_request_error',
    });
    expect((await post({ model: 'gpt2-lora', prompt }, 'wrong')).status).toBe(401);

    for (const [field, value] of [
      ['n', 2],
      ['echo', true],
      ['logprobs', 2],
      ['best_of', 3],
    ] as const) {
      const res = await post({ model: 'gpt2-lora', prompt, [field]: value });
      expect(res.status, field).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
        new RegExp(`^${field}: not supported`),
      );
    }
    const noPrompt = await post({ model: 'gpt2-lora' });
    expect(noPrompt.status).toBe(400);
    await noPrompt.arrayBuffer();
  });

  it('refuses a 17th waiting generation with 503 and Retry-After, and answers the others', async () => {
    const all = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        post({ model: BASE, prompt: `Prompt ${i}`, max_tokens: 8, temperature: 0, top_k: 0 }),
      ),
    );
    const statuses = all.map((r) => r.status);
    // Every request is answered or refused; the first 16 at least are answered (a generation that ends while
    // the others still arrive frees its place), and the rest overflow the 16 places.
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(16);
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(0);
    const busy = all.find((r) => r.status === 503)!;
    expect(busy.headers.get('retry-after')).toBe('1');
    expect(((await busy.json()) as { error: { type: string } }).error.type).toBe('overloaded_error');
    await Promise.all(all.map((r) => r.arrayBuffer().catch(() => null)));
    // Once they are answered, a new one is served again.
    expect((await post({ model: BASE, prompt, max_tokens: 1 })).status).toBe(200);
  });

  it('is in the OpenAPI document, with its event stream', async () => {
    const doc = (await (await fetch(`${url}/openapi.json`)).json()) as {
      paths: Record<
        string,
        Record<string, { responses: Record<string, { content: Record<string, unknown> }> }>
      >;
    };
    const ok = doc.paths['/v1/completions']?.post?.responses['200'];
    expect(Object.keys(ok?.content ?? {})).toEqual(['application/json', 'text/event-stream']);
    expect(Object.keys(doc.paths['/v1/completions']!.post!.responses)).toEqual(
      expect.arrayContaining(['400', '401', '404', '503']),
    );
    expect(doc.paths['/v1/models/{model}']).toBeDefined();
  });
});
