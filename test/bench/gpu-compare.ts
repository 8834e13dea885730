/**
 * The GPU target in one command: the PyTorch eager + PEFT peer (test/bench/torch_peer.py) and then our benches, one
 * after the other on the same GPU, printed side by side with the ratios; the last stdout line is the JSON of it
 * all. Both sides report the median of >= 20 steps after warm-up, each step ended with the GPU's work finished.
 *
 * `node .gpu/gpu-compare.mjs` (test/bench/GPU-RUNS.md): BERT-small and BERT-base, four methods.
 * `--big`: LoRA steps of GPT-2 medium and the Llama 3.2 1B shape (step ms and peak GPU memory; torch in fp32 and
 * under bf16 autocast). `--generate`: greedy tokens/s with the KV cache on GPT-2 small, batch 1 and 16. With either,
 * BERT runs only when `--bert` is given too. `--tiny`: stand-in shapes (code paths, not numbers), `--backend NAME`:
 * our side's backend, `--no-torch`: our side alone (a machine without torch). `--mixed`: our side also runs with
 * mixed precision (STUDIO_MIXED_PRECISION=1: f16 operands, f32 sums), beside torch under bf16 autocast.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CAUSAL_SHAPES, LORA_TARGETS, TINY_SHAPES, hfConfig } from './causal-shapes.ts';
import type { CausalShapeName } from './causal-shapes.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const log = (s: string) => process.stderr.write(`${s}\n`);
const args = process.argv.slice(2);
const has = (f: string) => args.includes(f);
const big = has('--big');
const gen = has('--generate');
const tiny = has('--tiny');
const withBert = has('--bert') || (!big && !gen);
const mixed = has('--mixed');
const backendArgs = has('--backend') ? ['--backend', args[args.indexOf('--backend') + 1] ?? ''] : [];

type Json = Record<string, unknown>;

/** Runs a command and returns the JSON object on the last line of its stdout, or its failure as `{error}`. */
function lastJson(cmd: string, cmdArgs: string[], env: Record<string, string> = {}): Json {
  const shown = [cmd, ...cmdArgs].map((a) => (a.length > 80 ? `'${a.slice(0, 60)}…'` : a));
  log(
    `$ ${Object.entries(env)
      .map(([k, v]) => `${k}=${v} `)
      .join('')}${shown.join(' ')}`,
  );
  const r = spawnSync(cmd, cmdArgs, {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 26,
  });
  const last = (r.stdout ?? '').trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(last) as Json;
  } catch {
    // One side failing (out of memory, a buffer over the device's limit) must not lose the other side's numbers.
    return {
      error: `${path.basename(cmd)} ${cmdArgs[0] ?? ''} ended without a JSON line (exit ${r.status ?? r.signal})`,
    };
  }
}

/** One of our benches: bundled on the device (.gpu/NAME.mjs beside this file), TypeScript through tsx elsewhere. */
function ours(bundle: string, source: string, benchArgs: string[], env: Record<string, string> = {}): Json {
  const bundled = path.join(here, `${bundle}.mjs`);
  return fs.existsSync(bundled)
    ? lastJson(process.execPath, [bundled, ...benchArgs], env)
    : lastJson(process.execPath, ['bin/run-ts.mjs', `test/bench/${source}.ts`, ...benchArgs], env);
}

const MIXED = { STUDIO_MIXED_PRECISION: '1' };

const shapes = tiny ? TINY_SHAPES : CAUSAL_SHAPES;
const STEP = tiny ? { batch: 2, seq: 16 } : { batch: 4, seq: 256 };
const GEN = tiny ? { prompt: 8, newTokens: 24 } : { prompt: 32, newTokens: 64 };
const bigNames: CausalShapeName[] = ['gpt2-medium', 'llama-1b'];
const torchArgs = [
  'test/bench/torch_peer.py',
  ...(withBert ? [] : ['--no-bert']),
  ...(big
    ? [
        '--causal',
        JSON.stringify(
          Object.fromEntries(
            bigNames.map((n) => [
              n,
              { config: hfConfig(shapes[n]), targets: LORA_TARGETS[shapes[n].arch], ...STEP },
            ]),
          ),
        ),
      ]
    : []),
  ...(gen
    ? [
        '--generate',
        JSON.stringify({
          'gpt2-small': { config: hfConfig(shapes['gpt2-small']), ...GEN, batches: [1, 16] },
        }),
      ]
    : []),
];
const torch = has('--no-torch') ? {} : lastJson('python3', torchArgs);
const t = (key: string): Json | undefined => torch[key] as Json | undefined;
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const fmt = (v: number | null, width: number, digits = 1) =>
  (v === null ? '-' : v.toFixed(digits)).padStart(width);
const ratio = (a: number | null, b: number | null) => (a !== null && b ? `${(a / b).toFixed(2)}x` : '-');
const out: Json = { torch };

