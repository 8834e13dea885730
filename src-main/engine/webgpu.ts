/**
 * WebGPU through Dawn (the `webgpu` npm package): registers navigator.gpu and the tf.js webgpu backend when a GPU
 * adapter exists. Without a Vulkan/Metal/D3D12 device it says so and registers nothing.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import './tf-core.ts';
import { dawnFlags, withOptionalFeatures } from './webgpu/gpu-features.ts';

const require = createRequire(import.meta.url);

interface GpuAdapterInfo {
  isFallbackAdapter?: boolean;
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
}
interface GpuAdapter {
  info?: GpuAdapterInfo;
  features: Set<string>;
  limits: unknown;
  requestDevice(descriptor?: unknown): Promise<never>;
}
interface Gpu {
  requestAdapter(opts?: { powerPreference?: string }): Promise<GpuAdapter | null>;
}

/** Dawn prints a warning and finds nothing when Linux has no Vulkan loader; say so plainly instead. */
function missingVulkanLoader(): boolean {
  if (process.platform !== 'linux') return false;
  const dirs = [
    '/usr/lib/x86_64-linux-gnu',
    '/usr/lib/aarch64-linux-gnu',
    '/usr/lib64',
    '/usr/lib',
    '/lib/x86_64-linux-gnu',
  ];
  const extra = (process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  return ![...extra, ...dirs].some((d) => fs.existsSync(path.join(d, 'libvulkan.so.1')));
}

const NO_ADAPTER =
  'Dawn found no GPU adapter (no Vulkan/Metal/D3D12 device, or no Vulkan loader such as libvulkan1)';

/** Asks for an adapter in a child process and prints what it found as JSON. */
const LOOK = `
const { create } = require(process.argv[1]);
const done = (r) => { process.stdout.write(JSON.stringify(r)); process.exit(0); };
create([]).requestAdapter({ powerPreference: 'high-performance' }).then(
  (a) => { const i = (a && a.info) || {};
    done(a ? { info: { vendor: i.vendor, architecture: i.architecture, device: i.device,
      description: i.description, isFallbackAdapter: i.isFallbackAdapter } } : { problem: 'none' }); },
  (e) => done({ problem: String((e && e.message) || e).split('\\n')[0] }));
`;

/**
 * Looks for an adapter in a short child process first. Dawn writes driver warnings straight to stderr while it
 * initialises an adapter (Mesa's llvmpipe prints two on every start), which would break the CLI's one-line
 * errors; and a crash in a driver then costs the child, not the studio.
 */
function lookInChild(dawnPath: string): { info: GpuAdapterInfo } | { problem: string } {
  const r = spawnSync(process.execPath, ['-e', LOOK, dawnPath], {
    encoding: 'utf8',
    timeout: 30_000,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  try {
    const found = JSON.parse(r.stdout) as { info?: GpuAdapterInfo; problem?: string };
    if (found.info) return { info: found.info };
    return {
      problem:
        found.problem === 'none' || !found.problem
          ? NO_ADAPTER
          : `Dawn found no GPU adapter: ${found.problem}`,
    };
  } catch {
    return {
      problem: `looking for a GPU adapter failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`})`,
    };
  }
}

/**
 * A software Vulkan driver (Mesa's llvmpipe/lavapipe, SwiftShader) is slower than the wasm backend on the same
 * cores: not a GPU to train on. Tests of the WebGPU code paths opt in with STUDIO_WEBGPU_SOFTWARE=1.
 */
function softwareAdapter(described: GpuAdapterInfo): { ok: false; reason: string } | null {
  if (described.isFallbackAdapter !== true && described.architecture !== 'software') return null;
  if (process.env.STUDIO_WEBGPU_SOFTWARE === '1') return null;
  return {
    ok: false,
    reason: `only a software (CPU) WebGPU adapter was found (${described.description ?? described.device ?? 'fallback adapter'}); wasm is faster on these cores`,
  };
}

/** `inThisProcess`: ask Dawn here without a child process first (a process whose crash is contained: backends.ts). */
export async function probeWebGpu(
  opts: { inThisProcess?: boolean } = {},
): Promise<{ ok: boolean; reason: string; device?: string }> {
  if (missingVulkanLoader()) {
    return {
      ok: false,
      reason: 'no Vulkan loader (libvulkan.so.1) on this system, so Dawn cannot reach a GPU',
    };
  }
  let dawnPath: string;
  try {
    dawnPath = require.resolve('webgpu');
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return { ok: false, reason: `the webgpu (Dawn) package is not installed: ${msg}` };
  }
  // In Electron the engine already runs in a utility process of its own (a driver crash costs that process, and
  // there is no CLI line to keep clean), and its binary cannot run a Node script: the runAsNode fuse is off.
  const seen = process.versions.electron || opts.inThisProcess ? { info: {} } : lookInChild(dawnPath);
  if ('problem' in seen) return { ok: false, reason: seen.problem };
  const software = softwareAdapter(seen.info);
  if (software) return software;
  let dawn: { create: (flags: string[]) => Gpu; globals: Record<string, unknown> };
  try {
    dawn = require(dawnPath) as typeof dawn;
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return { ok: false, reason: `the webgpu (Dawn) package does not load here: ${msg}` };
  }
  // Dawn's own flags (ours, and e.g. disable-dawn-features=timestamp_quantization for exact GPU timestamps).
  const gpu = dawn.create(dawnFlags(process.env.STUDIO_DAWN_FLAGS));
  let adapter: GpuAdapter | null = null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return { ok: false, reason: `Dawn found no GPU adapter: ${msg}` };
  }
  if (!adapter) return { ok: false, reason: NO_ADAPTER };
  const softwareHere = softwareAdapter(adapter.info ?? {});
  if (softwareHere) return softwareHere;
  // tf.js's webgpu backend looks for navigator.gpu and the WebGPU globals at import time.
  Object.assign(globalThis, dawn.globals);
  // tf.js asks this gpu for its adapter and device: the device gets the optional features our kernels use.
  const forTfjs = {
    requestAdapter: async (opts?: { powerPreference?: string }) => {
      const a = await gpu.requestAdapter(opts);
      return a ? withOptionalFeatures(a) : a;
    },
    getPreferredCanvasFormat: () => 'bgra8unorm',
  };
  Object.defineProperty(globalThis, 'navigator', {
    value: { gpu: forTfjs },
    configurable: true,
    writable: true,
  });
  await import('@tensorflow/tfjs-backend-webgpu');
  const info = adapter.info ?? {};
  const device = [info.vendor, info.device || info.description || info.architecture]
    .filter(Boolean)
    .join(' ');
  return { ok: true, reason: 'a WebGPU adapter was found (Dawn)', device: device || 'WebGPU adapter' };
}
