/**
 * `studio import`: verifies a team bundle (zip structure and caps, manifest, the sha256 and size of every file, no
 * extra files, the base model it was trained on) without writing anything, and only then records it in a project
 * as a completed run. The adapter is extracted (and checked again) into a staging folder inside the project and
 * renamed into place as a whole run folder once complete.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import type { BundleManifest, ImportResult } from '../../src-shared/export.ts';
import { STUDIO_ADAPTER_FILE, STUDIO_WEIGHTS_FILE } from '../node-shared/adapter-folder.ts';
import { upsertBaseModel } from '../db/tables/base-models.ts';
import { logMetrics } from '../db/tables/metrics.ts';
import type { MetricPoint } from '../db/tables/metrics.ts';
import { insertRun, updateRunStatus } from '../db/tables/runs.ts';
import { UserError } from '../errors.ts';
import { resolveModelDir } from '../models/default-model.ts';
import { ADAPTER_PREFIX, CARD_FILE } from './bundle.ts';
import { MANIFEST_FILE, MAX_MANIFEST_BYTES, parseManifest } from './bundle-manifest.ts';
import { CURVES_FILE, MAX_CURVES_BYTES, REPORT_FILE, parseCurves } from './bundle-curves.ts';
import { stagingDir } from './project-cleanup.ts';
import { recordStagedRun } from './staged-run.ts';
import { modelContentHash } from './run-source.ts';
import { BUNDLE_LIMITS, openZip } from './unzip.ts';
import type { UnzipLimits, ZipArchive } from './unzip.ts';

const STUDIO_PAIR = [STUDIO_ADAPTER_FILE, STUDIO_WEIGHTS_FILE] as const;
const PEFT_PAIR = ['adapter_config.json', 'adapter_model.safetensors'] as const;

export interface ImportOptions {
  /** The bundle's base model on this machine, when not where the bundle says. */
  model?: string;
  /**
   * Import a bundle whose manifest records no base-model hash (an adapter whose base was never identified): the
   * base model is then checked by architecture only. Off unless the user asks (`--allow-unknown-base`).
   */
  allowUnknownBase?: boolean;
  /** Caps on the zip (tests use smaller ones). */
  limits?: UnzipLimits;
}

/** A bundle that passed every check, with the local base model it will be recorded against. */
export interface VerifiedBundle {
  file: string;
  manifest: BundleManifest;
  /** The run's metric points from metrics.jsonl (empty for bundles without one). */
  curves: MetricPoint[];
  base: { dir: string; named: string; contentHash: string; config: Record<string, unknown> };
  limits: UnzipLimits;
}

/** Streams every file the manifest lists through `sink`, checking its size and sha256; refuses any other entry. */
async function checkFiles(
  zip: ZipArchive,
  manifest: BundleManifest,
  sink: (name: string) => ((chunk: Uint8Array) => void) | undefined,
): Promise<void> {
  const { file } = zip;
  const byName = new Map(zip.entries.filter((e) => !e.isDir).map((e) => [e.name, e]));
  for (const name of byName.keys())
    if (name !== MANIFEST_FILE && !(name in manifest.files))
      throw new UserError(`${file}: ${name} is not listed in the manifest (added after export?)`);
  for (const [name, want] of Object.entries(manifest.files)) {
    const entry = byName.get(name);
    if (!entry) throw new UserError(`${file}: ${name} is listed in the manifest but missing from the bundle`);
    if (entry.uncompressedSize !== want.bytes)
      throw new UserError(
        `${file}: ${name} is ${entry.uncompressedSize} bytes, the manifest says ${want.bytes} (truncated?)`,
      );
    const hash = crypto.createHash('sha256');
    const write = sink(name);
    await zip.read(entry, (chunk) => {
      hash.update(chunk);
      write?.(chunk);
    });
    if (hash.digest('hex') !== want.sha256)
      throw new UserError(`${file}: ${name}: sha256 does not match the manifest (the file was changed)`);
  }
}

/** The bundle's manifest, every file checked by streaming it (nothing kept, nothing written). */
export async function verifyBundle(
  file: string,
  limits: UnzipLimits = BUNDLE_LIMITS,
): Promise<BundleManifest> {
  return (await verifyContents(file, limits)).manifest;
}

