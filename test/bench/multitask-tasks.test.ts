/**
 * The multi-task bench's constructed tasks and its table arithmetic (test/bench/multitask-tasks.ts): the
 * conflicting task `names-initial` labels the first-names inputs by their first letter, splits them nearly in half,
 * and is nearly independent of gender (so it shares inputs with `names` but not its answer); means, standard
 * deviations and cells are worked out by hand.
 */
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src-main/data/index.ts';
import { tempDir } from '../helpers/temp.ts';
import {
  benchTasks,
  formatCell,
  formatTable,
  initialLabel,
  meanSd,
  noiseLabel,
  pickNames,
  wideFactor,
} from './multitask-tasks.ts';

const tmp = tempDir('studio-multitask-tasks-');
afterAll(() => tmp.cleanup());

describe('names-initial', () => {
  it('labels a name by its first letter: A-I or J-Z, case ignored', () => {
    expect(['Abagail', 'ivy', 'Hertha', 'Iona'].map(initialLabel)).toEqual(['a-i', 'a-i', 'a-i', 'a-i']);
    expect(['Jane', 'wash', 'Zoe', 'Kate'].map(initialLabel)).toEqual(['j-z', 'j-z', 'j-z', 'j-z']);
    expect(() => initialLabel('1abc')).toThrow(/does not start with a letter/);
  });

  it('is built from every first-names row, nearly balanced and nearly independent of gender', () => {
    const [task] = benchTasks(tmp.dir, ['names-initial']);
    if (!task || !('path' in task.dataset)) throw new Error('names-initial is a file');
    expect(fs.existsSync(task.dataset.path)).toBe(true);
    const built = loadDataset(task.dataset);
    const names = loadDataset({ sample: 'first-names' });
    if (built.kind !== 'classification' || names.kind !== 'classification') throw new Error('classification');
    expect(built.labels).toEqual(['a-i', 'j-z']);
    expect(built.rows.map((r) => r.text)).toEqual(names.rows.map((r) => r.text));
    const early = built.rows.filter((r) => r.label === 'a-i').length / built.rows.length;
    expect(early).toBeGreaterThan(0.4);
    expect(early).toBeLessThan(0.6);
    // Gender's share among the A-I names is within 3 points of its share overall: the label is another feature.
    const female = (rows: typeof names.rows) => rows.filter((r) => r.label === 'female').length / rows.length;
    const aToI = names.rows.filter((r) => initialLabel(r.text) === 'a-i');
    expect(Math.abs(female(aToI) - female(names.rows))).toBeLessThan(0.03);
  });
});

describe('names-noise', () => {
  it('is a fixed hash of the name with both labels about equally often', () => {
    expect(noiseLabel('Abagail')).toBe(noiseLabel('Abagail'));
    const [task] = benchTasks(tmp.dir, ['names-noise']);
    if (!task) throw new Error('names-noise');
    const built = loadDataset(task.dataset);
    if (built.kind !== 'classification') throw new Error('classification');
    const even = built.rows.filter((r) => r.label === 'even').length / built.rows.length;
    expect(Math.abs(even - 0.5)).toBeLessThan(0.03);
  });
});

describe('the table', () => {
  it('mean and sample standard deviation, NaN left out', () => {
    const s = meanSd([1, 2, 3, 4, NaN]);
    expect(s.n).toBe(4);
    expect(s.mean).toBe(2.5);
    // Σ(x - 2.5)² = 5 over n - 1 = 3.
    expect(s.sd).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(meanSd([0.7])).toEqual({ mean: 0.7, sd: 0, n: 1 });
    expect(meanSd([]).n).toBe(0);
  });

  it('a cell is mean ± sd in percent, and its change against the single-task mean', () => {
    // mean 0.55, sd = sqrt(2 x 0.05² / 1) = 0.0707; against 0.70: -15.0 points.
    expect(formatCell([0.5, 0.6], [0.7, 0.7])).toBe('55.0 ± 7.1 (−15.0)');
    expect(formatCell([0.8], [0.75])).toBe('80.0 (+5.0)');
    expect(formatCell([0.8])).toBe('80.0');
    expect(formatCell([])).toBe('-');
  });

  it('one row per run kind, the single-task row without a change', () => {
    const table = formatTable(
      ['a', 'b'],
      { single: { a: [0.6], b: [0.5] }, shared: { a: [0.5], b: [0.7] } },
      { single: 'own', shared: 'shared adapter' },
    );
    expect(table.split('\n')).toEqual([
      '| validation accuracy (%) | a | b |',
      '| --- | ---: | ---: |',
      '| own | 60.0 | 50.0 |',
      '| shared adapter | 50.0 (−10.0) | 70.0 (+20.0) |',
    ]);
  });

  it('the shared-wide control is as wide as the shared and task-specific adapters together', () => {
    // 256 / 64 = 4 shared units + 2 tasks x 4 = 12; 16 + 4 x 4 = 32; 16 + 3 x 5 (floor(256 / 48)) = 31.
    expect(Math.floor(256 / wideFactor(256, 64, 64, 2))).toBe(12);
    expect(Math.floor(256 / wideFactor(256, 16, 64, 4))).toBe(32);
    expect(Math.floor(256 / wideFactor(256, 16, 48, 3))).toBe(31);
  });

  it('lists are checked against the known names', () => {
    expect(pickNames('b,a', ['a', 'b', 'c'] as const, 'tasks')).toEqual(['a', 'b']);
    expect(pickNames(undefined, ['a', 'b'] as const, 'tasks')).toEqual(['a', 'b']);
    expect(() => pickNames('a,x', ['a', 'b'] as const, 'tasks')).toThrow(/--tasks: unknown x/);
  });
});
