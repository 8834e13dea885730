/** A team bundle made without training: a recorded LoRA run (the tiny BERT's PEFT fixture) exported in-process. */
import path from 'node:path';
import { exportRun } from '../../src-main/export/index.ts';
import { trainConfigSchema } from '../../src-shared/train-config.ts';
import { copyTinyLora, newProjectFolder, recordRunWithAdapter, TINY_BERT } from './export-fixtures.ts';
import { OWN_FIXTURES_DIR } from './fixtures.ts';

/** Writes `<root>/<name>.zip`, the bundle of a LoRA run of a new project `<root>/<name>-source`; returns its path. */
export async function makeLoraBundle(root: string, name = 'good'): Promise<string> {
  const source = newProjectFolder(root, `${name}-source`);
  const config = trainConfigSchema.parse({
    project: source.dir,
    model: TINY_BERT,
    name: 'shared lora',
    dataset: { path: path.join(OWN_FIXTURES_DIR, 'datasets/small.csv') },
    method: { type: 'lora', r: 2, alpha: 4 },
    train: { maxSteps: 10 },
  });
  const run = recordRunWithAdapter(
    source.db,
    source.dir,
    {
      name: 'shared lora',
      method: 'lora',
      config: config as unknown as Record<string, unknown>,
      accuracy: 0.75,
    },
    copyTinyLora,
  );
  const zip = path.join(root, `${name}.zip`);
  await exportRun(source.db, source.dir, run, 'bundle', zip);
  source.db.close();
  return zip;
}
