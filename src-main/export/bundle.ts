/**
 * Team bundle: one .zip with the run's adapter folder, manifest.json (format version, config, metrics, base-model
 * identity, sha256 and size of every other file) and a generated model card (README.md). `import-bundle.ts`
 * verifies all of it before anything is written into a project.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { zipSync } from 'fflate';
import { BUNDLE_FORMAT_VERSION, NOT_OVERWRITTEN } from '../../src-shared/export.ts';
import type { BundleManifest, ExportedFile } from '../../src-shared/export.ts';
import { STUDIO_ADAPTER_FILE, STUDIO_WEIGHTS_FILE } from '../node-shared/adapter-folder.ts';
import { APP_VERSION } from '../app/package-info.ts';
import { UserError } from '../errors.ts';
import { MANIFEST_FILE } from './bundle-manifest.ts';
import { CURVES_FILE, REPORT_FILE, curvesBytes } from './bundle-curves.ts';
import type { MetricPoint } from '../db/tables/metrics.ts';
import { CARD_FILE, exportCard } from './card-target.ts';
import { runFacts } from './run-source.ts';
import type { RunSource } from './run-source.ts';

export { MANIFEST_FILE };
export { CARD_FILE };
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

/**
 * The manifest and the files a bundle of this run holds (manifest.json excluded); `curves`, the run's metric
 * points, travel as metrics.jsonl so the imported run draws them.
 */
export function bundleContents(
  s: RunSource,
  curves: readonly MetricPoint[] = [],
  /** The run's HTML report (report.html), when the caller made one. */
  report?: string,
): { manifest: BundleManifest; files: Map<string, Uint8Array> } {
  const files = new Map<string, Uint8Array>([
    [CARD_FILE, new TextEncoder().encode(exportCard(s, 'bundle'))],
    ...adapterFiles(s.adapterDir),
  ]);
  if (curves.length) files.set(CURVES_FILE, curvesBytes(curves));
  if (report !== undefined) files.set(REPORT_FILE, new TextEncoder().encode(report));
  const manifest: BundleManifest = {
    format: 'adapter-studio-bundle',
    version: BUNDLE_FORMAT_VERSION,
    createdAt: new Date().toISOString(),
    studioVersion: APP_VERSION,
    // Steps and start travel too, so the imported run shows "300 / 300 steps" and when it trained.
    run: { ...runFacts(s), createdAt: s.run.createdAt, steps: s.run.step, startedAt: s.run.startedAt },
    baseModel: s.base,
    files: Object.fromEntries(
      [...files].map(([name, data]) => [name, { sha256: sha256(data), bytes: data.length }]),
    ),
  };
  return { manifest, files };
}

/** Puts `from` at `to` unless `to` exists: a hard link never replaces (a rename where links are not supported). */
function link(from: string, to: string): void {
  try {
    fs.linkSync(from, to);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV') throw err;
    if (fs.existsSync(to)) throw Object.assign(new Error(`${to} exists`), { code: 'EEXIST' });
    fs.renameSync(from, to);
  }
}

/**
 * Writes the bundle of a run to `out` (a .zip path) atomically: a temporary file beside it, then a link (which
 * fails when `out` exists) or, with `force`, a rename over it. Returns the files it holds, uncompressed sizes.
 */
export function writeBundle(
  s: RunSource,
  out: string,
  opts: { force?: boolean; curves?: readonly MetricPoint[]; report?: string } = {},
): ExportedFile[] {
  const { manifest, files } = bundleContents(s, opts.curves, opts.report);
  const manifestBytes = new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`);
  const entries: Record<string, Uint8Array> = { [MANIFEST_FILE]: manifestBytes };
  for (const [name, data] of files) entries[name] = data;
  const exists = () => new UserError(`${out}: ${NOT_OVERWRITTEN} (use --force to replace it)`);
  if (!opts.force && fs.existsSync(out)) throw exists();
  const partial = `${out}.tmp-${process.pid}`;
  try {
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(partial, zipSync(entries, { level: 6 }));
    if (opts.force) fs.renameSync(partial, out);
    else link(partial, out);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw exists();
    if (code) throw new UserError(`${out}: could not be written (${(err as Error).message.split(',')[0]})`);
    throw err;
  } finally {
    fs.rmSync(partial, { force: true });
  }
  return Object.entries(entries).map(([name, data]) => ({ name, bytes: data.length }));
}
