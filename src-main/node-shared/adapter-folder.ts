/**
 * What any process may know about an adapter folder without loading it: our file names, the base identity type,
 * and the labels it was trained for (read from the small JSON file, never from the weights). Main lists adapters
 * and plans exports with this; adapters/io.ts (engine side) reads and writes the tensors.
 */
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.ts';

export const STUDIO_ADAPTER_FILE = 'studio_adapter.json';
export const STUDIO_WEIGHTS_FILE = 'adapter.safetensors';

/** Which base model an adapter belongs to. */
export interface BaseIdentity {
  architecture: string;
  hiddenSize: number;
  numLayers: number;
  /** sha256 of the base model's weights file(s), when known. */
  contentHash?: string;
}

/**
 * Whether an adapter folder was trained on video clips (`video` in studio_adapter.json's config): its base is then
 * read as a video classifier (models/base/new-head.ts), which for CLIP means a linear head instead of prompts.
 */
export function adapterIsVideo(adapterDir: string): boolean {
  const file = path.join(adapterDir, STUDIO_ADAPTER_FILE);
  if (!fs.existsSync(file)) return false;
  try {
    const meta = JSON.parse(fs.readFileSync(file, 'utf8')) as { config?: { video?: unknown } };
    return meta.config?.video === true;
  } catch {
    // adapterLabels reports a broken file in one line; here it is simply not a video adapter.
    return false;
  }
}

/**
 * The classification labels an adapter folder was trained for (ours records them in studio_adapter.json; PEFT's
 * adapter_config.json does not), or undefined.
 */
export function adapterLabels(adapterDir: string): string[] | undefined {
  const file = path.join(adapterDir, STUDIO_ADAPTER_FILE);
  if (!fs.existsSync(file)) {
    if (fs.existsSync(path.join(adapterDir, 'adapter_config.json'))) return undefined;
    throw new UserError(
      `${adapterDir}: not an adapter folder (no ${STUDIO_ADAPTER_FILE} or adapter_config.json)`,
    );
  }
  let meta: { method?: unknown; config?: { task?: unknown; labels?: unknown } };
  try {
    meta = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof meta;
  } catch (err) {
    throw new UserError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  if (!meta.method) throw new UserError(`${file}: method is missing`);
  const labels = meta.config?.labels;
  return meta.config?.task === 'classification' && Array.isArray(labels) && labels.length > 0
    ? labels.map(String)
    : undefined;
}
