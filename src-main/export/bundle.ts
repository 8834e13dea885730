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
import { APP_VERSION } from '../app/package-info.ts';
import { cardInput } from './run-source.ts';
import type { RunSource } from './run-source.ts';

export const MANIFEST_FILE = 'manifest.json';
export const CARD_FILE = 'README.md';
/** The folder of the zip that holds the adapter's files. */
export const ADAPTER_PREFIX = 'adapter/';

export const sha256 = (data: Uint8Array): string => crypto.createHash('sha256').update(data).digest('hex');

/** The files of an adapter folder (flat: adapters are a config and a weights file or two). */
function adapterFiles(dir: string): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const f of fs.readdirSync(dir).sort()) {
    const p = path.join(dir, f);
    if (fs.statSync(p).isFile()) files.set(`${ADAPTER_PREFIX}${f}`, fs.readFileSync(p));
  }
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
    run: {
      name: s.run.name,
      method: s.run.method,
      config: s.run.config,
      metrics: s.metrics,
      trainableParams: s.run.trainableParams,
      totalParams: s.run.totalParams,
      createdAt: s.run.createdAt,
      finishedAt: s.run.finishedAt,
    },
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
