/**
 * The serving process (started by serving/client.ts for the API server): it owns a tf.js backend, the base
 * models and the hot-loaded adapters, and runs the batches main's scheduler forms, one at a time, so a busy API
 * never blocks main's event loop (the UI keeps answering).
 */
import { activeBackend, initBackend } from '../engine/backends.ts';
import { generate } from '../inference/generate/index.ts';
import { ModelCache } from '../inference/predict.ts';
import { serveJobs } from '../process/serve-jobs.ts';
import { LoadedModels } from './loaded.ts';
import type { ServingJob, ServingStatus } from './protocol.ts';
import { runBatch, tensorCount } from './run-batch.ts';

/** Adapters kept loaded per base model; the least recently used is unloaded past this. */
const CAPACITY = Number(process.env.STUDIO_SERVE_ADAPTERS ?? 128);
const models = new LoadedModels();
/**
 * Causal LMs for generation, loaded as `studio generate` loads them (LoadedModels loads bases as classifiers for
 * the adapters' heads), so the API's completions are the CLI's token for token. One at a time: a decoder is the
 * largest thing this process holds.
 */
const generators = new ModelCache(1);
/** Tokens generated since the process started (GET /v1/health): shows a dropped stream stopped making them. */
let generatedTokens = 0;

/** Lets the event loop turn, so a token goes out and a cancel from main comes in before the next token. */
const turn = () => new Promise((resolve) => setImmediate(resolve));

function status(): ServingStatus {
  return {
    backend: activeBackend() ?? 'none',
    numTensors: tensorCount(),
    generatedTokens,
    models: models.list().map((m) => ({ model: m.name, adapters: [...m.adapters.keys()] })),
  };
}

function run(job: ServingJob, progress: (p: unknown) => void, signal: AbortSignal): unknown {
  switch (job.type) {
    case 'batch':
      return runBatch(models, job.model, job.items, { capacity: CAPACITY });
    case 'load':
      return models.load(job.model, job.adapter, CAPACITY);
    case 'unload':
      return { unloaded: models.peek(job.model)?.unload(job.key) ?? false };
    case 'status':
      return status();
    case 'generate':
      return generate(
        generators,
        job.request,
        async (piece) => {
          if (piece.id >= 0) generatedTokens++;
          progress(piece);
          await turn();
        },
        signal,
      );
  }
}

serveJobs(run, initBackend());
