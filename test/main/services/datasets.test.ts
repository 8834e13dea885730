import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallResults } from '../../../src-shared/contract.ts';
import { MAX_DATASET_BYTES } from '../../../src-shared/datasets.ts';
import { trainConfigSchema } from '../../../src-shared/train-config.ts';
import { getRun, insertRun } from '../../../src-main/db/tables/runs.ts';
import { insertDataset, listDatasets } from '../../../src-main/db/tables/datasets.ts';
import { createServiceContext } from '../../../src-main/services/context.ts';
import type { ServiceContext } from '../../../src-main/services/context.ts';
import { safeFileName, storeUpload } from '../../../src-main/services/dataset-files.ts';
import { dispatch } from '../../../src-main/services/dispatch.ts';
import { createHandlers } from '../../../src-main/services/handlers.ts';
import { startRun } from '../../../src-main/services/training.ts';
import { HF_TINY_DIR } from '../../helpers/fixtures.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-datasets-');
let ctx: ServiceContext;
let handlers: ReturnType<typeof createHandlers>;
let project: string;

beforeAll(() => {
  ctx = createServiceContext({ mode: 'web', version: '0.0.0-test', userDataDir: path.join(tmp.dir, 'home') });
  handlers = createHandlers(ctx);
  project = ctx.projects.create('Datasets test', tmp.dir).path;
});
afterAll(() => {
  ctx.projects.close();
  tmp.cleanup();
});

