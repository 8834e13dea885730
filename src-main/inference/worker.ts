/**
 * The engine process (started by inference/client.ts): it owns a TensorFlow.js backend and the loaded base
 * models, so loading a large model, a slow forward pass or a merged export never blocks main's event loop.
 */
import { doctorReport, initBackend } from '../engine/backends.ts';
import { mergeAdapterFolders } from '../lora-merge/folders.ts';
import { runEngineExport } from '../export/engine-formats.ts';
import { importAdapterFolder } from '../export/import-adapter.ts';
import { serveJobs } from '../process/serve-jobs.ts';
import { generate } from './generate/index.ts';
import { checkAdapter, ModelCache, predict } from './predict.ts';
import { previewRun } from './preview.ts';
import { loadDataset } from '../data/index.ts';
import { preflightRun } from '../training/preflight/index.ts';
import type { InferenceJob } from './protocol.ts';
import { evaluateRows } from './score-file.ts';
import { scoreForgetting } from './forgetting.ts';

const cache = new ModelCache();

/** Lets the event loop turn, so a progress message just sent goes out before the next token is computed. */
const turn = () => new Promise((resolve) => setImmediate(resolve));

async function run(job: InferenceJob, progress: (p: unknown) => void): Promise<unknown> {
  switch (job.type) {
    case 'predict':
      return predict(cache, job.request);
    case 'preview':
      return previewRun(cache, job.config);
    case 'evaluate':
      return evaluateRows(cache, job.request);
    case 'preflight':
      return preflightRun(job.config, loadDataset(job.config.dataset));
    case 'check-adapter':
      return checkAdapter(cache, job.model, job.dir);
    case 'doctor':
      return doctorReport();
    case 'export':
      return runEngineExport(job.job);
    case 'import-adapter':
      return importAdapterFolder(job.job);
    case 'merge-adapters':
      return mergeAdapterFolders(job.request);
    case 'generate':
      return generate(cache, job.request, async (piece) => {
        progress(piece);
        await turn();
      });
    case 'forgetting':
      return scoreForgetting(job.request);
  }
}

// One request at a time: they share the loaded models and tf.js's global engine.
serveJobs(run, initBackend());
