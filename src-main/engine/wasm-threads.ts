/**
 * The threaded-SIMD wasm build under Node. tf.js turns threads off under Node (`WASM_HAS_MULTITHREAD_SUPPORT`
 * is false when IS_NODE) because Emscripten's pthread workers are started from blob: URLs, which Node's
 * worker_threads cannot load. This shim writes the worker script and the module factory to temp files and hands
 * Emscripten file paths instead (ENGINE-NOTES.md). It must run before the wasm backend initialises.
 *
 * Thread count: STUDIO_THREADS, else half the cores (at most 8), see {@link requestedThreads}. XNNPACK itself caps
 * the count at half the logical cores (it assumes hyper-threads); the shim reports enough cores while the backend
 * starts so that an explicit STUDIO_THREADS=2 on a 2-core machine really gets 2.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as wasmBackend from '@tensorflow/tfjs-backend-wasm';

const require = createRequire(import.meta.url);

/** Upper bound tf.js applies too: more threads than this do not pay off for XNNPACK's partitioning. */
const MAX_THREADS = 8;

/**
 * Threads asked for: STUDIO_THREADS when it is a positive integer (at most 8), else tf.js's own rule, half the
 * cores (at most 8). On a 2-core machine that default is 1: measured there, a second XNNPACK thread gains little
 * on big matmuls and makes the many small per-head products several times slower whenever another process
 * competes for the cores (test/bench/RESULTS.md). STUDIO_THREADS=2 opts in.
 */
export function requestedThreads(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.STUDIO_THREADS?.trim();
  if (raw) {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) {
      throw new Error(`STUDIO_THREADS=${raw}: expected a positive whole number of threads`);
    }
    return Math.min(n, MAX_THREADS);
  }
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(Math.floor(cores / 2), MAX_THREADS));
}

let configured: { threads: number; dir: string | null } | undefined;

/** The worker's "load" handler imports the module factory from a URL or a Blob; we give it a file instead. */
const WORKER_LOAD = /if\(typeof e\.data\.urlOrBlob=="string"\)/;

function writeThreadFiles(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-wasm-threads-'));
  const factoryModule =
    require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js') as
      | { default?: unknown }
      | ((...a: unknown[]) => unknown);
  const factory = typeof factoryModule === 'function' ? factoryModule : factoryModule.default;
  if (typeof factory !== 'function') throw new Error('the threaded wasm module factory was not found');
  const mainScript = path.join(dir, 'tfjs-backend-wasm-threaded-simd.cjs');
  fs.writeFileSync(mainScript, `var WasmBackendModuleThreadedSimd = ${String(factory)}`);
  const { wasmWorkerContents } =
    require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js') as {
      wasmWorkerContents: string;
    };
  if (!WORKER_LOAD.test(wasmWorkerContents))
    throw new Error('unexpected wasm worker script (tf.js version?)');
  // As tf.js does for its Blob: the exported string has real newlines where the script's literals had "\n".
  const worker = wasmWorkerContents
    .replace(/\n/g, '\\n')
    .replace(
      WORKER_LOAD,
      `if(true){importScripts(${JSON.stringify(mainScript)})}else if(typeof e.data.urlOrBlob=="string")`,
    );
  fs.writeFileSync(path.join(dir, 'worker.cjs'), worker);
  return dir;
}

/**
 * While tf.js initialises the threaded build: URL.createObjectURL on the worker Blob returns our worker file, and
 * os.cpus() reports enough cores for XNNPACK's cap to allow `threads`. Both are restored afterwards.
 */
async function withNodeShims<T>(dir: string, threads: number, run: () => Promise<T>): Promise<T> {
  const originalCreate = URL.createObjectURL.bind(URL);
  const originalCpus = os.cpus;
  const workers = require('node:worker_threads') as { Worker: new (...a: never[]) => { unref(): void } };
  const OriginalWorker = workers.Worker;
  const started: { unref(): void }[] = [];
  URL.createObjectURL = (obj: Blob) =>
    obj.type === 'application/javascript' ? path.join(dir, 'worker.cjs') : originalCreate(obj);
  os.cpus = () => {
    const cpus = originalCpus();
    return Array.from({ length: Math.max(cpus.length, 2 * threads) }, (_, i) => cpus[i % cpus.length]!);
  };
  // Emscripten keeps its pthread workers referenced, so a finished CLI would never exit; unref them once started.
  workers.Worker = class extends (OriginalWorker as new (...a: unknown[]) => { unref(): void }) {
    constructor(...args: unknown[]) {
      super(...args);
      started.push(this);
    }
  } as typeof workers.Worker;
  try {
    return await run();
  } finally {
    URL.createObjectURL = originalCreate;
    os.cpus = originalCpus;
    workers.Worker = OriginalWorker;
    for (const w of started) w.unref();
  }
}

/**
 * Initialises the wasm backend with `threads` XNNPACK threads (default: {@link requestedThreads}). One thread uses
 * the plain SIMD build and starts no workers. Call before anything else initialises the wasm backend; later calls
 * return the first result. Returns the thread count XNNPACK reports.
 */
export async function initWasmThreads(threads = requestedThreads()): Promise<number> {
  if (configured) return wasmBackend.getThreadsCount();
  if (threads > 1) {
    const dir = writeThreadFiles();
    configured = { threads, dir };
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
    wasmBackend.setThreadsCount(threads);
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    const ok = await withNodeShims(dir, threads, () => tf.setBackend('wasm'));
    if (!ok) throw new Error('the threaded wasm module failed to initialise');
  } else {
    configured = { threads: 1, dir: null };
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    const ok = await tf.setBackend('wasm');
    if (!ok) throw new Error('the wasm module failed to initialise');
  }
  return wasmBackend.getThreadsCount();
}

/** The XNNPACK thread count of the initialised wasm backend, or null before it starts. */
export function wasmThreadsCount(): number | null {
  try {
    return wasmBackend.getThreadsCount();
  } catch {
    return null;
  }
}

/**
 * Ends a CLI process once stdout and stderr are flushed. With the threaded build, pthread workers can keep Node
 * alive; scripts that are done call this rather than relying on the event loop draining.
 */
export async function exitWhenFlushed(code = process.exitCode ?? 0): Promise<never> {
  const flush = (s: NodeJS.WriteStream) =>
    new Promise<void>((resolve) => (s.writableNeedDrain ? s.once('drain', () => resolve()) : resolve()));
  await Promise.all([flush(process.stdout), flush(process.stderr)]);
  process.exit(typeof code === 'number' ? code : Number(code) || 0);
}
