/**
 * The malformed-input corpus (issue #14): dozens of broken datasets, model folders and train configs, generated
 * here, each run through the CLI (in process, through runCli) and the web server's runs:start. Every one must end
 * as a non-zero exit with exactly one stderr line naming the file or field, no stack, no echo of a file's content,
 * and nothing written: no project folder, no run row, no artifacts folder, no recent-projects entry.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { studioInProcess } from '../helpers/studio-cli.ts';
import type { InProcessResult } from '../helpers/studio-cli.ts';
import { tempDir } from '../helpers/temp.ts';
import { CONFIG_CASES } from './malformed/configs.ts';
import { datasetCorpus } from './malformed/datasets.ts';
import { BERT_BASE, modelCorpus } from './malformed/models.ts';

const tmp = tempDir('studio-malformed-');
afterAll(() => tmp.cleanup());
const home = path.join(tmp.dir, 'home');
const cli = studioInProcess(home);
const corpus = (name: string) => {
  const d = path.join(tmp.dir, name);
  fs.mkdirSync(d, { recursive: true });
  return d;
};
const DATASETS = datasetCorpus(corpus('datasets'));
const MODELS = modelCorpus(corpus('models'));
const GOOD_CSV = path.join(corpus('good'), 'good.csv');
fs.writeFileSync(
  GOOD_CSV,
  `text,label\n${Array.from({ length: 20 }, (_, i) => `sample ${i},${i % 2 ? 'pos' : 'neg'}`).join('\n')}\n`,
);

let caseNo = 0;
/** A fresh folder for one case: its config file and the project path it names (which must never appear). */
function caseDir(): { dir: string; project: string; config: string } {
  const dir = corpus(`cases/${++caseNo}`);
  return { dir, project: path.join(dir, 'project'), config: path.join(dir, 'config.json') };
}

function validConfig(project: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  const base: Record<string, unknown> = {
    project,
    model: BERT_BASE,
    dataset: { path: GOOD_CSV },
    method: { type: 'lora', r: 4 },
    train: { maxSteps: 1, maxLength: 16, lr: 0.001 },
  };
  const merged: Record<string, unknown> = { ...base, ...over };
  for (const k of ['dataset', 'train'] as const)
    if (over[k]) merged[k] = { ...(base[k] as object), ...(over[k] as object) };
  return merged;
}

/** One line, non-zero, no stack, no internal error; the line matches `pattern`. */
function expectOneLine(r: InProcessResult, pattern: RegExp): string {
  expect(r.stderr, r.stderr).not.toMatch(/internal error|\n\s+at /);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(r.status).not.toBe(0);
  expect(lines[0]).toMatch(/^studio: /);
  expect(lines[0]).toMatch(pattern);
  return lines[0] as string;
}

/** Nothing written: no project, no recent-projects entry. */
function expectNothingWritten(project: string): void {
  expect(fs.existsSync(project), `${project} was created`).toBe(false);
  const store = path.join(home, 'app-store.json');
  const recent = fs.existsSync(store)
    ? ((JSON.parse(fs.readFileSync(store, 'utf8')) as { recentProjects?: unknown[] }).recentProjects ?? [])
    : [];
  expect(recent).toEqual([]);
}

async function train(config: Record<string, unknown> | string, env: Record<string, string> = {}) {
  const c = caseDir();
  const body = typeof config === 'string' ? config : JSON.stringify(config);
  fs.writeFileSync(c.config, body.replaceAll('@PROJECT@', c.project));
  const run = env.STUDIO_MAX_DATASET_MB ? studioInProcess(home, env) : cli;
  return { r: await run(['train', '--config', c.config]), ...c };
}

describe('malformed datasets: `studio train` refuses each with one line and writes nothing', () => {
  it.each(DATASETS.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const { r, project } = await train(validConfig('@PROJECT@', { dataset: c.dataset }), c.env);
    const line = expectOneLine(r, c.expect);
    if (c.secret) expect(line).not.toContain(c.secret);
    expectNothingWritten(project);
  });
});

