/**
 * Team bundle: one .zip with the run's adapter folder, manifest.json (format version, config, metrics, base-model
 * identity, sha256 and size of every other file) and a generated model card (README.md). `import-bundle.ts`
 * verifies all of it before anything is written into a project.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { zipSync } from 'fflate';
import { BUNDLE_FORMAT_VERSION } from '../../src-shared/export.ts';
import type { BundleManifest, ExportedFile } from '../../src-shared/export.ts';
import { modelCard } from '../../src-shared/model-card.ts';
import { STUDIO_ADAPTER_FILE, STUDIO_WEIGHTS_FILE } from '../adapters/io.ts';
import { APP_VERSION } from '../app/package-info.ts';
import { UserError } from '../errors.ts';
import { cardInput, runFacts } from './run-source.ts';
import type { RunSource } from './run-source.ts';

export const MANIFEST_FILE = 'manifest.json';
export const CARD_FILE = 'README.md';
/** The folder of the zip that holds the adapter's files. */
export const ADAPTER_PREFIX = 'adapter/';

export const sha256 = (data: Uint8Array): string => crypto.createHash('sha256').update(data).digest('hex');

/** The files an adapter folder may hold: ours and PEFT's (anything else there does not travel). */
const ADAPTER_FILES = [
  STUDIO_ADAPTER_FILE,
  STUDIO_WEIGHTS_FILE,
  'adapter_config.json',
  'adapter_model.safetensors',
] as const;

function adapterFiles(dir: string): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const f of [...ADAPTER_FILES].sort()) {
    const p = path.join(dir, f);
    if (fs.existsSync(p)) files.set(`${ADAPTER_PREFIX}${f}`, fs.readFileSync(p));
  }
  if (files.size === 0) throw new UserError(`${dir}: no adapter files (${ADAPTER_FILES.join(', ')})`);
  return files;
}

/** The manifest and the files a bundle of this run holds (manifest.json excluded). */
export function bundleContents(s: RunSource): { manifest: BundleManifest; files: Map<string, Uint8Array> } {
  const files = new Map<string, Uint8Array>([
    [CARD_FILE, new TextEncoder().encode(modelCard(cardInput(s)))],
    ...adapterFiles(s.adapterDir),
  ]);
  const manifest: BundleManifest = {
    format: 'adapter-studio-bundle',
    version: BUNDLE_FORMAT_VERSION,
    createdAt: new Date().toISOString(),
    studioVersion: APP_VERSION,
    run: { ...runFacts(s), createdAt: s.run.createdAt },
    baseModel: s.base,
    files: Object.fromEntries(
      [...files].map(([name, data]) => [name, { sha256: sha256(data), bytes: data.length }]),
    ),
  };
  return { manifest, files };
}

/** Writes the bundle of a run to `out` (a .zip path); returns the files it holds. */
export function writeBundle(s: RunSource, out: string): ExportedFile[] {
  const { manifest, files } = bundleContents(s);
  const manifestBytes = new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`);
  const entries: Record<string, Uint8Array> = { [MANIFEST_FILE]: manifestBytes };
  for (const [name, data] of files) entries[name] = data;
  fs.mkdirSync(path.dirname(out), { recursive: true });
  // Write beside the target and rename, so a failed export never leaves a truncated bundle under its name.
  const partial = `${out}.partial`;
  fs.writeFileSync(partial, zipSync(entries, { level: 6 }));
  fs.renameSync(partial, out);
  return Object.entries(entries).map(([name, data]) => ({ name, bytes: data.length }));
}
