import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSafetensors, readSafetensors } from '../../../src-main/engine/safetensors/index.ts';
import { loadModel, supportedModelTypes } from '../../../src-main/models/index.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { HF_TINY_DIR } from '../../helpers/fixtures.ts';
import { tempDir } from '../../helpers/temp.ts';

beforeAll(useTestBackend);
const tmp = tempDir('studio-models-');
afterAll(() => tmp.cleanup());

function copyModel(name: string, edit: (config: Record<string, unknown>) => void): string {
  const dir = path.join(tmp.dir, `${name}-${Math.random().toString(36).slice(2)}`);
  fs.cpSync(path.join(HF_TINY_DIR, name, 'base'), dir, { recursive: true });
  const file = path.join(dir, 'config.json');
  const config = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  edit(config);
  fs.writeFileSync(file, JSON.stringify(config));
  return dir;
}

describe('loading errors', () => {
  it('an unknown model_type lists the supported ones', () => {
    const dir = copyModel('bert-seqcls', (c) => (c.model_type = 'mamba'));
    expect(() => loadModel(dir)).toThrow(
      `model_type "mamba" is not supported; supported: ${supportedModelTypes().join(', ')}`,
    );
    expect(supportedModelTypes()).toEqual(
      expect.arrayContaining(['bert', 'distilbert', 'roberta', 'gpt2', 'llama', 'vit', 'resnet']),
    );
  });

  it('an unsupported option is named', () => {
    const dir = copyModel('llama-lm', (c) => (c.rope_parameters = { rope_type: 'yarn', rope_theta: 10000 }));
    expect(() => loadModel(dir)).toThrow(/rope type "yarn" is not supported/);
  });

  it('a bad field names its path', () => {
    const dir = copyModel('bert-seqcls', (c) => (c.hidden_size = 'big'));
    expect(() => loadModel(dir)).toThrow(/config.json: hidden_size: /);
  });

  it('missing weights are reported by name', () => {
    const dir = copyModel('bert-seqcls', () => {});
    const file = path.join(dir, 'model.safetensors');
    const w = readSafetensors(file).tensors;
    w.delete('bert.encoder.layer.1.attention.self.key.weight');
    writeSafetensors(file, w);
    expect(() => loadModel(dir)).toThrow(
      /missing weights: bert\.encoder\.layer\.1\.attention\.self\.key\.weight/,
    );
  });

  it('unexpected weights are reported by name, not fatal', () => {
    const dir = copyModel('bert-seqcls', () => {});
    const file = path.join(dir, 'model.safetensors');
    const w = readSafetensors(file).tensors;
    w.set('bert.extra.thing', { dtype: 'float32', shape: [1], data: Float32Array.from([1]) });
    writeSafetensors(file, w);
    const model = loadModel(dir);
    expect(model.params.unexpected).toEqual(['bert.extra.thing']);
    model.dispose();
  });

  it('a folder without config.json says so', () => {
    expect(() => loadModel(tmp.dir)).toThrow(/config.json: not found/);
  });
});
