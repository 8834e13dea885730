/**
 * The bundled decoder as the studio offers it: "default-decoder" names its folder (in configs, the CLI and the
 * API), the model list shows it after the default encoder once its folder is present, and the studio's own
 * generation path (what `studio generate`, the playground and /v1/completions run) gives the folder's
 * generation_reference.json greedy ids token for token. The folder is made on a machine with torch
 * (tools/default-decoder/make_default_decoder.py); until it is committed only the naming is checked.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLING } from '../../../src-shared/generation.ts';
import { generate } from '../../../src-main/inference/generate/index.ts';
import { ModelCache } from '../../../src-main/inference/predict.ts';
import {
  DEFAULT_DECODER_DIR,
  hasDefaultDecoder,
  resolveModelDir,
} from '../../../src-main/models/default-model.ts';
import { listModels } from '../../../src-main/services/library.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { newProjectFolder } from '../../helpers/export-fixtures.ts';
import { REPO_ROOT } from '../../helpers/fixtures.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('default-decoder-zoo-');
afterAll(() => tmp.cleanup());

interface Reference {
  maxNewTokens: number;
  prompts: { prompt: string; promptIds: number[]; greedyIds: number[]; text: string }[];
}

describe('the bundled decoder in the studio', () => {
  it('is named "default-decoder" and lives in models/studio-gpt2-small', () => {
    expect(resolveModelDir('default-decoder')).toBe(DEFAULT_DECODER_DIR);
    expect(DEFAULT_DECODER_DIR).toBe(path.join(REPO_ROOT, 'models/studio-gpt2-small'));
    expect(resolveModelDir('default')).not.toBe(DEFAULT_DECODER_DIR);
  });

  it.skipIf(!hasDefaultDecoder())(
    'is listed after the default encoder, and generates its reference greedily out of the box',
    async () => {
      const { db } = newProjectFolder(tmp.dir, 'p');
      try {
        const models = listModels(db);
        expect(models.slice(0, 2).map((m) => [m.model, m.bundled, m.generates])).toEqual([
          ['default', true, false],
          ['default-decoder', true, true],
        ]);
      } finally {
        db.close();
      }
      await useTestBackend();
      const ref = JSON.parse(
        fs.readFileSync(path.join(DEFAULT_DECODER_DIR, 'generation_reference.json'), 'utf8'),
      ) as Reference;
      const cache = new ModelCache();
      try {
        for (const p of ref.prompts) {
          const result = await generate(cache, {
            model: 'default-decoder',
            adapters: [],
            prompt: p.prompt,
            options: { ...DEFAULT_SAMPLING, maxNewTokens: ref.maxNewTokens },
          });
          expect(result.columns[0]?.promptIds).toEqual(p.promptIds);
          expect(result.columns[0]?.ids, p.prompt).toEqual(p.greedyIds);
        }
      } finally {
        cache.dispose();
      }
    },
  );
});
