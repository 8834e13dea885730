import { describe, expect, it } from 'vitest';
import { StopText } from '../../../../src-main/inference/generate/stop-text.ts';

/** A toy vocabulary: each id decodes to its piece; 9 is half a character until 10 follows it. */
const PIECES: Record<number, string> = {
  1: 'Hel',
  2: 'lo',
  3: ' wo',
  4: 'rld',
  5: '\n',
  6: 'EN',
  7: 'D',
  8: '!',
};
const decodeIds = (ids: readonly number[]) =>
  ids
    .map((id, i) => (id === 9 ? (ids[i + 1] === 10 ? '' : '\uFFFD') : id === 10 ? 'é' : (PIECES[id] ?? '')))
    .join('');

function stream(ids: number[], stops: string[]) {
  const t = new StopText(decodeIds, stops);
  const pieces: string[] = [];
  let at = 0;
  for (; at < ids.length; at++) {
    pieces.push(t.update(ids.slice(0, at + 1)));
    if (t.stopped) break;
  }
  pieces.push(t.flush());
  return { text: t.text, pieces, stoppedAt: t.stopped ? at : null };
}

describe('StopText', () => {
  it('streams the text as it grows when there is no stop sequence', () => {
    const r = stream([1, 2, 3, 4], []);
    expect(r.text).toBe('Hello world');
    expect(r.pieces.join('')).toBe('Hello world');
    expect(r.pieces.slice(0, 4)).toEqual(['Hel', 'lo', ' wo', 'rld']);
    expect(r.stoppedAt).toBeNull();
  });

  it('stops at a stop sequence split over tokens, and never streams any of it', () => {
    const r = stream([1, 2, 6, 7, 8], ['END']);
    expect(r.stoppedAt).toBe(3);
    expect(r.text).toBe('Hello');
    // "EN" could begin "END": held back, then dropped when "D" completes it.
    expect(r.pieces).toEqual(['Hel', 'lo', '', '', '']);
  });

  it('releases a held tail that turned out not to be a stop sequence', () => {
    const r = stream([1, 6, 8], ['END']);
    expect(r.stoppedAt).toBeNull();
    expect(r.pieces).toEqual(['Hel', '', 'EN!', '']);
    expect(r.text).toBe('HelEN!');
  });

  it('cuts at the earliest of several stop sequences', () => {
    const r = stream([1, 2, 5, 3, 4], ['world', '\n']);
    expect(r.text).toBe('Hello');
    expect(r.stoppedAt).toBe(2);
  });

  it('waits for the rest of a character instead of streaming a replacement mark', () => {
    const r = stream([1, 9, 10], []);
    expect(r.pieces).toEqual(['Hel', '', 'é', '']);
    expect(r.text).toBe('Helé');
  });
});
