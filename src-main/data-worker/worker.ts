/**
 * The data process (started by data-worker/client.ts): plain Node, no tf.js. It parses and validates whole
 * datasets for the Datasets page so main's event loop never does.
 */
import { draftFile, summarizeDataset } from '../data/draft.ts';
import type { DataJob } from './client.ts';
import { serveJobs } from '../process/serve-jobs.ts';

serveJobs((job: DataJob) =>
  job.type === 'draft' ? draftFile(job.abs, job.file, job.name, job.mapping) : summarizeDataset(job.spec),
);
