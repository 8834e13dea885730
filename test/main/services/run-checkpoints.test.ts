/**
 * Checkpoints kept by step, and resuming or forking from one, through the handlers the run page calls: a resume
 * from an earlier step ends as the uninterrupted run did (the loop is deterministic: no dropout, seeded order),
 * and a fork starts at its step with the source's weights, optimizer state and curves up to there.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { updateRunStatus } from '../../../src-main/db/tables/runs.ts';
import { metricsForRun } from '../../../src-main/db/tables/metrics.ts';
import { KEPT_STEP_CHECKPOINTS } from '../../../src-main/training/checkpoint-steps.ts';
import type { Handlers } from '../../../src-shared/contract.ts';
import { HF_TINY_DIR, OWN_FIXTURES_DIR } from '../../helpers/fixtures.ts';
import { serviceTestContext } from '../../helpers/service-context.ts';

const { ctx, handlers, dir: tmpDir } = serviceTestContext('studio-run-checkpoints-');

const config = (project: string) => ({
  project,
  model: path.join(HF_TINY_DIR, 'bert-seqcls/base'),
  dataset: { path: path.join(OWN_FIXTURES_DIR, 'datasets/continual-sentiment.csv') },
  method: { type: 'lora' as const, r: 4, alpha: 8, dropout: 0, rslora: false },
  train: {
    epochs: 3,
    batchSize: 8,
    lr: 0.01,
    maxLength: 16,
    seed: 3,
    warmupRatio: 0,
    schedule: 'linear' as const,
    gradClip: 1,
    gradAccumulation: 1,
    evalEvery: 2,
    weightDecay: 0,
    dropout: false,
    maxSteps: 8,
  },
});

async function finished(h: Handlers, project: string, runId: number) {
  const deadline = Date.now() + 240_000;
  let run = await h['runs:get']({ project, runId });
  while (['running', 'queued', 'paused'].includes(run.status) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    run = await h['runs:get']({ project, runId });
  }
  return run;
}

const lossAt = (project: string, runId: number, step: number) =>
  metricsForRun(ctx.projects.db(project), runId).find(
    (p) => p.split === 'validation' && p.name === 'loss' && p.step === step,
  )?.value;

describe('checkpoints kept by step', () => {
  it('lists them, resumes from an earlier one to the same end, and forks from one at its step', async () => {
    const { path: project } = await handlers['projects:create']({ name: 'checkpoints', parentDir: tmpDir });
    const { runId } = await handlers['runs:start']({ config: config(project) });
    const run = await finished(handlers, project, runId);
    expect(run.status, run.message ?? '').toBe('completed');
    expect(run.name).toBe('lora on continual-sentiment.csv');
    const steps = (await handlers['runs:checkpoints']({ project, runId })).map((c) => c.step);
    // One at each evaluation (every 2 steps); each a folder of its own that later checkpoints do not overwrite.
    expect(steps).toEqual([2, 4, 6, 8]);
    expect(steps.length).toBeLessThanOrEqual(KEPT_STEP_CHECKPOINTS);
    const loss8 = lossAt(project, runId, 8);
    expect(loss8).toBeDefined();

    // A completed run is forked, never resumed.
    await expect(handlers['runs:resume-from']({ project, runId, step: 4 })).rejects.toThrow(
      /already completed/,
    );
    await expect(handlers['runs:fork']({ project, runId, step: 5, overrides: {} })).rejects.toThrow(
      `run ${runId} has no checkpoint at step 5; its checkpoints: steps 2, 4, 6, 8`,
    );
    await expect(
      handlers['runs:fork']({ project, runId, step: 4, overrides: { maxSteps: 4 } }),
    ).rejects.toThrow(/max steps must be above the checkpoint's step \(4\)/);

    // As if it had crashed after step 8: resuming from step 4 drops what came after and trains it again.
    updateRunStatus(ctx.projects.db(project), runId, { status: 'interrupted' });
    await handlers['runs:resume-from']({ project, runId, step: 4 });
    const resumed = await finished(handlers, project, runId);
    expect(resumed.status, resumed.message ?? '').toBe('completed');
    expect(lossAt(project, runId, 8)).toBeCloseTo(loss8 as number, 5);
    const log = fs.readFileSync(path.join(project, 'artifacts', `run-${runId}`, 'run.log'), 'utf8');
    expect(log).toContain('resuming from step 4');

    // A fork from step 4 with a new step budget: starts there, with the source's curves up to step 4 only.
    const fork = await handlers['runs:fork']({
      project,
      runId,
      step: 4,
      overrides: { maxSteps: 6, lr: 0.005 },
    });
    expect(fork.runId).not.toBe(runId);
    const forked = await finished(handlers, project, fork.runId);
    expect(forked.status, forked.message ?? '').toBe('completed');
    expect(forked.name).toBe(`${run.name} (fork of #${runId} at step 4)`);
    expect(forked.step).toBe(6);
    expect(forked.totalSteps).toBe(6);
    expect(forked.config).toMatchObject({ train: { maxSteps: 6, lr: 0.005 } });
    expect(lossAt(project, fork.runId, 4)).toBe(lossAt(project, runId, 4));
    const forkLog = fs.readFileSync(path.join(project, 'artifacts', `run-${fork.runId}`, 'run.log'), 'utf8');
    expect(forkLog).toContain('resuming from step 4');
    expect(forkLog).not.toContain('saved at step 2 (');
    // The fork owns its starting point: deleting the source leaves the fork's checkpoints.
    await handlers['runs:delete']({ project, runId });
    expect((await handlers['runs:checkpoints']({ project, runId: fork.runId })).map((c) => c.step)).toEqual([
      4, 6,
    ]);
  });
});
