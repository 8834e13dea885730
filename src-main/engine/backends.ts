/**
 * The engine's backend chain (ARCHITECTURE.md): probe tfjs-node-gpu, webgpu, tfjs-node, wasm, cpu in that order,
 * catch every error, choose the first that works; STUDIO_BACKEND overrides. Each probe says in one line why its
 * backend was or was not used, for `studio doctor` and the Settings page.
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import './tf-core.ts';
import { BACKEND_NAMES } from '../../src-shared/domain.ts';
import type { BackendName, BackendProbe, DoctorReport } from '../../src-shared/domain.ts';
import { UserError } from '../errors.ts';
import { useDeterministicMatMul } from './webgpu/deterministic-matmul.ts';
import { useThinMatMul } from './webgpu/thin-matmul.ts';
import { mixedPrecisionUnavailable, setF32Products, setMixedPrecision } from './webgpu/mixed-precision.ts';
import { setMatrixTiling } from './webgpu/mixed-matmul.ts';
import type { MatrixTiling } from './webgpu/mixed-matmul.ts';

const require = createRequire(import.meta.url);

/** tfjs-node(-gpu) register themselves under this tf.js backend name. */
const TF_NATIVE = 'tensorflow';

interface ProbeResult {
  ok: boolean;
  reason: string;
  device?: string;
  /** The tf.js backend name to activate when chosen. */
  tfName?: string;
}

const firstLine = (err: unknown): string =>
  (err instanceof Error ? err.message : String(err)).split('\n')[0]?.trim() ?? 'unknown error';

function probeNative(pkg: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node', gpu: boolean): ProbeResult {
  try {
    require.resolve(`${pkg}/package.json`);
  } catch {
    return {
      ok: false,
      reason: `${pkg} is not installed (optional: it needs libtensorflow at install time)`,
    };
  }
  try {
    require(pkg);
  } catch (err) {
    return { ok: false, reason: `${pkg} is installed but does not load: ${firstLine(err)}` };
  }
  if (!tf.findBackend(TF_NATIVE)) return { ok: false, reason: `${pkg} loaded but registered no backend` };
  return {
    ok: true,
    reason: `${pkg} loaded (libtensorflow${gpu ? ' with CUDA' : ', native CPU'})`,
    device: gpu ? 'CUDA GPU (libtensorflow)' : `${os.cpus()[0]?.model ?? 'CPU'} (libtensorflow)`,
    tfName: TF_NATIVE,
  };
}

async function probeWebGpuBackend(inThisProcess = false): Promise<ProbeResult> {
  try {
    const { probeWebGpu } = await import('./webgpu.ts');
    const r = await probeWebGpu({ inThisProcess });
    return { ...r, tfName: 'webgpu' };
  } catch (err) {
    return { ok: false, reason: `webgpu could not be probed: ${firstLine(err)}` };
  }
}

async function probeWasm(): Promise<ProbeResult> {
  try {
    const { registerWasm } = await import('./wasm.ts');
    const info = await registerWasm();
    return { ok: true, reason: info.reason, device: info.device, tfName: 'wasm' };
  } catch (err) {
    return { ok: false, reason: `wasm backend failed to initialise: ${firstLine(err)}` };
  }
}

const probes: Record<BackendName, () => Promise<ProbeResult>> = {
  'tfjs-node-gpu': async () => probeNative('@tensorflow/tfjs-node-gpu', true),
  webgpu: probeWebGpuBackend,
  'tfjs-node': async () => probeNative('@tensorflow/tfjs-node', false),
  wasm: probeWasm,
  cpu: async () => ({
    ok: true,
    reason: 'pure JavaScript, always available (about 50-100x slower than wasm)',
    device: 'CPU (JavaScript)',
    tfName: 'cpu',
  }),
};

export function isBackendName(name: string): name is BackendName {
  return (BACKEND_NAMES as readonly string[]).includes(name);
}

/**
 * STUDIO_TF_FLAGS='{"WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE": 64}': tf.js environment flags, for measuring a backend's
 * settings (test/bench) without code changes. Unknown flags are tf.js's own error.
 */
function applyTfFlags(json: string | undefined): void {
  if (!json) return;
  let flags: unknown;
  try {
    flags = JSON.parse(json);
  } catch {
    throw new UserError(`STUDIO_TF_FLAGS: not valid JSON: ${json}`);
  }
  if (typeof flags !== 'object' || flags === null || Array.isArray(flags))
    throw new UserError('STUDIO_TF_FLAGS: give a JSON object of flag names and values');
  for (const [name, value] of Object.entries(flags)) tf.env().set(name, value as number | boolean);
}

/**
 * tf.js sends a product to its split-K or small-tile programs only when 32x32 tiles would give <= 8 workgroups,
 * a number tuned for integrated GPUs. Discrete GPUs have tens to 100+ multiprocessors: adapter products (LoRA's
 * [tokens, d] x [d, r] and their gradients) have 24-64 such tiles and ran at a fraction of the GPU. 128 measured
 * 1-4% faster BERT-base and -small LoRA steps on an H200 (test/bench/RESULTS.md). STUDIO_TF_FLAGS overrides it.
 */