if (withBert) {
  const bench = (shape: string, env: Record<string, string> = {}) =>
    ours('bench', 'run', ['--json', '--shape', shape, ...backendArgs], env);
  const bert: Record<string, Json> = { small: bench('small'), base: bench('base') };
  const bertMixed: Record<string, Json> = mixed
    ? { small: bench('small', MIXED), base: bench('base', MIXED) }
    : {};
  const rows: Json[] = [];
  log(
    `\n${'shape'.padEnd(6)} ${'method'.padEnd(9)} ${'ours ms'.padStart(8)} ${'torch ms'.padStart(9)} ${'ratio'.padStart(6)}` +
      (mixed ? ` ${'mixed ms'.padStart(9)} ${'bf16 ms'.padStart(8)} ${'ratio'.padStart(6)}` : ''),
  );
  for (const shape of ['small', 'base']) {
    const steps = (bert[shape]?.steps ?? {}) as Record<string, { stepMs: number }>;
    const mixedSteps = (bertMixed[shape]?.steps ?? {}) as Record<string, { stepMs: number }>;
    for (const [method, s] of Object.entries(steps)) {
      const torchMs = num(torch[`${shape}/${method}`]);
      const mixedMs = num(mixedSteps[method]?.stepMs);
      const bf16Ms = num(torch[`${shape}/${method}/bf16`]);
      rows.push({
        shape,
        method,
        oursMs: s.stepMs,
        torchMs,
        ratio: torchMs ? s.stepMs / torchMs : null,
        mixedMs,
        bf16Ms,
      });
      log(
        `${shape.padEnd(6)} ${method.padEnd(9)} ${fmt(s.stepMs, 8)} ${fmt(torchMs, 9)} ${(torchMs ? ratio(s.stepMs, torchMs) : '-').padStart(6)}` +
          (mixed ? ` ${fmt(mixedMs, 9)} ${fmt(bf16Ms, 8)} ${ratio(mixedMs, bf16Ms).padStart(6)}` : ''),
      );
    }
  }
  Object.assign(out, { ours: bert, oursMixed: bertMixed, rows });
}

if (big) {
  const rows: Json[] = [];
  log(
    `\nLoRA r=8, batch ${STEP.batch} x ${STEP.seq} tokens, median step ms; peak GPU MB (ours: tf.js buffer pool; torch: max allocated / reserved)`,
  );
  log(
    `${'shape'.padEnd(12)} ${'ours'.padStart(8)} ${'torch32'.padStart(8)} ${'ratio'.padStart(6)} ${'bf16'.padStart(8)} ${'ratio'.padStart(6)} ${'ours MB'.padStart(9)} ${'torch MB'.padStart(9)} ${'ratio'.padStart(6)} ${'reserved'.padStart(9)}`,
  );
  for (const name of bigNames) {
    const causalArgs = ['--json', '--shape', name, ...(tiny ? ['--tiny'] : []), ...backendArgs];
    const o = ours('causal', 'causal', causalArgs);
    const m = mixed ? ours('causal', 'causal', causalArgs, MIXED) : null;
    const f32 = t(`causal/${name}/fp32`);
    const b16 = t(`causal/${name}/bf16`);
    const row = {
      shape: name,
      ours: o,
      oursMs: num(o.stepMs),
      torchFp32Ms: num(f32?.stepMs),
      torchBf16Ms: num(b16?.stepMs),
      oursMixedMs: num(m?.stepMs),
      oursPeakMB: num(o.peakGpuMB ?? o.peakMemoryMB),
      torchPeakMB: num(f32?.peakAllocatedMB),
      torchReservedMB: num(f32?.peakReservedMB),
    };
    rows.push(row);
    log(
      `${name.padEnd(12)} ${fmt(row.oursMs, 8)} ${fmt(row.torchFp32Ms, 8)} ${ratio(row.oursMs, row.torchFp32Ms).padStart(6)} ${fmt(row.torchBf16Ms, 8)} ${ratio(row.oursMs, row.torchBf16Ms).padStart(6)} ${fmt(row.oursPeakMB, 9, 0)} ${fmt(row.torchPeakMB, 9, 0)} ${ratio(row.oursPeakMB, row.torchPeakMB).padStart(6)} ${fmt(row.torchReservedMB, 9, 0)}` +
        (m ? `  mixed ${fmt(row.oursMixedMs, 7)} (${ratio(row.oursMixedMs, row.torchBf16Ms)} bf16)` : '') +
        `${o.error ? `  ours: ${String(o.error)}` : ''}`,
    );
  }
  out.big = rows;
}

if (gen) {
  const o = ours('causal', 'causal', ['--json', '--generate', ...(tiny ? ['--tiny'] : []), ...backendArgs]);
  const rows: Json[] = [];
  log(
    `\nGPT-2 small, greedy with the KV cache, ${GEN.prompt}-token prompt + ${GEN.newTokens} new: tokens/s (median step)`,
  );
  log(
    `${'batch'.padEnd(6)} ${'ours'.padStart(9)} ${'torch32'.padStart(9)} ${'ratio'.padStart(6)} ${'bf16'.padStart(9)}`,
  );
  for (const batch of [1, 16]) {
    const mine = num((o[`batch${batch}`] as Json | undefined)?.tokensPerSecond);
    const f32 = num(t(`generate/gpt2-small/fp32/batch${batch}`)?.tokensPerSecond);
    const b16 = num(t(`generate/gpt2-small/bf16/batch${batch}`)?.tokensPerSecond);
    rows.push({ batch, oursTokensPerSecond: mine, torchFp32: f32, torchBf16: b16 });
    // Tokens per second: higher is better, so the ratio is theirs over ours (time per token, ours over theirs).
    log(
      `${String(batch).padEnd(6)} ${fmt(mine, 9, 0)} ${fmt(f32, 9, 0)} ${ratio(f32, mine).padStart(6)} ${fmt(b16, 9, 0)}${o.error ? `  ours: ${String(o.error)}` : ''}`,
    );
  }
  Object.assign(out, { generate: { ours: o, rows } });
}
process.stdout.write(`${JSON.stringify(out)}\n`);
