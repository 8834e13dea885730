/** Contract of the Datasets page (issue #7): import, column mapping, preview, samples. */
// Handlers: src-main/services/datasets-handlers.ts.
import { z } from 'zod';
import type { SampleView } from '../domain.ts';
import { STORED_NAME_PATTERN } from '../datasets.ts';
import type { DatasetDraft, DatasetLimits, DatasetView } from '../datasets.ts';
import { noArgs, projectPath } from './common.ts';
import type { Done } from './common.ts';
import { call } from './define.ts';

const columnName = z.string().min(1).max(500);
const columnMapping = z
  .object({ text: columnName, label: columnName, textPair: columnName.optional() })
  .strict();
const storedFile = z.string().regex(STORED_NAME_PATTERN, 'not an imported dataset file');
const datasetId = z.number().int().positive();
const inProject = z.object({ project: projectPath }).strict();
const aDataset = z.object({ project: projectPath, id: datasetId }).strict();

export const datasetsCalls = {
  /** The built-in sample datasets. */
  'datasets:samples': call(noArgs).returns<SampleView[]>(),
  /** The largest file and the file types an import accepts. */
  'datasets:limits': call(noArgs).returns<DatasetLimits>(),
  /** Stores a copy of a picked or dropped file in the project and previews it with the guessed mapping. */
  'datasets:import': call(
    z
      .object({
        project: projectPath,
        name: z.string().trim().min(1).max(255),
        /**
         * The file's bytes, base64 (exact bytes, so the content hash is the file's). Its size is checked by the
         * service after decoding, which names the file and the limit (MAX_DATASET_BYTES).
         */
        contentBase64: z.string(),
      })
      .strict(),
  ).returns<DatasetDraft>(),
  /** Previews an imported file with a mapping (the guessed one when omitted) and checks every row. */
  'datasets:preview': call(
    z.object({ project: projectPath, file: storedFile, mapping: columnMapping.optional() }).strict(),
  ).returns<DatasetDraft>(),
  'datasets:save': call(
    z
      .object({
        project: projectPath,
        file: storedFile,
        mapping: columnMapping.optional(),
        name: z.string().trim().max(200).optional(),
      })
      .strict(),
  ).returns<DatasetView>(),
  /** Removes an imported file that was never saved. */
  'datasets:discard': call(z.object({ project: projectPath, file: storedFile }).strict()).returns<{
    removed: boolean;
  }>(),
  'datasets:list': call(inProject).returns<DatasetView[]>(),
  'datasets:delete': call(aDataset).returns<Done>(),
  'datasets:add-sample': call(
    z.object({ project: projectPath, sample: z.string().min(1).max(100) }).strict(),
  ).returns<DatasetView>(),
  /** Reads a record's data again and refreshes its stored stats. */
  'datasets:stats': call(aDataset).returns<DatasetView>(),
} as const;
