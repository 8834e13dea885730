import fs from 'node:fs';
import { initBackend } from '../../src-main/engine/backends.ts';

/** Where Debian's mesa-vulkan-drivers puts lavapipe, a software Vulkan driver (.ci/run installs it). */
const LAVAPIPE_ICDS = ['/usr/share/vulkan/icd.d/lvp_icd.json', '/usr/share/vulkan/icd.d/lvp_icd.x86_64.json'];

/**
 * Switches this test process to the webgpu backend, on a real GPU or on lavapipe (Mesa's CPU Vulkan driver) so the
 * WebGPU code paths are tested on machines without a GPU. Returns null when active, else why it is not.
 */
export async function useWebGpuForTests(): Promise<string | null> {
  const icd = LAVAPIPE_ICDS.find((p) => fs.existsSync(p));
  if (icd && !process.env.VK_DRIVER_FILES) process.env.VK_DRIVER_FILES = icd;
  process.env.STUDIO_WEBGPU_SOFTWARE = '1';
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
  try {
    await initBackend('webgpu');
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
