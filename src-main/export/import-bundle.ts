/**
 * `studio import`: verifies a team bundle (zip integrity, manifest, the sha256 and size of every file, no extra
 * files, the base model it was trained on) and only then records it in a project as a completed run with its
 * metrics and adapter.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { unzipSync } from 'fflate';
import { z } from 'zod';
import { BUNDLE_FORMAT_VERSION } from '../../src-shared/export.ts';
import type { BundleManifest, ImportResult } from '../../src-shared/export.ts';
import { STUDIO_ADAPTER_FILE, STUDIO_WEIGHTS_FILE } from '../adapters/io.ts';
import { ARTIFACTS_DIR } from '../app/paths.ts';
import { insertArtifact } from '../db/tables/artifacts.ts';
import { upsertBaseModel } from '../db/tables/base-models.ts';
import { logMetrics } from '../db/tables/metrics.ts';
import { insertRun, updateRunStatus } from '../db/tables/runs.ts';
import { UserError } from '../errors.ts';
import { resolveModelDir } from '../models/default-model.ts';
import { runDirs } from '../training/run-dirs.ts';
import { ADAPTER_PREFIX, MANIFEST_FILE, sha256 } from './bundle.ts';
import { modelContentHash } from './run-source.ts';

const STUDIO_PAIR = [STUDIO_ADAPTER_FILE, STUDIO_WEIGHTS_FILE] as const;
const PEFT_PAIR = ['adapter_config.json', 'adapter_model.safetensors'] as const;

const manifestSchema = z.object({
  format: z.literal('adapter-studio-bundle'),
  version: z.number().int(),
  createdAt: z.string(),
  studioVersion: z.string(),
  run: z.object({
    name: z.string().min(1),
    method: z.string().min(1),
    config: z.record(z.string(), z.unknown()),
    metrics: z.record(z.string(), z.number()),
    trainableParams: z.number().int().nullable(),
    totalParams: z.number().int().nullable(),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
  }),
  baseModel: z.object({
    architecture: z.string(),
    contentHash: z.string().nullable(),
    pathHint: z.string(),
  }),
  files: z.record(
    z.string(),
    z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.number().int().min(0) }),
  ),
});

/** The bundle's manifest and files, every hash checked; throws a one-line UserError naming what is wrong. */
export function verifyBundle(file: string): { manifest: BundleManifest; files: Map<string, Uint8Array> } {
  const bytes = new Uint8Array(fs.readFileSync(file));
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (err) {
    throw new UserError(
      `${file}: not a readable bundle (truncated or corrupt zip: ${(err as Error).message})`,
    );
  }
  const manifestBytes = entries[MANIFEST_FILE];
  if (!manifestBytes)
    throw new UserError(`${file}: ${MANIFEST_FILE} is missing: not an Adapter Studio bundle`);
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(manifestBytes));
  } catch (err) {
    throw new UserError(`${file}: ${MANIFEST_FILE} is not valid JSON (${(err as Error).message})`);
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(
      `${file}: ${MANIFEST_FILE}: ${issue?.path.join('.') || 'manifest'}: ${issue?.message}`,
    );
  }
  const manifest = parsed.data;
  if (manifest.version !== BUNDLE_FORMAT_VERSION)
    throw new UserError(
      `${file}: ${MANIFEST_FILE}: bundle format version ${manifest.version}, this studio reads version ${BUNDLE_FORMAT_VERSION}`,
    );
  const files = new Map<string, Uint8Array>();
  for (const [name, want] of Object.entries(manifest.files)) {
    // Names become paths under the project: nothing may climb out of the adapter folder.
    if (name.includes('..') || name.startsWith('/') || name.includes('\\'))
      throw new UserError(`${file}: ${MANIFEST_FILE}: unsafe file name "${name}"`);
    const data = entries[name];
    if (!data) throw new UserError(`${file}: ${name} is listed in the manifest but missing from the bundle`);
    if (data.length !== want.bytes)
      throw new UserError(
        `${file}: ${name} is ${data.length} bytes, the manifest says ${want.bytes} (truncated?)`,
      );
    if (sha256(data) !== want.sha256)
      throw new UserError(`${file}: ${name}: sha256 does not match the manifest (the file was changed)`);
    files.set(name, data);
  }
  for (const name of Object.keys(entries))
    if (name !== MANIFEST_FILE && !files.has(name) && !name.endsWith('/'))
      throw new UserError(`${file}: ${name} is not listed in the manifest (added after export?)`);
  // Our adapter folder, or PEFT's (an adapter imported into the studio in PEFT format).
  const complete = (pair: readonly string[]) => pair.every((f) => files.has(`${ADAPTER_PREFIX}${f}`));
  if (!complete(STUDIO_PAIR) && !complete(PEFT_PAIR))
    throw new UserError(
      `${file}: ${ADAPTER_PREFIX}${STUDIO_WEIGHTS_FILE} (or PEFT's ${ADAPTER_PREFIX}${PEFT_PAIR[1]}) is missing: the bundle holds no adapter`,
    );
  return { manifest, files };
}

