import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readTrainConfig } from '../../../src-main/cli/commands/train.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-train-config-');
afterAll(() => tmp.cleanup());

const write = (name: string, config: object) => {
  const file = path.join(tmp.dir, name);
  fs.writeFileSync(file, JSON.stringify(config));
  return file;
};
const minimal = { model: 'default', dataset: { sample: 'first-names' }, method: { type: 'lora' } };

describe('studio train --config FILE [--project DIR]', () => {
  it("takes the config's project relative to the config's folder", () => {
    const config = readTrainConfig(write('with-project.json', { ...minimal, project: './p' }));
    expect(config.project).toBe(path.join(tmp.dir, 'p'));
  });

  it("--project replaces the config's project, relative to the working folder, and may stand in for it", () => {
    const elsewhere = path.join(tmp.dir, 'elsewhere');
    expect(readTrainConfig(write('a.json', { ...minimal, project: './p' }), elsewhere).project).toBe(
      elsewhere,
    );
    expect(readTrainConfig(write('b.json', minimal), 'relative-dir').project).toBe(
      path.resolve('relative-dir'),
    );
  });

  it('keeps the bundled models by name and takes other model folders relative to the config', () => {
    const model = (m: string) =>
      readTrainConfig(write('m.json', { ...minimal, model: m, project: './p' })).model;
    expect(model('default')).toBe('default');
    // Before: "studio-clip-small" became <config folder>/studio-clip-small, a folder that does not exist.
    expect(model('studio-clip-small')).toBe('studio-clip-small');
    expect(model('./my-clip')).toBe(path.join(tmp.dir, 'my-clip'));
  });

  it('without either, names the missing field', () => {
    expect(() => readTrainConfig(write('c.json', minimal))).toThrow(
      /c\.json: Project is required \(project\)$/,
    );
  });
});