/** Goes through the same boundary as every transport (zod validation included). */
async function callOk<K extends keyof CallResults>(name: K, args: unknown): Promise<CallResults[K]> {
  const r = await dispatch(handlers, name, args);
  if (!r.ok) throw new Error(r.error.message);
  return r.value as CallResults[K];
}
async function callFail(name: string, args: unknown): Promise<string> {
  const r = await dispatch(handlers, name, args);
  if (r.ok) throw new Error(`${name} succeeded, expected a failure`);
  return r.error.message;
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

// The guessed mapping takes the first column ("subject") as the text; line 4 has an empty subject.
const SUPPORT_CSV = [
  'subject,message,category',
  'Invoice,Please find the invoice attached for March,billing',
  'Refund,I would like my money back for the order,billing',
  ',The app crashes when I open settings,bug',
  'Crash,Crash on start after the update,bug',
  'Login,Cannot log in since yesterday evening,bug',
  'Charge,You charged me twice this month,billing',
  'Invoice,Please find the invoice attached for March,billing',
].join('\n');

describe('datasets services', () => {
  it('imports a file into the project and previews it with the guessed mapping', async () => {
    const csv =
      'text,label\nthe movie was great,pos\nterrible plot,neg\nI loved it,pos\nboring and long,neg\n';
    const draft = await callOk('datasets:import', { project, name: 'reviews.csv', contentBase64: b64(csv) });
    expect(draft.file).toMatch(/^[0-9a-f]{12}-reviews\.csv$/);
    expect(draft.path).toBe(path.join(project, 'datasets', draft.file));
    expect(fs.readFileSync(draft.path, 'utf8')).toBe(csv);
    expect(draft).toMatchObject({
      name: 'reviews.csv',
      format: 'csv',
      columns: ['text', 'label'],
      lines: [2, 3, 4, 5],
      mapping: { text: 'text', label: 'label' },
      kind: 'classification',
      labels: ['neg', 'pos'],
      error: null,
      savedId: null,
    });
    expect(draft.rows[1]).toEqual({ text: 'terrible plot', label: 'neg' });
    expect(draft.stats?.labelCounts).toEqual({ pos: 2, neg: 2 });
    // Whitespace tokens: 4, 2, 3, 3.
    expect(draft.stats?.lengthHistogram).toMatchObject({ start: 2, binWidth: 1, tokenizer: 'whitespace' });
    expect(draft.stats?.lengthHistogram?.counts).toEqual([1, 2, 1]);
    // Importing the same bytes again stores nothing new.
    const again = await callOk('datasets:import', { project, name: 'reviews.csv', contentBase64: b64(csv) });
    expect(again.file).toBe(draft.file);
    expect(fs.readdirSync(path.join(project, 'datasets'))).toEqual([draft.file]);
  });

  it('names the file and row of a bad row, and a better mapping clears it', async () => {
    const draft = await callOk('datasets:import', {
      project,
      name: 'support.csv',
      contentBase64: b64(SUPPORT_CSV),
    });
    expect(draft.mapping).toEqual({ text: 'subject', label: 'category' });
    expect(draft.error).toEqual({ file: 'support.csv', line: 4, problem: 'empty text in column "subject"' });
    expect(draft.stats).toBeNull();
    // The bad row is in the preview, so the page can highlight it.
    expect(draft.lines).toContain(4);
    expect(draft.rows[draft.lines.indexOf(4)]?.message).toBe('The app crashes when I open settings');

    const fixed = await callOk('datasets:preview', {
      project,
      file: draft.file,
      mapping: { text: 'message', label: 'category' },
    });
    expect(fixed.error).toBeNull();
    expect(fixed.mapping).toEqual({ text: 'message', label: 'category' });
    expect(fixed.stats).toMatchObject({ rows: 7, labelCounts: { billing: 4, bug: 3 }, duplicates: 1 });
    expect(fixed.warnings).toContain('1 duplicate texts (repeats of an earlier one)');

    // Saving with the bad mapping fails with the same row; with the good one it records the dataset once.
    expect(await callFail('datasets:save', { project, file: draft.file })).toMatch(
      /support\.csv:4: empty text in column "subject"$/,
    );
    const saved = await callOk('datasets:save', {
      project,
      file: draft.file,
      mapping: { text: 'message', label: 'category' },
    });
    expect(saved).toMatchObject({
      name: 'support.csv',
      source: draft.path,
      sample: null,
      kind: 'classification',
      columns: { text: 'message', label: 'category' },
      labels: ['billing', 'bug'],
      runs: 0,
    });
    expect(saved.contentHash).toBe(draft.contentHash);
    expect(saved.splits).toMatchObject({ seed: 0, validation: 0.2, counts: { train: 5, validation: 2 } });
    expect(saved.stats.lengthHistogram?.counts.reduce((a, b) => a + b, 0)).toBe(7);
    const again = await callOk('datasets:save', {
      project,
      file: draft.file,
      mapping: { text: 'message', label: 'category' },
    });
    expect(again.id).toBe(saved.id);
    const previewAfter = await callOk('datasets:preview', {
      project,
      file: draft.file,
      mapping: { text: 'message', label: 'category' },
    });
    expect(previewAfter.savedId).toBe(saved.id);
  });

  it('shows the rows before a parse error within the preview', async () => {
    const csv = 'text,label\ngood one,pos\n"never closed,neg\nbad,neg\n';
    const draft = await callOk('datasets:import', { project, name: 'quote.csv', contentBase64: b64(csv) });
    expect(draft.error).toMatchObject({ file: 'quote.csv', line: 3 });
    expect(draft.error?.problem).toMatch(/quote/);
    expect(draft.lines).toEqual([2]);
    expect(draft.columns).toEqual(['text', 'label']);
  });

  it('refuses unsupported, empty and oversize files with a clear message', async () => {
    expect(await callFail('datasets:import', { project, name: 'x.xlsx', contentBase64: b64('a') })).toMatch(
      /^x\.xlsx: unsupported file type "\.xlsx"/,
    );
    expect(await callFail('datasets:import', { project, name: 'e.csv', contentBase64: '' })).toBe(
      'e.csv: the file is empty',
    );
    expect(() => storeUpload(project, 'big.csv', Buffer.alloc(MAX_DATASET_BYTES + 1, 97))).toThrow(
      /^big\.csv is 64\.0 MB; the Datasets page imports files up to 64\.0 MB/,
    );
    expect(fs.readdirSync(path.join(project, 'datasets')).some((f) => f.includes('big'))).toBe(false);
  });

  it('never reads or writes outside the project datasets folder', async () => {
    expect(safeFileName('../../etc/passwd')).toBe('passwd');
    expect(safeFileName('C:\\data\\my file (1).csv')).toBe('my_file_1_.csv');
    expect(await callFail('datasets:preview', { project, file: '../studio.db' })).toMatch(/invalid|not an/);
    expect(await callFail('datasets:preview', { project, file: '0123456789ab-missing.csv' })).toMatch(
      /no longer in datasets\/; import the file again/,
    );
    expect(await callFail('datasets:list', { project: path.join(tmp.dir, 'not-a-project') })).toMatch(
      /no studio\.db here/,
    );
  });

  it('adds the SpamAssassin sample in one call, once', async () => {
    const s = await callOk('datasets:add-sample', { project, sample: 'spam-assassin' });
    expect(s).toMatchObject({
      source: 'sample:spam-assassin',
      sample: 'spam-assassin',
      name: 'SpamAssassin',
      kind: 'classification',
      labels: ['ham', 'spam'],
    });
    expect(s.stats.rows).toBe(6046);
    expect(Object.values(s.stats.labelCounts).reduce((a, b) => a + b, 0)).toBe(6046);
    expect((await callOk('datasets:add-sample', { project, sample: 'spam-assassin' })).id).toBe(s.id);
    expect(await callFail('datasets:add-sample', { project, sample: 'nope' })).toMatch(
      /^sample:nope: unknown sample/,
    );
  });

  it('lists, refuses to delete a dataset a run used, and deletes the others with their stored copy', async () => {
    const db = ctx.projects.db(project);
    const list = await callOk('datasets:list', { project });
    expect(list.map((d) => d.name)).toEqual(['support.csv', 'SpamAssassin']);
    const [support, spam] = list as [CallResults['datasets:save'], CallResults['datasets:save']];
    insertRun(db, {
      name: 'r',
      datasetId: spam.id,
      baseModelId: null,
      method: 'lora',
      config: {},
      createdAt: new Date().toISOString(),
    });
    expect(await callFail('datasets:delete', { project, id: spam.id })).toBe(
      '"SpamAssassin" is used by 1 run; it is kept so those runs stay reproducible',
    );
    expect((await callOk('datasets:list', { project })).find((d) => d.id === spam.id)?.runs).toBe(1);
    await callOk('datasets:delete', { project, id: support.id });
    expect(fs.existsSync(support.source)).toBe(false);
    expect((await callOk('datasets:list', { project })).map((d) => d.id)).toEqual([spam.id]);
    expect(await callFail('datasets:delete', { project, id: support.id })).toMatch(/no such dataset/);
  });

  it('discards an import that was never saved', async () => {
    const draft = await callOk('datasets:import', {
      project,
      name: 'tmp.jsonl',
      contentBase64: b64('{"text":"a b","label":"x"}\n{"text":"c","label":"y"}\n'),
    });
    expect(draft.format).toBe('jsonl');
    expect(await callOk('datasets:discard', { project, file: draft.file })).toEqual({ removed: true });
    expect(fs.existsSync(draft.path)).toBe(false);
  });

  it('fills in the stats (histogram) of a record a run wrote without them', async () => {
    const db = ctx.projects.db(project);
    const { path: file } = storeUpload(project, 'old.csv', Buffer.from('text,label\na b c,x\nd,y\n'));
    const draft = await callOk('datasets:preview', { project, file: path.basename(file) });
    const id = insertDataset(db, {
      name: 'old.csv',
      source: file,
      kind: 'classification',
      contentHash: draft.contentHash,
      columns: { text: 'text', label: 'label' },
      labels: ['x', 'y'],
      stats: { rows: 2 },
      splits: {},
      createdAt: new Date().toISOString(),
    });
    const view = await callOk('datasets:stats', { project, id });
    expect(view.stats.lengthHistogram).toMatchObject({ start: 1, counts: [1, 0, 1] });
    expect(view.stats.labelCounts).toEqual({ x: 1, y: 1 });
    fs.writeFileSync(file, 'text,label\nchanged,x\nd,y\n');
    expect(await callFail('datasets:stats', { project, id })).toMatch(
      /the file changed since it was recorded/,
    );
  });
});

describe('a run on an imported dataset', () => {
  it('takes the CLI dataset block as is and reuses the imported record', async () => {
    const p = ctx.projects.create('Run reuse', tmp.dir).path;
    const csv = 'text,label\nthe movie was great,pos\nterrible plot,neg\nI loved it,pos\nboring,neg\n';
    const draft = await callOk('datasets:import', { project: p, name: 'tiny.csv', contentBase64: b64(csv) });
    const saved = await callOk('datasets:save', { project: p, file: draft.file, name: 'Movie reviews' });
    const config = trainConfigSchema.parse({
      project: p,
      model: path.join(HF_TINY_DIR, 'bert-seqcls/base'),
      dataset: { path: saved.source, ...saved.columns },
      method: { type: 'head' },
      train: { epochs: 1, batchSize: 2, maxLength: 8, maxSteps: 1 },
    });
    const db = ctx.projects.db(p);
    const run = startRun(db, p, config);
    await run.done;
    expect(listDatasets(db).map((d) => d.id)).toEqual([saved.id]);
    // Named after the dataset as the user named it, not after its stored (hashed) copy.
    expect(path.basename(saved.source)).not.toContain('Movie');
    expect(getRun(db, run.runId)?.name).toBe('head on Movie reviews');
    const views = await callOk('datasets:list', { project: p });
    expect(views[0]?.runs).toBe(1);
  });
});
