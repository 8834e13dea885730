import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  baseIdentity,
  loadAdapter,
  readAdapterFolder,
  saveAdapter,
} from '../../../src-main/adapters/index.ts';
import { readSafetensors } from '../../../src-main/engine/safetensors/index.ts';
import { loadModel } from '../../../src-main/models/index.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { HF_TINY_DIR, HF_TINY_MODELS } from '../../helpers/fixtures.ts';
import { tempDir } from '../../helpers/temp.ts';

beforeAll(useTestBackend);
const tmp = tempDir('studio-peft-save-');
afterAll(() => tmp.cleanup());

const CASES: [string, string][] = [
  ...HF_TINY_MODELS.map((m): [string, string] => [m, 'lora']),
  ['bert-seqcls', 'ia3'],
  ['bert-seqcls', 'prompt-tuning'],
];

describe.each(CASES)('%s %s saved in PEFT format', (name, kind) => {
  it("has exactly the fixture's tensor names, shapes and config keys", async () => {
    const fixture = path.join(HF_TINY_DIR, name, kind);
    const model = loadModel(path.join(HF_TINY_DIR, name, 'base'));
    const adapter = loadAdapter(model, fixture);
    const out = path.join(tmp.dir, `${name}-${kind}`);
    await saveAdapter(model, adapter, readAdapterFolder(fixture).config, out, baseIdentity(model));
    const shapes = (dir: string) =>
      Object.fromEntries(
        [...readSafetensors(path.join(dir, 'adapter_model.safetensors')).tensors].map(([n, t]) => [
          n,
          t.shape,
        ]),
      );
    expect(shapes(out)).toEqual(shapes(fixture));
    const keys = (dir: string) =>
      Object.keys(JSON.parse(fs.readFileSync(path.join(dir, 'adapter_config.json'), 'utf8'))).sort();
    expect(keys(out)).toEqual(keys(fixture));
    const ours = JSON.parse(fs.readFileSync(path.join(out, 'adapter_config.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    const theirs = JSON.parse(fs.readFileSync(path.join(fixture, 'adapter_config.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    for (const k of ['peft_type', 'r', 'lora_alpha', 'fan_in_fan_out', 'num_virtual_tokens', 'use_rslora'])
      expect(ours[k]).toEqual(theirs[k]);
    // And the saved values round-trip exactly.
    const a = readSafetensors(path.join(out, 'adapter_model.safetensors')).tensors;
    for (const [n, t] of readSafetensors(path.join(fixture, 'adapter_model.safetensors')).tensors)
      expect(a.get(n)?.data).toEqual(t.data);
    adapter.dispose();
    model.dispose();
  });
});
