import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { adapterDiskBytes } from '../../../src-main/training/adapter-bytes.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-adapter-bytes-');
afterAll(() => tmp.cleanup());

const write = (name: string, bytes: number) => {
  const p = path.join(tmp.dir, name);
  fs.writeFileSync(p, Buffer.alloc(bytes));
  return p;
};

describe('adapter size on disk', () => {
  it("counts a LoRA adapter's weights once, not once per format", () => {
    const ours = [write('studio_adapter.json', 400), write('adapter.safetensors', 10_000)];
    const peft = [write('adapter_config.json', 1_100), write('adapter_model.safetensors', 10_200)];
    expect(adapterDiskBytes([...ours, ...peft])).toBe(10_400);
    // A folder with only PEFT's files counts them.
    expect(adapterDiskBytes(peft)).toBe(11_300);
  });
});
