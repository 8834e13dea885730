/** The method shoot-out over sweeps, with trials played by FakeLauncher (no engine): table, verdict, resume. */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src-main/db/open.ts';
import { listSweeps } from '../../../src-main/db/tables/sweeps.ts';
import {
  ShootoutRunner,
  createShootout,
  shootoutById,
  shootoutView,
} from '../../../src-main/experiments/shootout.ts';
import { shootoutConfigSchema } from '../../../src-shared/shootout.ts';
import type { TrainConfig } from '../../../src-shared/train-config.ts';
import { FakeLauncher, TOTAL } from '../../helpers/fake-launcher.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-shootout-');
afterAll(() => tmp.cleanup());

const QUALITY: Record<string, number> = { head: 0.7, lora: 0.9, full: 0.91 };
/** A method's quality, less with less data (the head least), best at the middle learning rate of its three. */
function score(c: TrainConfig, step: number): number {
  const f = c.train.trainFraction ?? 1;
  const dataFactor = c.method.type === 'full' ? 0.5 + 0.5 * f : 0.8 + 0.2 * f;
  const lrs: Record<string, number> = { head: 3e-3, lora: 1e-3, full: 1e-4 };
  const off = Math.abs(Math.log10(c.train.lr) - Math.log10(lrs[c.method.type] ?? 1)) * 0.05;
  return ((QUALITY[c.method.type] ?? 0.5) * dataFactor - off) * (step / TOTAL);
}

const config = shootoutConfigSchema.parse({
  project: tmp.dir,
  model: 'default',
  dataset: { sample: 'first-names' },
  methods: [{ type: 'head' }, { type: 'lora' }, { type: 'full' }],
  fractions: [0.1, 1],
});

describe('a method shoot-out', () => {
  it('sweeps every method at every fraction, tabulates the best of each, and says which to pick', async () => {
    const db = openDatabase(path.join(tmp.dir, 'a.db'));
    const id = createShootout(db, config);
    // Its sweeps are its own: the Experiments page's list of sweeps does not show them.
    expect(listSweeps(db)).toEqual([]);
    const launcher = new FakeLauncher(db, new Set(), new Set(), score);
    expect(await new ShootoutRunner(db, id, launcher).run()).toBe('completed');
    expect(launcher.started).toHaveLength(18);
    const view = shootoutView(db, shootoutById(db, id));
    expect(view.status).toBe('completed');
    expect(view.fractions).toEqual([0.1, 1]);
    expect(view.rows.map((r) => r.label)).toEqual(['head', 'lora', 'full']);
    const lora = view.rows[1];
    expect(lora?.cells.map((c) => c.lr)).toEqual([1e-3, 1e-3]);
    expect(lora?.cells[1]?.score).toBeCloseTo(0.9, 6);
    expect(lora?.trainableParams).toBe(20_000);
    // Time and memory come from the method's best run on the whole data.
    const bestWhole = lora?.cells[1]?.runId ?? 0;
    expect(lora?.peakMemoryBytes).toBe(50e6 + 100 * 20_000 + bestWhole);
    expect(view.rows[2]?.cells[0]?.score).toBeCloseTo(0.91 * 0.55, 6);
    expect(view.advice).toEqual([
      'Best accuracy on all the training data: full (0.9100).',
      'Under 5% of the parameters: lora (0.9000, 2.00% trainable), 0.0100 from the best.',
      'With 10% of the data: lora (0.7380), ahead of full (0.5005).',
    ]);
  });

  it('goes on after a cut-off trial: finished sweeps stay, the trial resumes, the rest run', async () => {
    const db = openDatabase(path.join(tmp.dir, 'b.db'));
    const id = createShootout(db, config);
    const first = new FakeLauncher(db, new Set(['lora @ 100% #2 ']), new Set(), score);
    expect(await new ShootoutRunner(db, id, first).run()).toBe('interrupted');
    expect(shootoutView(db, shootoutById(db, id)).status).toBe('interrupted');
    const again = new FakeLauncher(db, new Set(), new Set(), score);
    expect(await new ShootoutRunner(db, id, again).run()).toBe('completed');
    expect(again.resumed).toHaveLength(1);
    expect(first.started.length + again.started.length).toBe(18);
    expect(shootoutView(db, shootoutById(db, id)).status).toBe('completed');
  });
});
