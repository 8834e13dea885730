/**
 * The GPU target in one command: the PyTorch eager + PEFT peer (test/bench/torch_peer.py) and then our bench on
 * BERT-small and BERT-base, one after the other on the same GPU, printed side by side with the ratios; the last
 * stdout line is the JSON of it all. On the device: `node .gpu/gpu-compare.mjs` (test/bench/GPU-RUNS.md).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const log = (s: string) => process.stderr.write(`${s}\n`);

/** Runs a command and returns the JSON object on the last line of its stdout. */
function lastJson(cmd: string, args: string[]): Record<string, unknown> {
  log(`$ ${[cmd, ...args].join(' ')}`);
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 26,
  });
  const last = r.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(last) as Record<string, unknown>;
  } catch {
    throw new Error(`${cmd} ${args.join(' ')} ended without a JSON line (exit ${r.status})`);
  }
}

// Bundled on the device (.gpu/bench.mjs beside this file), TypeScript through tsx elsewhere.
const bundled = path.join(here, 'bench.mjs');
const bench = (shape: string) =>
  fs.existsSync(bundled)
    ? lastJson(process.execPath, [bundled, '--json', '--shape', shape])
    : lastJson(process.execPath, ['bin/run-ts.mjs', 'test/bench/run.ts', '--json', '--shape', shape]);

const torch = lastJson('python3', ['test/bench/torch_peer.py']);
const ours: Record<string, Record<string, unknown>> = { small: bench('small'), base: bench('base') };
const rows: {
  shape: string;
  method: string;
  oursMs: number;
  torchMs: number | null;
  ratio: number | null;
}[] = [];
for (const shape of ['small', 'base']) {
  const steps = (ours[shape]?.steps ?? {}) as Record<string, { stepMs: number }>;
  for (const [method, s] of Object.entries(steps)) {
    const t = torch[`${shape}/${method}`];
    const torchMs = typeof t === 'number' ? t : null;
    rows.push({ shape, method, oursMs: s.stepMs, torchMs, ratio: torchMs ? s.stepMs / torchMs : null });
  }
}
log(`\n${'shape'.padEnd(6)} ${'method'.padEnd(9)} ${'ours ms'.padStart(8)} ${'torch ms'.padStart(9)} ratio`);
for (const r of rows) {
  log(
    `${r.shape.padEnd(6)} ${r.method.padEnd(9)} ${r.oursMs.toFixed(1).padStart(8)} ${(r.torchMs?.toFixed(1) ?? '-').padStart(9)} ${r.ratio ? `${r.ratio.toFixed(2)}x` : '(no PEFT peer)'}`,
  );
}
process.stdout.write(`${JSON.stringify({ torch, ours, rows })}\n`);
