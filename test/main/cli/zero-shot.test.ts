/** `studio zero-shot` on a CLIP folder, as a user runs it from a shell. */
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { readSafetensors } from '../../../src-main/engine/safetensors/index.ts';
import { maxAbsDiff } from '../../helpers/reference.ts';
import { CLIP_FIXTURE_DIR, writeClipFolder } from '../../helpers/clip-folder.ts';
import { expectSuccess, expectUserError, studioCli } from '../../helpers/studio-cli.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-zero-shot-');
afterAll(() => tmp.cleanup());
const cli = studioCli(path.join(tmp.dir, 'home'));

/** A 40x40 PNG of one colour (the model resizes it to its 30x30). */
function png(name: string, rgb: [number, number, number]): string {
  const p = new PNG({ width: 40, height: 40 });
  for (let i = 0; i < 40 * 40; i++) p.data.set([...rgb, 255], i * 4);
  const file = path.join(tmp.dir, name);
  fs.writeFileSync(file, PNG.sync.write(p));
  return file;
}

interface Result {
  template: string;
  images: { image: string; labels: { label: string; probability: number }[] }[];
}

describe('studio zero-shot', () => {
  const model = writeClipFolder(tmp.dir);
  const red = png('red.png', [255, 0, 0]);
  const blue = png('blue.png', [0, 0, 255]);

  it('ranks every label for every image (JSON), and prints the same as text', () => {
    const args = [
      'zero-shot',
      '--model',
      model,
      '--image',
      red,
      blue,
      '--labels',
      'red square,blue circle,star',
    ];
    const r = cli([...args, '--json']);
    expectSuccess(r);
    const out = JSON.parse(r.stdout) as Result;
    expect(out.template).toBe('a photo of a {label}');
    expect(out.images.map((i) => i.image)).toEqual([red, blue]);
    for (const row of out.images) {
      expect(row.labels.map((l) => l.label).sort()).toEqual(['blue circle', 'red square', 'star']);
      expect(row.labels.reduce((a, l) => a + l.probability, 0)).toBeCloseTo(1, 4);
    }
    const text = cli(args);
    expectSuccess(text);
    const first = out.images[0]?.labels[0];
    expect(text.stdout).toContain(`${red}: ${first?.label} ${(100 * (first?.probability ?? 0)).toFixed(1)}%`);
  });

  it('takes a template and a LoRA on both towers, which change the scores', () => {
    const base = ['zero-shot', '--model', model, '--image', red, '--labels', 'cat,dog,bird', '--json'];
    const plain = JSON.parse(cli(base).stdout) as Result;
    const templated = cli([...base, '--template', 'a drawing of a {label}']);
    expectSuccess(templated);
    const lora = cli([...base, '--adapter', path.join(CLIP_FIXTURE_DIR, 'lora')]);
    expectSuccess(lora);
    const prob = (r: Result) => r.images[0]?.labels.find((l) => l.label === 'cat')?.probability;
    expect(prob(JSON.parse(templated.stdout) as Result)).not.toBeCloseTo(prob(plain) ?? 0, 6);
    expect(prob(JSON.parse(lora.stdout) as Result)).not.toBeCloseTo(prob(plain) ?? 0, 6);
  });

  it('refuses one label, a template without {label}, a missing image and a model that is not CLIP, in one line', () => {
    expectUserError(
      cli(['zero-shot', '--model', model, '--image', red, '--labels', 'cat']),
      /at least two labels/,
    );
    expectUserError(
      cli(['zero-shot', '--model', model, '--image', red, '--labels', 'a,b', '--template', 'a photo']),
      /no \{label\}/,
    );
    expectUserError(
      cli(['zero-shot', '--model', model, '--image', path.join(tmp.dir, 'none.png'), '--labels', 'a,b']),
      /none\.png: no such file/,
    );
    expectUserError(
      cli(['zero-shot', '--model', 'default', '--image', red, '--labels', 'a,b']),
      /needs a CLIP model/,
    );
  });
});

describe('studio predict on a CLIP folder', () => {
  it("writes logits (logits_per_image) and every output CLIP declares, transformers' within 1e-4", () => {
    const ref = path.join(CLIP_FIXTURE_DIR, 'base/reference.safetensors');
    const out = path.join(tmp.dir, 'clip-out.safetensors');
    expectSuccess(
      cli(['predict', '--model', path.join(CLIP_FIXTURE_DIR, 'base'), '--inputs', ref, '--output', out]),
    );
    const ours = readSafetensors(out).tensors;
    const want = readSafetensors(ref).tensors;
    const pairs: [string, string][] = [
      ['logits', 'logits_per_image'],
      ...['logits_per_text', 'text_embeds', 'image_embeds', 'vision_last_hidden_state'].map(
        (n): [string, string] => [n, n],
      ),
    ];
    for (const [name, refName] of pairs) {
      const a = ours.get(name);
      const b = want.get(refName);
      expect(a?.shape, name).toEqual(b?.shape);
      expect(maxAbsDiff(a?.data ?? [], b?.data ?? []), name).toBeLessThanOrEqual(1e-4);
    }
  });
});
