/**
 * WebGPU through Dawn (the `webgpu` npm package): registers navigator.gpu and the tf.js webgpu backend when a GPU
 * adapter exists. Without a Vulkan/Metal/D3D12 device it says so and registers nothing.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

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

export async function probeWebGpu(): Promise<{ ok: boolean; reason: string; device?: string }> {
  if (missingVulkanLoader()) {
    return {
      ok: false,
      reason: 'no Vulkan loader (libvulkan.so.1) on this system, so Dawn cannot reach a GPU',
    };
  }
  let dawn: { create: (flags: string[]) => Gpu; globals: Record<string, unknown> };
  try {
    dawn = require('webgpu') as typeof dawn;
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return { ok: false, reason: `the webgpu (Dawn) package does not load here: ${msg}` };
  }
  const gpu = dawn.create([]);
  let adapter: GpuAdapter | null = null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return { ok: false, reason: `Dawn found no GPU adapter: ${msg}` };
  }
  if (!adapter) {
    return {
      ok: false,
      reason:
        'Dawn found no GPU adapter (no Vulkan/Metal/D3D12 device, or no Vulkan loader such as libvulkan1)',
    };
  }
  const described = adapter.info ?? {};
  // A software Vulkan driver (Mesa's llvmpipe/lavapipe, SwiftShader) is slower than the wasm backend on the same
  // cores: not a GPU to train on. Tests of the WebGPU code paths opt in with STUDIO_WEBGPU_SOFTWARE=1.
  if (
    (described.isFallbackAdapter === true || described.architecture === 'software') &&
    process.env.STUDIO_WEBGPU_SOFTWARE !== '1'
  ) {
    return {
      ok: false,
      reason: `only a software (CPU) WebGPU adapter was found (${described.description ?? described.device ?? 'fallback adapter'}); wasm is faster on these cores`,
    };
  }
  // tf.js's webgpu backend looks for navigator.gpu and the WebGPU globals at import time.
  Object.assign(globalThis, dawn.globals);
  Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  await import('@tensorflow/tfjs-backend-webgpu');
  const info = adapter.info ?? {};
  const device = [info.vendor, info.device || info.description || info.architecture]
    .filter(Boolean)
    .join(' ');
  return { ok: true, reason: 'a WebGPU adapter was found (Dawn)', device: device || 'WebGPU adapter' };
}
