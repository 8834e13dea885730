import fs from 'node:fs';
import path from 'node:path';
import { STUDIO_WEIGHTS_FILE } from '../node-shared/adapter-folder.ts';

/** PEFT's copy of an adapter that our own files also hold (saveAdapter writes both for LoRA, IA3, prompt). */
const PEFT_COPY = new Set(['adapter_config.json', 'adapter_model.safetensors']);

/**
 * The adapter's size on disk as the runs list and Compare show it: its weights counted once. Where our own weights
 * file is present the PEFT files are the same tensors again, so they are left out; a PEFT-only folder counts them.
 */
export function adapterDiskBytes(files: readonly string[]): number {
  const ours = files.some((f) => path.basename(f) === STUDIO_WEIGHTS_FILE);
  return files
    .filter((f) => !(ours && PEFT_COPY.has(path.basename(f))))
    .reduce((a, f) => a + fs.statSync(f).size, 0);
}