/**
 * The local base model for a bundle: `model` when given, else the folder its config names; refused when it is
 * missing or its weights differ from the ones the adapter was trained on.
 */
function localBase(file: string, manifest: BundleManifest, model: string | undefined) {
  const named = model ?? manifest.baseModel.pathHint;
  const dir = resolveModelDir(named);
  const configFile = path.join(dir, 'config.json');
  if (!fs.existsSync(configFile))
    throw new UserError(
      `${file}: its base model "${manifest.baseModel.pathHint}" is not on this machine${model ? ` (${configFile} not found)` : ''}: pass --model DIR`,
    );
  const contentHash = modelContentHash(dir);
  const want = manifest.baseModel.contentHash;
  if (want && want !== contentHash)
    throw new UserError(
      `${file}: trained on a different base model: ${dir} has weights sha256 ${contentHash.slice(0, 12)}…, the bundle needs ${want.slice(0, 12)}…`,
    );
  const config = JSON.parse(fs.readFileSync(configFile, 'utf8')) as Record<string, unknown>;
  // Without a recorded hash the architecture is the check left.
  const arch = manifest.baseModel.architecture;
  if (arch !== 'unknown' && config.model_type !== undefined && config.model_type !== arch)
    throw new UserError(`${file}: trained on a ${arch} base model, ${dir} is a ${String(config.model_type)}`);
  return { dir: path.resolve(dir), named, contentHash, config };
}

/** Verifies `file` and records it in the project as a completed run; nothing is written if any check fails. */
export function importBundle(
  db: Database,
  projectDir: string,
  file: string,
  opts: { model?: string } = {},
): ImportResult {
  const { manifest, files } = verifyBundle(file);
  const base = localBase(file, manifest, opts.model);
  const now = new Date().toISOString();
  // Files go into a staging folder first and are renamed into place once the run row exists.
  const staging = fs.mkdtempSync(path.join(projectDir, ARTIFACTS_DIR, '.import-'));
  try {
    for (const [name, data] of files)
      if (name.startsWith(ADAPTER_PREFIX))
        fs.writeFileSync(path.join(staging, name.slice(ADAPTER_PREFIX.length)), data);
    const runId = db.transaction(() => {
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
      const step = Number((r.config.train as Record<string, unknown> | undefined)?.maxSteps ?? 0) || 0;
      updateRunStatus(db, id, {
        status: 'completed',
        message: `imported from ${path.basename(file)}`,
        trainableParams: r.trainableParams ?? undefined,
        totalParams: r.totalParams ?? undefined,
        finishedAt: r.finishedAt ?? now,
      });
      logMetrics(
        db,
        id,
        Object.entries(r.metrics).map(([name, value]) => ({ split: 'validation', name, step, value })),
      );
      const dirs = runDirs(id);
      const weights = (files.get(`${ADAPTER_PREFIX}${STUDIO_WEIGHTS_FILE}`) ??
        files.get(`${ADAPTER_PREFIX}${PEFT_PAIR[1]}`)) as Uint8Array;
      const bytes = [...files]
        .filter(([n]) => n.startsWith(ADAPTER_PREFIX))
        .reduce((a, [, d]) => a + d.length, 0);
      insertArtifact(db, {
        runId: id,
        kind: 'adapter',
        path: dirs.adapter,
        sha256: sha256(weights),
        bytes,
        meta: { importedFrom: path.resolve(file), bundleCreatedAt: manifest.createdAt },
        createdAt: now,
      });
      // Last, so a failed move rolls the rows back and a failed insert never leaves files behind.
      fs.mkdirSync(path.join(projectDir, dirs.root), { recursive: true });
      fs.renameSync(staging, path.join(projectDir, dirs.adapter));
      return id;
    })();
    return { runId, name: manifest.run.name };
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}
