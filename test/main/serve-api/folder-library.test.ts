/**
 * The serving API's libraries report each base model as its config.json says (model_type and first
 * architecture), not as a BERT: a folder of adapters on the GPT-2 or Llama fixture (bench-serve's FolderLibrary,
 * PEFT adapter folders included) and the no-project library of the bundled models.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FolderLibrary } from '../../../src-main/serve-api/library.ts';
import { DEFAULT_DECODER, DEFAULT_MODEL, hasDefaultDecoder } from '../../../src-main/models/default-model.ts';
import { HF_TINY_DIR } from '../../helpers/fixtures.ts';
import { startTestApi } from '../../helpers/serve-api.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('serve-folder-library-');
afterAll(() => tmp.cleanup());

/** A library folder holding `fixture`'s PEFT LoRA and one adapter folder of ours. */
function libraryOf(fixture: string): string {
  const dir = path.join(tmp.dir, fixture);
  fs.mkdirSync(path.join(dir, 'ours'), { recursive: true });
  fs.cpSync(path.join(HF_TINY_DIR, fixture, 'lora'), path.join(dir, 'peft-lora'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'ours', 'studio_adapter.json'),
    JSON.stringify({ format: 'adapter-studio', version: 1, method: 'ia3', config: { task: 'causal-lm' } }),
  );
  return dir;
}

describe('FolderLibrary', () => {
  it.each([
    ['gpt2-lm', 'gpt2', 'GPT2LMHeadModel'],
    ['llama-lm', 'llama', 'LlamaForCausalLM'],
  ])(
    'lists the %s base with its own architecture and each adapter with its method',
    (fixture, arch, task) => {
      const base = path.join(HF_TINY_DIR, fixture, 'base');
      const lib = new FolderLibrary(libraryOf(fixture), base);
      expect(lib.models()).toEqual([{ id: base, architecture: arch, task }]);
      expect(
        lib
          .adapters()
          .map((a) => [a.name, a.method, a.model])
          .sort(),
      ).toEqual([
        ['ours', 'ia3', base],
        ['peft-lora', 'lora', base],
      ]);
    },
  );

  it('tells DoRA from LoRA in a PEFT folder, and the bundled encoder is a BERT', () => {
    const dir = libraryOf('gpt2-lm');
    const config = path.join(dir, 'peft-lora', 'adapter_config.json');
    fs.writeFileSync(
      config,
      JSON.stringify({ ...JSON.parse(fs.readFileSync(config, 'utf8')), use_dora: true }),
    );
    const lib = new FolderLibrary(dir);
    expect(lib.adapters().find((a) => a.name === 'peft-lora')?.method).toBe('dora');
    expect(lib.models()[0]).toMatchObject({ id: 'default', architecture: 'bert' });
  });
});

describe('the library without a project', () => {
  it('lists the bundled decoder as a GPT-2 in GET /v1/models', async (ctx) => {
    if (!hasDefaultDecoder()) ctx.skip('the bundled decoder folder is not in place');
    const { api, url } = await startTestApi('folder-library-token');
    try {
      const res = await fetch(`${url}/v1/models`, {
        headers: { authorization: 'Bearer folder-library-token' },
      });
      const body = (await res.json()) as { models: { id: string; architecture: string; task: string }[] };
      expect(body.models).toEqual([
        { id: DEFAULT_MODEL, architecture: 'bert', task: expect.any(String), adapters: 0 },
        { id: DEFAULT_DECODER, architecture: 'gpt2', task: 'GPT2LMHeadModel', adapters: 0 },
      ]);
    } finally {
      await api.stop();
    }
  });
});
