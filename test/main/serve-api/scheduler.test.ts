/**
 * The scheduler without a serving process: batches form within the window and up to the maximum, only from one
 * base model at a time, one in flight at a time; a full queue refuses at once with 503 and Retry-After.
 */
import { describe, expect, it } from 'vitest';
import { ApiRefusal } from '../../../src-main/serve-api/errors.ts';
import { BatchScheduler } from '../../../src-main/serve-api/scheduler.ts';
import type { ItemResult, ServeItem } from '../../../src-main/serving/protocol.ts';

const item = (text: string): ServeItem => ({ op: 'embed', adapter: null, text });

/** A fake serving process: records each batch, answers when released. */
function fake() {
  const batches: { model: string; texts: string[] }[] = [];
  const release: (() => void)[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const run = (model: string, items: ServeItem[]) =>
    new Promise<ItemResult[]>((resolve) => {
      batches.push({ model, texts: items.map((i) => i.text) });
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      release.push(() => {
        inFlight--;
        resolve(items.map((i) => ({ ok: true, value: { op: 'embed', embedding: [i.text.length] } })));
      });
    });
  return { batches, release, run, maxInFlight: () => maxInFlight };
}

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

describe('BatchScheduler', () => {
  it('batches what arrives in the window, caps batches, keeps one in flight and answers each request', async () => {
    const f = fake();
    const s = new BatchScheduler(f.run, { windowMs: 2, maxBatch: 4, maxQueue: 100 });
    const answers = Array.from({ length: 10 }, (_, i) => s.submit('m', item('x'.repeat(i + 1))));
    await tick();
    expect(f.batches).toHaveLength(1);
    expect(f.batches[0]!.texts).toHaveLength(4);
    expect(s.queued).toBe(6);
    while (f.release.length) {
      f.release.shift()!();
      await tick();
    }
    const got = await Promise.all(answers);
    expect(got.map((r) => (r.ok && r.value.op === 'embed' ? r.value.embedding[0] : -1))).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ]);
    expect(f.batches.map((b) => b.texts.length)).toEqual([4, 4, 2]);
    expect(f.maxInFlight()).toBe(1);
  });

  it('puts only requests on the same base model in a batch', async () => {
    const f = fake();
    const s = new BatchScheduler(f.run, { windowMs: 1, maxBatch: 8, maxQueue: 100 });
    const all = ['a', 'b', 'a', 'b', 'a'].map((m, i) => s.submit(m, item(String(i))));
    await tick();
    f.release.shift()!();
    await tick();
    f.release.shift()!();
    await Promise.all(all);
    expect(f.batches).toEqual([
      { model: 'a', texts: ['0', '2', '4'] },
      { model: 'b', texts: ['1', '3'] },
    ]);
  });

  it('refuses at once with 503 and Retry-After when the queue is full', async () => {
    const f = fake();
    const s = new BatchScheduler(f.run, { windowMs: 1, maxBatch: 2, maxQueue: 3 });
    const first = [s.submit('m', item('1')), s.submit('m', item('2'))];
    await tick();
    const queued = [1, 2, 3].map((i) => s.submit('m', item(`q${i}`)));
    const refused = await s.submit('m', item('over')).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiRefusal);
    expect((refused as ApiRefusal).status).toBe(503);
    expect((refused as ApiRefusal).retryAfterS).toBe(1);
    while (f.release.length || s.queued || s.inFlight) {
      f.release.shift()?.();
      await tick();
    }
    expect(await Promise.all([...first, ...queued])).toHaveLength(5);
  });
});