function applyWebGpuDefaults(): void {
  tf.env().set('WEBGPU_THRESHOLD_TO_INCREASE_WORKGROUPS_FOR_MATMUL', 128);
  // tf.js's split-K products add with float atomics in GPU order: the same seed would not give the same run.
  useDeterministicMatMul();
  // LoRA's rank-r products in one coalesced pass, operands read in place (engine/webgpu/thin-matmul.ts).
  useThinMatMul();
  // f16 operands, f32 sums in every product (engine/webgpu/mixed-precision.ts), for benchmarks and trials.
  if (process.env.STUDIO_MIXED_PRECISION === '1') {
    const why = mixedPrecisionUnavailable();
    if (why) process.stderr.write(`STUDIO_MIXED_PRECISION=1 ignored: ${why}\n`);
    else setMixedPrecision(true);
  }
  // f32 products in the studio's register-tiled program (engine/webgpu/f32-matmul.ts), until it is timed on GPUs.
  if (process.env.STUDIO_F32_MATMUL === '1') setF32Products(true);
  // The subgroup-matrix tiling, as JSON (benches compare tilings: test/bench/mixed-products.ts prints the best).
  const tiling = process.env.STUDIO_MATRIX_TILING;
  if (tiling) setMatrixTiling(parseMatrixTiling(tiling));
}

function parseMatrixTiling(text: string): MatrixTiling {
  let t: Record<string, unknown> = {};
  try {
    t = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // reported below
  }
  if (!['wm', 'wn', 'tm', 'tn', 'bk'].every((k) => Number.isInteger(t[k])))
    throw new UserError('STUDIO_MATRIX_TILING: give JSON like {"wm":2,"wn":2,"tm":2,"tn":2,"bk":32}');
  return t as unknown as MatrixTiling;
}

let active: { name: BackendName; device: string; probed: BackendProbe[] } | undefined;

/**
 * Probes the chain and activates a backend: `requested` (or STUDIO_BACKEND) when given, else the first that
 * works. A requested backend that does not work is an error, not a silent fallback.
 */
/**
 * How `initBackend` probes. A training or inference process (`engineProcess`) is a process of its own: a driver
 * that crashes there costs that process, which its supervisor reports, so Dawn is asked for an adapter in it
 * directly instead of first in a child process; and nobody reads the backends after the chosen one there, so they
 * are not probed (the wasm module alone costs a tenth of a second). `studio doctor` probes them all.
 */
export interface InitOptions {
  engineProcess?: boolean;
}

export async function initBackend(requested?: string, opts: InitOptions = {}): Promise<DoctorReport> {
  const want = requested ?? process.env.STUDIO_BACKEND ?? undefined;
  if (want !== undefined && want !== '' && !isBackendName(want)) {
    throw new UserError(`STUDIO_BACKEND=${want}: unknown backend; choose one of ${BACKEND_NAMES.join(', ')}`);
  }
  // tf.js prints a "use tfjs-node" banner under Node otherwise; we make that choice ourselves.
  tf.env().set('PROD', true);
  const probed: BackendProbe[] = [];
  let chosen: { name: BackendName; result: ProbeResult } | undefined;
  for (const name of BACKEND_NAMES) {
    // Probing a native package after another backend was chosen would only cost start-up time.
    if (chosen && (opts.engineProcess || (name !== 'cpu' && name !== 'wasm'))) {
      probed.push({ name, ok: false, reason: `not probed: ${chosen.name} was chosen first` });
      continue;
    }
    if (opts.engineProcess && want && name !== want) {
      probed.push({
        name,
        ok: false,
        reason: `not probed: STUDIO_BACKEND=${want} asked for another backend`,
      });
      continue;
    }
    const result = name === 'webgpu' ? await probeWebGpuBackend(opts.engineProcess) : await probes[name]();
    const wanted = want ? name === want : !chosen;
    if (result.ok && wanted && !chosen) {
      chosen = { name, result };
      probed.push({ name, ok: true, reason: `chosen: ${result.reason}` });
    } else if (result.ok) {
      const why =
        want && name !== want
          ? `STUDIO_BACKEND=${want} asked for another backend`
          : `${chosen?.name} came first`;
      probed.push({ name, ok: true, reason: `available but not used (${why}): ${result.reason}` });
    } else {
      probed.push({ name, ok: false, reason: result.reason });
    }
  }
  if (!chosen) {
    const why = probed.find((p) => p.name === want)?.reason ?? 'no backend works';
    throw new UserError(`STUDIO_BACKEND=${want}: that backend is not usable here: ${why}`);
  }
  const ok = await tf.setBackend(chosen.result.tfName ?? chosen.name);
  if (!ok) throw new Error(`tf.setBackend(${chosen.result.tfName}) failed after a successful probe`);
  await tf.ready();
  // After the backend registered its own flags.
  if (chosen.name === 'webgpu') applyWebGpuDefaults();
  applyTfFlags(process.env.STUDIO_TF_FLAGS);
  active = { name: chosen.name, device: chosen.result.device ?? 'unknown', probed };
  return doctorReport();
}

/** The report of the last `initBackend`. */
export function doctorReport(): DoctorReport {
  if (!active) throw new Error('initBackend() has not run');
  return {
    backend: active.name,
    probed: active.probed,
    device: active.device,
    threads: active.name === 'wasm' ? wasmThreads() : null,
    versions: {
      node: process.versions.node,
      tfjs: tf.version_core,
      ...(process.versions.electron ? { electron: process.versions.electron } : {}),
      platform: `${process.platform}-${process.arch}`,
    },
  };
}

export const activeBackend = (): BackendName | undefined => active?.name;

function wasmThreads(): number {
  try {
    const wasm = require('@tensorflow/tfjs-backend-wasm') as { getThreadsCount?: () => number };
    return wasm.getThreadsCount?.() ?? 1;
  } catch {
    return 1;
  }
}
