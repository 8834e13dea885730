/** Contract handlers of the Datasets page (issue #7; src-shared/contract/datasets.ts); joined in createHandlers. */
import path from 'node:path';
import type { datasetsCalls } from '../../src-shared/contract/datasets.ts';
import type { HandlersOf } from '../../src-shared/contract/define.ts';
import { DATASET_EXTENSIONS, MAX_DATASET_BYTES } from '../../src-shared/datasets.ts';
import { SAMPLES } from '../data/samples.ts';
import type { ServiceContext } from './context.ts';
import { decodeUpload, storeUpload } from './dataset-files.ts';
import {
  addSample,
  discardImport,
  draftDataset,
  listDatasetViews,
  refreshStats,
  removeDataset,
  saveDataset,
} from './datasets.ts';

export function datasetHandlers(ctx: ServiceContext): HandlersOf<typeof datasetsCalls> {
  // Opening the DB first also checks that the folder is a project before anything is written into it.
  const open = (project: string) => ({ db: ctx.projects.db(project), dir: path.resolve(project) });
  return {
    'datasets:samples': async () =>
      SAMPLES.map(({ name, title, description, kind }) => ({ name, title, description, kind })),
    'datasets:limits': async () => ({ maxBytes: MAX_DATASET_BYTES, extensions: [...DATASET_EXTENSIONS] }),
    'datasets:import': async ({ project, name, contentBase64 }) => {
      const { db, dir } = open(project);
      const { file } = storeUpload(dir, name, await decodeUpload(contentBase64));
      return draftDataset(ctx.data, db, dir, file);
    },
    'datasets:preview': async ({ project, file, mapping }) => {
      const { db, dir } = open(project);
      return draftDataset(ctx.data, db, dir, file, mapping);
    },
    'datasets:save': async ({ project, file, mapping, name }) => {
      const { db, dir } = open(project);
      return saveDataset(ctx.data, db, dir, file, mapping, name);
    },
    'datasets:discard': async ({ project, file }) => {
      const { db, dir } = open(project);
      return { removed: discardImport(db, dir, file) };
    },
    'datasets:list': async ({ project }) => listDatasetViews(open(project).db),
    'datasets:delete': async ({ project, id }) => {
      const { db, dir } = open(project);
      removeDataset(db, dir, id);
      return { ok: true as const };
    },
    'datasets:add-sample': async ({ project, sample }) => addSample(ctx.data, open(project).db, sample),
    'datasets:stats': async ({ project, id }) => refreshStats(ctx.data, open(project).db, id),
  };
}
