/**
 * `studio continual` keeping each stage's adapter and `studio continual-fuse` training AdapterFusion over them, as a
 * user runs them from a shell (docs/CLI.md "continual-fuse").
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppStore } from '../../../src-main/app/app-store.ts';
import { continualViews } from '../../../src-main/services/continual.ts';
import { ProjectsService } from '../../../src-main/services/projects.ts';
import { OWN_FIXTURES_DIR } from '../../helpers/fixtures.ts';
import { expectSuccess, expectUserError, studioCli } from '../../helpers/studio-cli.ts';
import { tempDir } from '../../helpers/temp.ts';
import { TINY_BERT } from '../../e2e/helpers/seed-runs.ts';

const tmp = tempDir('studio-cli-continual-fuse-');
const studio = studioCli(path.join(tmp.dir, 'home'));
afterAll(() => tmp.cleanup());
const lastJson = (stdout: string) =>
  JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;

describe('studio continual-fuse', () => {
  it('fuses the stage adapters studio continual kept, on a task of the sequence, linked to it', () => {
    const project = path.join(tmp.dir, 'seq');
    const config = path.join(tmp.dir, 'continual.json');
    const data = (n: string) => ({ path: path.join(OWN_FIXTURES_DIR, `datasets/continual-${n}.csv`) });
    fs.writeFileSync(
      config,
      JSON.stringify({
        project,
        model: TINY_BERT,
        method: { type: 'bottleneck', reductionFactor: 8 },
        tasks: [
          { name: 'sentiment', dataset: data('sentiment') },
          { name: 'topic', dataset: data('topic') },
        ],
        train: { epochs: 1, batchSize: 8, maxLength: 12, maxSteps: 3 },
      }),
    );
    const sequence = studio(['continual', '--config', config, '--json']);
    expectSuccess(sequence);
    const runId = lastJson(sequence.stdout).runId as number;
    for (const k of [1, 2])
      expect(fs.existsSync(path.join(project, 'artifacts', `run-${runId}`, `stage-${k}`, 'adapter'))).toBe(
        true,
      );

    expectUserError(
      studio(['continual-fuse', '--project', project, '--run', String(runId), '--task', 'nope']),
      /"nope" is not a task of continual run 1 \(its tasks: sentiment, topic\)/,
    );
    const fused = studio([
      ...['continual-fuse', '--project', project, '--run', String(runId)],
      ...['--task', 'topic', '--epochs', '1', '--json'],
    ]);
    expectSuccess(fused);
    const summary = lastJson(fused.stdout);
    expect(summary.status).toBe('completed');
    expect(summary.metrics).toHaveProperty('accuracy');

    const projects = new ProjectsService(new AppStore(path.join(tmp.dir, 'home')), tmp.dir);
    try {
      const view = continualViews(projects.db(project), project).find((v) => v.run.id === runId);
      expect(view?.stageAdapters).toEqual(['sentiment', 'topic']);
      expect(view?.fusions.map((f) => [f.task, f.run.id, f.run.method])).toEqual([
        ['topic', summary.runId, 'fuse'],
      ]);
    } finally {
      projects.close();
    }
  });
});
