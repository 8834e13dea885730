/**
 * `studio runs list|rename|note|tag|delete|checkpoints` as a user runs them from a shell (docs/CLI.md): what
 * each prints, what it stores, and one-line refusals.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppStore } from '../../../src-main/app/app-store.ts';
import { ProjectsService } from '../../../src-main/services/projects.ts';
import { withProject } from '../../../src-main/cli/commands/serve.ts';
import { SEED_RUNS, seedRun } from '../../e2e/helpers/seed-runs.ts';
import { expectSuccess, expectUserError, studioCli } from '../../helpers/studio-cli.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-cli-runs-');
const studio = studioCli(path.join(tmp.dir, 'home'));
let project = '';
const ids = { lora: 0, bottleneck: 0 };

beforeAll(() => {
  const projects = new ProjectsService(new AppStore(path.join(tmp.dir, 'home')), tmp.dir);
  project = projects.create('cli runs', tmp.dir).path;
  const db = projects.db(project);
  ids.lora = seedRun(db, project, SEED_RUNS.lora);
  ids.bottleneck = seedRun(db, project, SEED_RUNS.bottleneck);
  projects.close();
});
afterAll(() => tmp.cleanup());

const run = (id: number) => ['--project', project, '--run', String(id)];

describe('studio runs', () => {
  it('renames, notes and tags a run, and lists runs by tag', () => {
    expectSuccess(studio(['runs', 'rename', ...run(ids.lora), '--name', 'LoRA r8, spam']));
    expectSuccess(studio(['runs', 'note', ...run(ids.lora), '--text', 'best so far']));
    const tagged = studio(['runs', 'tag', ...run(ids.lora), '--add', 'keep, sweep']);
    expectSuccess(tagged);
    expect(tagged.stdout.trim()).toBe('keep, sweep');
    const untagged = studio(['runs', 'tag', ...run(ids.lora), '--remove', 'sweep']);
    expect(untagged.stdout.trim()).toBe('keep');

    const byTag = studio(['runs', 'list', '--project', project, '--tag', 'keep', '--json']);
    expectSuccess(byTag);
    const listed = JSON.parse(byTag.stdout) as { id: number; name: string; notes: string; tags: string[] }[];
    expect(listed.map((r) => [r.id, r.name, r.notes, r.tags])).toEqual([
      [ids.lora, 'LoRA r8, spam', 'best so far', ['keep']],
    ]);
    const all = studio(['runs', 'list', '--project', project]);
    expect(all.stdout.trim().split('\n')).toHaveLength(2);
  });

  it('refuses a run that is not there, a bad run id and a folder that is no project, in one line', () => {
    expectUserError(studio(['runs', 'rename', ...run(999), '--name', 'x']), /run 999: no such run/);
    expectUserError(
      studio(['runs', 'rename', '--project', project, '--run', 'two', '--name', 'x']),
      /--run: "two"/,
    );
    expectUserError(
      studio(['runs', 'list', '--project', path.join(tmp.dir, 'nowhere')]),
      /not an Adapter Studio project/,
    );
  });

  it('deletes only when confirmed (--yes without a terminal), with the run folder', () => {
    const folder = path.join(project, 'artifacts', `run-${ids.bottleneck}`);
    expect(fs.existsSync(folder)).toBe(true);
    expectUserError(studio(['runs', 'delete', ...run(ids.bottleneck)]), /was not deleted: .*pass --yes/);
    expect(fs.existsSync(folder)).toBe(true);
    const deleted = studio(['runs', 'delete', ...run(ids.bottleneck), '--yes']);
    expectSuccess(deleted);
    expect(deleted.stderr).toContain(`run ${ids.bottleneck} deleted`);
    expect(fs.existsSync(folder)).toBe(false);
    const left = JSON.parse(studio(['runs', 'list', '--project', project, '--json']).stdout) as {
      id: number;
    }[];
    expect(left.map((r) => r.id)).toEqual([ids.lora]);
  });

  it('lists no checkpoints for a run that kept none, and fork refuses a step it does not have', () => {
    const none = studio(['runs', 'checkpoints', ...run(ids.lora), '--json']);
    expectSuccess(none);
    expect(JSON.parse(none.stdout)).toEqual([]);
    expectUserError(
      studio(['fork', ...run(ids.lora), '--from-step', '10']),
      new RegExp(`run ${ids.lora} has no checkpoint at step 10; it kept none`),
    );
    expectUserError(studio(['fork', ...run(ids.lora), '--from-step', 'ten']), /--from-step: "ten"/);
  });
});

describe('studio serve --project', () => {
  it('names the project in the printed address, so the page opens it', () => {
    const url = withProject('http://127.0.0.1:4000/?token=abc', '/home/me/my project');
    const u = new URL(url);
    expect(u.searchParams.get('token')).toBe('abc');
    expect(u.searchParams.get('project')).toBe('/home/me/my project');
  });
});
