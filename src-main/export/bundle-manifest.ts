/**
 * The strict reading of a bundle's manifest.json. A bundle is not signed: whoever edits the manifest can recompute
 * its file hashes, so these checks refuse what cannot be true (types, ranges, a config this studio would refuse,
 * a method that disagrees with its config) and the importer records the metrics as the bundle's claim.
 */
import { z } from 'zod';
import { BUNDLE_FORMAT_VERSION } from '../../src-shared/export.ts';
import type { BundleManifest } from '../../src-shared/export.ts';
import { methodSchema } from '../../src-shared/methods.ts';
import { trainOptionsSchema } from '../../src-shared/train-config.ts';
import { UserError } from '../errors.ts';

export const MANIFEST_FILE = 'manifest.json';
/** A manifest lists a handful of files: anything near this size is not one of ours. */
export const MAX_MANIFEST_BYTES = 1024 * 1024;

const isoDate = z
  .string()
  .max(40)
  .refine((s) => Number.isFinite(Date.parse(s)), 'not a date');
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable();
/** Metrics this studio writes, with the values they can take; other names must still be finite numbers. */
const METRIC_RANGES: Record<string, [number, number]> = {
  accuracy: [0, 1],
  macroF1: [0, 1],
  loss: [0, Number.MAX_VALUE],
  perplexity: [1, Number.MAX_VALUE],
};
// A multi-task run's metrics are per task (`accuracy/<task>`), as the bundle's curves name them.
const metrics = z
  .record(z.string().regex(/^[A-Za-z][A-Za-z0-9_./:-]{0,63}$/, 'not a metric name'), z.number())
  .refine((m) => Object.keys(m).length <= 32, 'more than 32 metrics')
  .superRefine((m, ctx) => {
    for (const [name, value] of Object.entries(m)) {
      const range = METRIC_RANGES[name.split('/')[0] as string];
      if (range && (value < range[0] || value > range[1]))
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: `${value} is outside [${range[0]}, ${range[1]}]`,
        });
    }
  });

/**
 * The parts of a run's config that travel with its adapter, as this studio would accept them itself (the method's
 * options, integer steps...); the project, dataset and model paths are the exporter's machine's and are replaced.
 */
const runConfigSchema = z
  .object({
    method: methodSchema,
    train: trainOptionsSchema.optional(),
    model: z.string().max(4096).optional(),
  })
  .loose();

const manifestSchema: z.ZodType<BundleManifest> = z
  .object({
    format: z.literal('adapter-studio-bundle'),
    version: z.number().int(),
    createdAt: isoDate,
    studioVersion: z.string().max(40),
    run: z
      .object({
        name: z.string().min(1).max(200),
        method: z.string().min(1).max(40),
        config: z.record(z.string(), z.unknown()),
        metrics,
        trainableParams: count,
        totalParams: count,
        createdAt: isoDate,
        finishedAt: isoDate.nullable(),
        steps: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
        startedAt: isoDate.nullable().optional(),
      })
      .strict(),
    baseModel: z
      .object({
        architecture: z.string().min(1).max(40),
        contentHash: z
          .string()
          .regex(/^[0-9a-f]{64}$/, 'not a sha256')
          .nullable(),
        pathHint: z.string().max(4096),
      })
      .strict(),
    files: z
      .record(
        z.string().max(255),
        z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.number().int().min(0) }).strict(),
      )
      .refine((f) => Object.keys(f).length <= 16, 'more than 16 files'),
  })
  .strict();

const issueLine = (file: string, error: z.ZodError, prefix = '') => {
  const issue = error.issues[0];
  const where = [prefix, ...(issue?.path ?? []).map(String)].filter(Boolean).join('.');
  return `${file}: ${MANIFEST_FILE}: ${where || 'manifest'}: ${issue?.message ?? 'invalid'}`;
};

/** The manifest of `file` from its bytes, or a one-line UserError naming the field that is wrong. */
export function parseManifest(file: string, bytes: Uint8Array): BundleManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    throw new UserError(
      `${file}: ${MANIFEST_FILE} is not valid JSON (${(err as Error).message.split('\n')[0]})`,
    );
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) throw new UserError(issueLine(file, parsed.error));
  const manifest = parsed.data;
  if (manifest.version !== BUNDLE_FORMAT_VERSION)
    throw new UserError(
      `${file}: ${MANIFEST_FILE}: bundle format version ${manifest.version}, this studio reads version ${BUNDLE_FORMAT_VERSION}`,
    );
  // The run's config must be one this studio would accept itself (integer steps, known method options...).
  const config = runConfigSchema.safeParse(manifest.run.config);
  if (!config.success) throw new UserError(issueLine(file, config.error, 'run.config'));
  if (config.data.method.type !== manifest.run.method)
    throw new UserError(
      `${file}: ${MANIFEST_FILE}: run.method "${manifest.run.method}" disagrees with run.config.method.type "${config.data.method.type}"`,
    );
  return manifest;
}
