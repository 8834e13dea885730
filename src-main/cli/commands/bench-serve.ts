/**
 * `studio bench-serve`: the serving API measured over loopback as a client sees it. Makes `--adapters-max`
 * distinct LoRA adapters on the model, hot-loads each (timed), then for 1, 8 and 32 distinct adapters mixed in one
 * request stream reports throughput, p50/p99 latency and the mean batch the scheduler formed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { initBackend } from '../../engine/backends.ts';
import { UserError } from '../../errors.ts';
import { newToken } from '../../node-shared/loopback-auth.ts';
import { FolderLibrary } from '../../serve-api/library.ts';
import { quantile, runLoad, SAMPLE_TEXTS } from '../../serve-api/load.ts';
import { ServeApi } from '../../serve-api/service.ts';
import { makeBenchAdapters } from '../../serving/bench-adapters.ts';

interface MixRow {
  adapters: number;
  requests: number;
  ok: number;
  throughput: number;
  p50Ms: number;
  p99Ms: number;
  meanBatch: number;
}

const positive = (flag: string, v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`${flag} ${v}: a positive whole number`);
  return n;
};

async function bench(opts: {
  model: string;
  requests: number;
  concurrency: number;
  mixes: number[];
  rounds: number;
}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-bench-serve-'));
  const api = new ServeApi(newToken(), () => {
    throw new UserError('bench-serve serves a folder of adapters, not a project');
  });
  try {
    await initBackend();
    process.stderr.write(`making ${Math.max(...opts.mixes)} LoRA adapters on ${opts.model}...\n`);
    const names = await makeBenchAdapters(opts.model, dir, Math.max(...opts.mixes));
    const s = await api.start({ library: new FolderLibrary(dir, opts.model), scheduler: { maxQueue: 4096 } });
    const url = s.url as string;
    const post = async (p: string, body: unknown) => {
      const res = await fetch(`${url}${p}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!res.ok) throw new UserError(`${p}: ${res.status} ${await res.text()}`);
      return (await res.json()) as Record<string, unknown>;
    };
    // The base model loads with the first request: not part of any adapter's hot-load time.
    await post('/v1/embed', { adapter: 'base', model: opts.model, text: 'warm up' });
    const loads: number[] = [];
    const trips: number[] = [];
    for (const name of names) {
      const t0 = performance.now();
      const r = await post(`/v1/adapters/${name}/load`, {});
      trips.push(performance.now() - t0);
      loads.push(r.loadMs as number);
    }
    const health = (await (
      await fetch(`${url}/v1/health`, { headers: { authorization: `Bearer ${s.token}` } })
    ).json()) as { backend: string };
    const request = (n: number) => (i: number) => ({
      path: '/v1/classify',
      body: { adapter: names[i % n], text: SAMPLE_TEXTS[i % SAMPLE_TEXTS.length] },
    });
    // Warm-up: each backend compiles or caches its kernels for the batch shapes on first use.
    for (const n of opts.mixes)
      await runLoad({
        url,
        token: s.token,
        requests: opts.concurrency * 2,
        concurrency: opts.concurrency,
        request: request(n),
      });
    // The mixes take turns, round after round, and each reports its median round: a machine shared with other
    // work slows whichever mix happens to run at that moment, not one mix throughout.
    const runs = new Map<number, MixRow[]>();
    for (let round = 0; round < opts.rounds; round++) {
      // Forwards, then backwards: no mix always runs last (or first) in a round.
      for (const n of round % 2 === 0 ? opts.mixes : [...opts.mixes].reverse()) {
        const sizes = api.scheduler?.batchSizes as number[];
        sizes.length = 0;
        const r = await runLoad({
          url,
          token: s.token,
          requests: opts.requests,
          concurrency: opts.concurrency,
          request: request(n),
        });
        const ok = r.statuses[200] ?? 0;
        runs.set(n, [
          ...(runs.get(n) ?? []),
          {
            adapters: n,
            requests: opts.requests,
            ok,
            throughput: ok / (r.wallMs / 1000),
            p50Ms: quantile(r.latencies, 0.5),
            p99Ms: quantile(r.latencies, 0.99),
            meanBatch: sizes.reduce((a, b) => a + b, 0) / Math.max(1, sizes.length),
          },
        ]);
      }
    }
    const rows = opts.mixes.map((n) => {
      const list = [...(runs.get(n) as MixRow[])].sort((a, b) => a.throughput - b.throughput);
      return list[Math.floor((list.length - 1) / 2)] as MixRow;
    });
    return {
      model: opts.model,
      backend: health.backend,
      concurrency: opts.concurrency,
      rounds: opts.rounds,
      hotLoad: {
        adapters: loads.length,
        medianMs: quantile(loads, 0.5),
        p90Ms: quantile(loads, 0.9),
        maxMs: Math.max(...loads),
        medianRoundTripMs: quantile(trips, 0.5),
      },
      mixes: rows,
    };
  } finally {
    await api.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function register(program: Command): void {
  program
    .command('bench-serve')
    .description(
      'throughput and p50/p99 latency of the serving API for 1, 8 and 32 adapters mixed, and hot-load time',
    )
    .option('--model <dir>', 'base model ("default" or a folder)', 'default')
    .option('--requests <n>', 'requests per mix and round', '192')
    .option('--concurrency <n>', 'requests in flight at once', '64')
    .option('--adapters <list>', 'distinct adapters per mix, comma-separated', '1,8,32')
    .option('--rounds <n>', 'rounds of every mix, taking turns; each mix reports its median round', '5')
    .option('--backend <name>', "the serving process's backend (as STUDIO_BACKEND)")
    .option('--json', 'print the result as JSON')
    .action(
      async (o: {
        model: string;
        requests: string;
        concurrency: string;
        adapters: string;
        rounds: string;
        backend?: string;
        json?: boolean;
      }) => {
        if (o.backend) process.env.STUDIO_BACKEND = o.backend;
        const mixes = o.adapters.split(',').map((v) => positive('--adapters', v.trim()));
        const r = await bench({
          model: o.model,
          requests: positive('--requests', o.requests),
          concurrency: positive('--concurrency', o.concurrency),
          mixes,
          rounds: positive('--rounds', o.rounds),
        });
        if (o.json) return void process.stdout.write(`${JSON.stringify(r)}\n`);
        const single = r.mixes.find((m) => m.adapters === 1)?.throughput;
        const lines = [
          `model ${r.model}, backend ${r.backend}, concurrency ${r.concurrency}, median of ${r.rounds} rounds`,
          `hot-load (${r.hotLoad.adapters} LoRA adapters): median ${r.hotLoad.medianMs.toFixed(1)} ms, p90 ${r.hotLoad.p90Ms.toFixed(1)} ms, max ${r.hotLoad.maxMs.toFixed(1)} ms (round trip ${r.hotLoad.medianRoundTripMs.toFixed(1)} ms)`,
          'adapters  requests  ok    req/s   vs 1   p50 ms  p99 ms  mean batch',
          ...r.mixes.map(
            (m) =>
              `${String(m.adapters).padStart(8)}  ${String(m.requests).padStart(8)}  ${String(m.ok).padStart(4)}  ${m.throughput.toFixed(1).padStart(6)}  ${single ? `${((100 * m.throughput) / single).toFixed(0)}%`.padStart(5) : '    -'}  ${m.p50Ms.toFixed(0).padStart(6)}  ${m.p99Ms.toFixed(0).padStart(6)}  ${m.meanBatch.toFixed(1).padStart(10)}`,
          ),
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      },
    );
}
