/**
 * The engine side of `studio import-run` (engine-job.ts ImportAdapterJob): runs in the engine process, which may
 * load models and adapters. The trained folder is read through the same path as any PEFT or studio adapter folder
 * (adapters/io.ts), so whatever the studio can load it can import, and nothing else.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  accountParams,
  baseIdentity,
  loadAdapter,
  readAdapterFolder,
  saveAdapter,
} from '../adapters/index.ts';
import { UserError } from '../errors.ts';
import { modelContentHash } from '../models/content-hash.ts';
import { resolveModelDir } from '../models/default-model.ts';
import { loadModel } from '../models/index.ts';
import type { ImportAdapterJob, ImportAdapterResult } from './engine-job.ts';

export async function importAdapterFolder(job: ImportAdapterJob): Promise<ImportAdapterResult> {
  const folder = readAdapterFolder(job.from);
  if (folder.method !== job.method)
    throw new UserError(`${job.from}: holds a ${folder.method} adapter, but the run trained ${job.method}`);
  const dir = resolveModelDir(job.model);
  const contentHash = modelContentHash(dir);
  const model = loadModel(dir, { task: 'sequence-classification', labels: job.labels });
  const warnings: string[] = [...folder.warnings];
  try {
    const adapter = loadAdapter(model, job.from, { contentHash, warn: (w) => warnings.push(w) });
    try {
      // Labels and task as a run trained here records them: predictions and exports read them from the folder.
      const { labels: _l, task: _t, ...options } = folder.config;
      const files = await saveAdapter(
        model,
        adapter,
        { ...options, labels: job.labels, task: 'classification' },
        job.out,
        baseIdentity(model, contentHash),
      );
      const account = accountParams(model, adapter);
      return {
        files: files.map((f) => ({ name: path.basename(f), bytes: fs.statSync(f).size })),
        trainableParams: account.trainable,
        totalParams: account.total,
        warnings,
      };
    } finally {
      adapter.dispose();
    }
  } finally {
    model.dispose();
  }
}
