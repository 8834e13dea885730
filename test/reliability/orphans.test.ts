/**
 * Nothing trains on as an orphan: whatever ends the process that supervises a run (kill -9 or SIGTERM of
 * `studio serve`, kill -9 of `studio train`, closing the project), the training process goes too and the run can
 * be resumed from its last checkpoint.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { trainConfigSchema } from '../../src-shared/train-config.ts';
import { openDatabase } from '../../src-main/db/open.ts';
import { getRun } from '../../src-main/db/tables/runs.ts';
import { childPids, isAlive, waitFor } from '../helpers/processes.ts';
import { apiCall, servedUrl, spawnStudio, writeTrainConfig } from '../helpers/kill-targets.ts';
import { serviceTestContext } from '../helpers/service-context.ts';
import { tempDir } from '../helpers/temp.ts';

const tmp = tempDir('studio-orphans-');
const started: number[] = [];
afterAll(() => {
  // Whatever a failed test left behind goes with it.
  for (const pid of started) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  tmp.cleanup();
});

/** The training process of a supervisor, once it has reported a step. */
async function trainingChild(supervisor: number, hasStepped: () => boolean): Promise<number> {
  let worker: number | undefined;
  const ok = await waitFor(() => {
    worker = childPids(supervisor)[0];
    return worker !== undefined && hasStepped();
  }, 120_000);
  expect(ok, 'the run never started training').toBe(true);
  started.push(worker as number);
  return worker as number;
}

const runStatus = (project: string, runId: number) => {
  const db = openDatabase(path.join(project, 'studio.db'));
  try {
    return getRun(db, runId)?.status;
  } finally {
    db.close();
  }
};

// Real processes on a shared machine: start-up alone can take a minute under load.
describe('no orphaned training', { timeout: 400_000 }, () => {
  it('kill -9 of `studio train` takes its training process with it', async () => {
    const home = path.join(tmp.dir, 'home-cli');
    const project = path.join(tmp.dir, 'cli-project');
    const cli = spawnStudio(home, ['train', '--config', writeTrainConfig(tmp.dir, project, 200)]);
    started.push(cli.child.pid as number);
    const worker = await trainingChild(cli.child.pid as number, () => /step \d+\//.test(cli.stderr()));
    cli.child.kill('SIGKILL');
    await cli.exited;
    expect(await waitFor(() => !isAlive(worker)), `training process ${worker} outlived the CLI`).toBe(true);
  });

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`${signal} of \`studio serve\` stops its runs${signal === 'SIGTERM' ? ' and records them interrupted' : ''}`, async () => {
      const home = path.join(tmp.dir, `home-${signal}`);
      const serve = spawnStudio(home, ['serve']);
      started.push(serve.child.pid as number);
      const url = await servedUrl(serve);
      const created = await apiCall<{ path: string }>(url, 'projects:create', {
        name: `serve ${signal}`,
        parentDir: tmp.dir,
      });
      const config = JSON.parse(
        fs.readFileSync(writeTrainConfig(tmp.dir, created.path, 200), 'utf8'),
      ) as object;
      const { runId } = await apiCall<{ runId: number }>(url, 'runs:start', { config });
      let step = 0;
      const poll = setInterval(() => {
        void apiCall<{ step: number }>(url, 'runs:get', { project: created.path, runId })
          .then((r) => (step = r.step))
          .catch(() => {});
      }, 200);
      const worker = await trainingChild(serve.child.pid as number, () => step > 0).finally(() =>
        clearInterval(poll),
      );
      serve.child.kill(signal);
      await serve.exited;
      expect(await waitFor(() => !isAlive(worker)), `training process ${worker} outlived the server`).toBe(
        true,
      );
      // A graceful stop records the run before the database closes; after kill -9 the next open does (lock test).
      if (signal === 'SIGTERM') expect(runStatus(created.path, runId)).toBe('interrupted');
    });
  }
});

describe('closing the project under a live run', { timeout: 400_000 }, () => {
  const { ctx } = serviceTestContext('studio-close-');

  it('does not crash the recorder ("database connection is not open"), and the process goes', async () => {
    const project = ctx.projects.create('Close me', tmp.dir).path;
    const config = trainConfigSchema.parse(
      JSON.parse(fs.readFileSync(writeTrainConfig(tmp.dir, project, 200), 'utf8')),
    );
    const runId = ctx.runs.start(config);
    const db = ctx.projects.db(project);
    expect(await waitFor(() => (getRun(db, runId)?.step ?? 0) > 0, 120_000)).toBe(true);
    const worker = childPids(process.pid).find((p) => !started.includes(p)) as number;
    started.push(worker);
    // The unsafe order (what main did on window-all-closed): close first, with the run still reporting.
    ctx.projects.close();
    await new Promise((r) => setTimeout(r, 1500));
    await ctx.runs.stopAll();
    expect(await waitFor(() => !isAlive(worker))).toBe(true);
  });
});