/** The manifest and the parsed curves of a bundle, every file checked by streaming it. */
async function verifyContents(
  file: string,
  limits: UnzipLimits,
): Promise<{ manifest: BundleManifest; curves: MetricPoint[] }> {
  const zip = await openZip(file, limits);
  try {
    const entry = zip.entries.find((e) => e.name === MANIFEST_FILE);
    if (!entry) throw new UserError(`${file}: ${MANIFEST_FILE} is missing: not an Adapter Studio bundle`);
    const manifest = parseManifest(file, await zip.readAll(entry, MAX_MANIFEST_BYTES));
    // The exporter writes a model card and a flat adapter folder; nothing else becomes a path in the project.
    for (const name of Object.keys(manifest.files))
      if (
        name !== CARD_FILE &&
        name !== CURVES_FILE &&
        name !== REPORT_FILE &&
        !/^adapter\/[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(name)
      )
        throw new UserError(
          `${file}: ${MANIFEST_FILE}: files: ${JSON.stringify(name)} is not a file a bundle holds`,
        );
    // Our adapter folder, or PEFT's (an adapter imported into the studio in PEFT format).
    const complete = (pair: readonly string[]) =>
      pair.every((f) => `${ADAPTER_PREFIX}${f}` in manifest.files);
    if (!complete(STUDIO_PAIR) && !complete(PEFT_PAIR))
      throw new UserError(
        `${file}: ${ADAPTER_PREFIX}${STUDIO_WEIGHTS_FILE} (or PEFT's ${ADAPTER_PREFIX}${PEFT_PAIR[1]}) is missing: the bundle holds no adapter`,
      );
    const curvesSize = manifest.files[CURVES_FILE]?.bytes ?? 0;
    if (curvesSize > MAX_CURVES_BYTES)
      throw new UserError(
        `${file}: ${CURVES_FILE} is ${curvesSize} bytes, more than the ${MAX_CURVES_BYTES} a bundle's curves may be`,
      );
    // The curves are kept (at most MAX_CURVES_BYTES) and parsed once their hash matched; nothing else is kept.
    const chunks: Uint8Array[] = [];
    await checkFiles(zip, manifest, (name) =>
      name === CURVES_FILE ? (chunk) => chunks.push(chunk.slice()) : undefined,
    );
    const curves = curvesSize ? parseCurves(file, Buffer.concat(chunks)) : [];
    return { manifest, curves };
  } finally {
    await zip.close();
  }
}

/**
 * The local base model for a bundle: `model` when given, else the folder its config names; refused when it is
 * missing, when its weights differ from the ones the adapter was trained on, or when the bundle does not say
 * which weights those were (unless the user allows it).
 */
function localBase(file: string, manifest: BundleManifest, opts: ImportOptions): VerifiedBundle['base'] {
  const named = opts.model ?? manifest.baseModel.pathHint;
  const want = manifest.baseModel.contentHash;
  if (!want && !opts.allowUnknownBase)
    throw new UserError(
      `${file}: ${MANIFEST_FILE}: baseModel.contentHash is missing, so the base model cannot be checked: pass --allow-unknown-base to import it anyway`,
    );
  const dir = resolveModelDir(named);
  const configFile = path.join(dir, 'config.json');
  if (!fs.existsSync(configFile))
    throw new UserError(
      `${file}: its base model "${manifest.baseModel.pathHint}" is not on this machine${opts.model ? ` (${configFile} not found)` : ''}: pass --model DIR`,
    );
  const contentHash = modelContentHash(dir);
  if (want && want !== contentHash)
    throw new UserError(
      `${file}: trained on a different base model: ${dir} has weights sha256 ${contentHash.slice(0, 12)}…, the bundle needs ${want.slice(0, 12)}…`,
    );
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(fs.readFileSync(configFile, 'utf8')) as Record<string, unknown>;
  } catch {
    throw new UserError(`${configFile}: not valid JSON`);
  }
  const arch = manifest.baseModel.architecture;
  if (arch !== 'unknown' && config.model_type !== undefined && config.model_type !== arch)
    throw new UserError(`${file}: trained on a ${arch} base model, ${dir} is a ${String(config.model_type)}`);
  return { dir: path.resolve(dir), named, contentHash, config };
}

/** Every check of an import that needs no project: run it before creating a project for the bundle. */
export async function prepareImport(file: string, opts: ImportOptions = {}): Promise<VerifiedBundle> {
  const limits = opts.limits ?? BUNDLE_LIMITS;
  const { manifest, curves } = await verifyContents(file, limits);
  return { file, manifest, curves, base: localBase(file, manifest, opts), limits };
}

