import path from 'node:path';
import { afterAll, expect } from 'vitest';
import { trainConfigSchema } from '../../src-shared/train-config.ts';
import type { TrainConfigInput } from '../../src-shared/train-config.ts';
import { resolveFuseAdapters } from '../../src-main/services/compose.ts';
import { createServiceContext, shutdownServices } from '../../src-main/services/context.ts';
import type { ServiceContext } from '../../src-main/services/context.ts';
import { createHandlers } from '../../src-main/services/handlers.ts';
import { startRun } from '../../src-main/services/training.ts';
import { HF_TINY_DIR, OWN_FIXTURES_DIR } from './fixtures.ts';
import { tempDir } from './temp.ts';

/**
 * The services as a window sees them, in a temporary user-data folder of this test file's own: closed (projects,
 * training and inference processes) and removed after the file's tests.
 */
export function serviceTestContext(prefix: string) {
  const tmp = tempDir(prefix);
  const ctx: ServiceContext = createServiceContext({
    mode: 'web',
    version: '0.0.0-test',
    userDataDir: path.join(tmp.dir, 'home'),
  });
  afterAll(async () => {
    await shutdownServices(ctx);
    tmp.cleanup();
  });
  return { ctx, handlers: createHandlers(ctx), dir: tmp.dir };
}

/**
 * A small bottleneck run on the tiny BERT and the continual-sentiment fixture (options overridable), trained
 * through the services as New run starts it (library adapters named by run id resolved) and expected to complete;
 * its run id. The composition, router and fusion service tests build their libraries from these.
 */
export async function trainLibraryRun(
  ctx: ServiceContext,
  project: string,
  name: string,
  extra: Partial<TrainConfigInput> = {},
): Promise<number> {
  const config = trainConfigSchema.parse({
    project,
    model: path.join(HF_TINY_DIR, 'bert-seqcls/base'),
    name,
    dataset: { path: path.join(OWN_FIXTURES_DIR, 'datasets', 'continual-sentiment.csv') },
    method: { type: 'bottleneck', reductionFactor: 8 },
    train: { epochs: 2, batchSize: 8, lr: 0.01, maxLength: 12, seed: 1, dropout: false },
    ...extra,
  });
  const db = ctx.projects.db(project);
  const run = startRun(db, project, resolveFuseAdapters(db, project, config));
  const outcome = await run.done;
  expect(outcome.status, outcome.message).toBe('completed');
  return run.runId;
}