describe('broken model folders: `studio train` refuses each before a run row or artifacts exist', () => {
  it.each(MODELS.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const { r, project } = await train(validConfig('@PROJECT@', { model: c.model }));
    expectOneLine(r, c.expect);
    expectNothingWritten(project);
  });

  it.each(MODELS.filter((c) => c.tokenize).map((c) => [c.name, c] as const))(
    '`studio tokenize` on %s',
    async (_, c) => {
      expectOneLine(await cli(['tokenize', '--model', c.model, '--text', 'hello']), c.expect);
    },
  );
});

describe('bad train configs: every cap, type and path refused with one line naming the field', () => {
  it.each(CONFIG_CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const cd = caseDir();
    const project = c.project ? c.project(cd.dir) : cd.project;
    const before = fs.existsSync(project)
      ? fs.statSync(project).isDirectory() && fs.readdirSync(project)
      : null;
    const valid = validConfig(project, c.patch);
    if (c.patch?.method) valid.method = c.patch.method;
    fs.writeFileSync(cd.config, c.raw ? c.raw(JSON.stringify(valid)) : JSON.stringify(valid));
    const r = await cli(['train', '--config', cd.config]);
    const line = expectOneLine(r, c.expect);
    // Refusals of a config field (its path in the line) and of the file itself name the file too.
    if (/(method|train)\\?\./.test(c.expect.source) || /not valid JSON/.test(c.expect.source))
      expect(line).toContain(cd.config);
    if (before === null) expectNothingWritten(project);
    else if (before !== false) expect(fs.readdirSync(project)).toEqual(before);
    else expect(fs.statSync(project).isFile()).toBe(true);
  });
});

describe('other commands refuse bad input with one line', () => {
  const dir = corpus('other');
  const garbage = path.join(dir, 'garbage.safetensors');
  fs.writeFileSync(garbage, 'not safetensors at all');
  const cases: [string, string[], RegExp, string?][] = [
    [
      'predict: inputs missing',
      [
        'predict',
        '--model',
        BERT_BASE,
        '--inputs',
        path.join(dir, 'none.safetensors'),
        '--output',
        path.join(dir, 'o.safetensors'),
      ],
      /none\.safetensors/,
    ],
    [
      'predict: inputs not safetensors',
      ['predict', '--model', BERT_BASE, '--inputs', garbage, '--output', path.join(dir, 'o.safetensors')],
      /garbage\.safetensors/,
    ],
    [
      'predict: model folder broken',
      [
        'predict',
        '--model',
        MODELS[3]?.model ?? '',
        '--inputs',
        garbage,
        '--output',
        path.join(dir, 'o.safetensors'),
      ],
      /config-not-json\/config\.json|garbage\.safetensors/,
    ],
    [
      'import: bundle not a zip',
      ['import', '--project', path.join(dir, 'p1'), garbage],
      /garbage\.safetensors/,
      path.join(dir, 'p1'),
    ],
    [
      'import: bundle missing',
      ['import', '--project', path.join(dir, 'p2'), path.join(dir, 'none.zip')],
      /none\.zip: no such file/,
      path.join(dir, 'p2'),
    ],
    ['tokenize: no such model', ['tokenize', '--model', path.join(dir, 'nowhere'), '--text', 'x'], /nowhere/],
    [
      'export: not a project',
      ['export', '--project', dir, '--run', '1', '--format', 'peft', '--out', path.join(dir, 'x')],
      /studio\.db: not an Adapter Studio project/,
    ],
    ['resume: no project', ['resume', '--project', path.join(dir, 'p3'), '--run', '1'], /p3/],
  ];
  it.each(cases)('%s', async (_, args, pattern, project) => {
    expectOneLine(await cli(args), pattern);
    if (project) expectNothingWritten(project);
  });
});
