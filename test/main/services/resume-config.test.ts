/** A resumed run's stored config is parsed again, never cast: one line when it no longer parses. */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src-main/db/open.ts';
import { initProject } from '../../../src-main/db/tables/project.ts';
import { insertRun, updateRunStatus } from '../../../src-main/db/tables/runs.ts';
import { UserError } from '../../../src-main/errors.ts';
import { resumeRun } from '../../../src-main/services/training.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-resume-config-');
afterAll(() => tmp.cleanup());

describe('resumeRun', () => {
  it('refuses a stored config that no longer parses with one line naming the field', () => {
    const db = openDatabase(path.join(tmp.dir, 'studio.db'));
    initProject(db, { name: 'p', createdAt: new Date().toISOString() });
    const config = {
      project: tmp.dir,
      model: 'default',
      dataset: { sample: 'spam-assassin' },
      // LoRA's dropout is in [0, 1): a config from before that rule (or edited by hand) must not reach training.
      method: { type: 'lora', r: 2, alpha: 4, dropout: 1 },
    };
    const id = insertRun(db, {
      name: 'r',
      datasetId: null,
      baseModelId: null,
      method: 'lora',
      config,
      createdAt: '',
    });
    updateRunStatus(db, id, { status: 'interrupted' });
    const run = () => resumeRun(db, tmp.dir, id);
    expect(run).toThrow(UserError);
    expect(run).toThrow(/^run \d+: its stored config no longer parses: method\.dropout: .*1$/);
    db.close();
  });
});
