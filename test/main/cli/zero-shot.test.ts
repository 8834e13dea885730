/** `studio zero-shot` on a CLIP folder, as a user runs it from a shell. */
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
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