/** Extracts the adapter files into `dir`, checking every byte against the manifest again as it is written. */
async function extractAdapter(v: VerifiedBundle, dir: string): Promise<void> {
  const zip = await openZip(v.file, v.limits);
  const open: number[] = [];
  try {
    await checkFiles(zip, v.manifest, (name) => {
      if (!name.startsWith(ADAPTER_PREFIX)) return undefined;
      const fd = fs.openSync(path.join(dir, name.slice(ADAPTER_PREFIX.length)), 'wx');
      open.push(fd);
      return (chunk) => fs.writeSync(fd, chunk);
    });
  } finally {
    for (const fd of open) fs.closeSync(fd);
    await zip.close();
  }
}

/** Records a verified bundle in the project as a completed run; nothing is left behind if any step fails. */
export async function importVerified(
  db: Database,
  projectDir: string,
  v: VerifiedBundle,
): Promise<ImportResult> {
  const { file, manifest, base } = v;
  const now = new Date().toISOString();
  const staging = stagingDir(projectDir, 'import');
  try {
    const adapterStaging = path.join(staging, 'adapter');
    fs.mkdirSync(adapterStaging);
    await extractAdapter(v, adapterStaging);
    const weights =
      manifest.files[`${ADAPTER_PREFIX}${STUDIO_WEIGHTS_FILE}`] ??
      manifest.files[`${ADAPTER_PREFIX}${PEFT_PAIR[1]}`];
    const runId = recordStagedRun(db, projectDir, staging, {
      createdAt: now,
      adapter: {
        sha256: weights?.sha256 ?? '',
        bytes: Object.entries(manifest.files)
          .filter(([n]) => n.startsWith(ADAPTER_PREFIX))
          .reduce((a, [, f]) => a + f.bytes, 0),
        meta: {
          importedFrom: path.resolve(file),
          bundleCreatedAt: manifest.createdAt,
          metricsVerified: false,
        },
      },
      rows: () => {
        const baseModelId = upsertBaseModel(db, {
          path: base.dir,
          architecture: String(base.config.model_type ?? manifest.baseModel.architecture),
          contentHash: base.contentHash,
          paramCount: 0,
          info: { architectures: base.config.architectures ?? null },
          createdAt: now,
        });
        const r = manifest.run;
        const config = {
          ...r.config,
          project: projectDir,
          // "default" stays "default"; any other base is the folder found on this machine.
          model: base.named === 'default' ? 'default' : base.dir,
        };
        const id = insertRun(db, {
          name: r.name,
          datasetId: null,
          baseModelId,
          method: r.method,
          config,
          createdAt: r.createdAt,
        });
        const train = r.config.train as { maxSteps?: number } | undefined;
        // Older bundles carry no step count: the config's cap is the best known.
        const steps = r.steps ?? train?.maxSteps ?? null;
        updateRunStatus(db, id, {
          status: 'completed',
          // A bundle is not signed: its metrics are the exporter's word, and the run says so.
          message: `imported from ${path.basename(file)} (metrics as the bundle reports them, not measured here)`,
          trainableParams: r.trainableParams ?? undefined,
          totalParams: r.totalParams ?? undefined,
          finishedAt: r.finishedAt ?? now,
          ...(steps !== null ? { step: steps, totalSteps: steps } : {}),
          ...(r.startedAt ? { startedAt: r.startedAt } : {}),
        });
        // The curves first: the final metrics, the bundle's headline claim, win at the last step.
        logMetrics(db, id, v.curves);
        logMetrics(
          db,
          id,
          Object.entries(r.metrics).map(([name, value]) => ({
            split: 'validation',
            name,
            step: steps ?? 0,
            value,
          })),
        );
        return id;
      },
    });
    return { runId, name: manifest.run.name };
  } catch (err) {
    // A full disk or a read-only folder is the user's to fix: one line, and nothing was kept.
    const code = (err as NodeJS.ErrnoException).code;
    if (!(err instanceof UserError) && code)
      throw new UserError(
        `${projectDir}: ${path.basename(file)} could not be imported here (${(err as Error).message.split(',')[0]}); nothing was kept`,
      );
    throw err;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** Verifies `file` and records it in the project as a completed run; nothing is written if any check fails. */
export async function importBundle(
  db: Database,
  projectDir: string,
  file: string,
  opts: ImportOptions = {},
): Promise<ImportResult> {
  return importVerified(db, projectDir, await prepareImport(file, opts));
}
