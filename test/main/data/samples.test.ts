import { describe, expect, it } from 'vitest';
import { DatasetError, SAMPLES, listSamples, loadDataset, loadSample } from '../../../src-main/data/index.ts';
import { emailText } from '../../../src-main/data/samples.ts';

describe('built-in samples', () => {
  it('lists every sample with a one-line description and its size', () => {
    const list = listSamples();
    expect(list.map((s) => s.name)).toEqual(['spam-assassin', 'first-names', 'moby-dick']);
    for (const s of list) {
      expect(s.description).not.toContain('\n');
      expect(s.rows).toBeGreaterThan(1000);
    }
    expect(list[0]).toMatchObject({ kind: 'classification', rows: 6046, labels: ['ham', 'spam'] });
    expect(list[2]?.characters).toBeGreaterThan(1_000_000);
  });

  it('first-names: female vs male, each name once, no name with both labels', () => {
    const d = loadDataset({ sample: 'first-names' });
    expect(d.labels).toEqual(['female', 'male']);
    expect(d.stats.duplicates).toBe(0);
    expect(d.stats.conflicting).toBe(0);
    expect(d.rows.length).toBe(listSamples()[1]?.rows);
    expect(d.rows.find((r) => r.text === 'Aaron')?.label).toBe('male');
    expect(d.source).toBe('sample:first-names');
  });

  it('moby-dick: a language-modelling corpus split contiguously', () => {
    const d = loadDataset({ sample: 'moby-dick' }, { validationFraction: 0.1 });
    expect(d.kind).toBe('lm');
    if (d.kind !== 'lm') return;
    expect(d.text.startsWith('ETYMOLOGY') || d.text.includes('Call me Ishmael')).toBe(true);
    expect(d.train + d.validation).toBe(d.text);
    expect(d.validation.length).toBeGreaterThan(100_000);
  });

  it('spam-assassin: spam vs ham, headers stripped', () => {
    const s = loadSample('spam-assassin');
    expect(s.rows).toHaveLength(6046);
    expect(new Set(s.rows.map((r) => r.label))).toEqual(new Set(['spam', 'ham']));
    // Forwarded mail may quote headers in its body; the transport headers themselves are gone.
    expect(s.rows.filter((r) => /^Received:/m.test(r.text)).length).toBeLessThan(s.rows.length * 0.05);
    // The first message (spam-1/00001) starts with Return-Path / Delivered-To headers in the package.
    expect(s.rows[0]?.text).not.toMatch(/Return-Path|Delivered-To/);
    expect(emailText('From: a@b\nSubject: Win now\nX: y\n\nBody here')).toBe('Win now\nBody here');
  });

  it('refuses an unknown sample with the list of choices', () => {
    expect(() => loadDataset({ sample: 'sotu' })).toThrow(DatasetError);
    expect(() => loadDataset({ sample: 'sotu' })).toThrow(
      /choose one of spam-assassin, first-names, moby-dick/,
    );
    expect(SAMPLES).toHaveLength(3);
  });
});
