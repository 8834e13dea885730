import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import type { DatasetSpec } from '../../src-shared/train-config.ts';
import { configFieldLabel, describeIssue } from '../../src-shared/field-errors.ts';
import { UserError, jsonSyntaxProblem } from '../errors.ts';
import { DEFAULT_DECODER, DEFAULT_MODEL, STUDIO_CLIP } from '../models/default-model.ts';

/** Reads a JSON config file and validates it; the first problem is one line naming the file and the field. */
export function readJsonConfig<S extends z.ZodType>(
  file: string,
  schema: S,
  /** Fields given on the command line: they replace the file's before it is checked. */
  overrides: Record<string, unknown> = {},
): z.output<S> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(
      `${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, expected a JSON file' : `cannot read (${code})`}`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${file}: ${jsonSyntaxProblem(err, text)}`);
  }
  if (Object.keys(overrides).length && raw !== null && typeof raw === 'object' && !Array.isArray(raw))
    raw = { ...raw, ...overrides };
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    // The same words the New-run form shows, plus the key to look for in the file.
    const issue = parsed.error.issues[0];
    if (!issue) throw new UserError(`${file}: not a valid config`);
    const { field, message } = describeIssue(issue, configFieldLabel(issue.path, raw));
    throw new UserError(`${file}: ${message}${field ? ` (${field})` : ''}`);
  }
  return parsed.data;
}

/** Relative paths in a config are taken from the config file's folder, as a user writing it expects. */
export function configPaths(file: string) {
  const base = path.dirname(path.resolve(file));
  const abs = (p: string) => path.resolve(base, p);
  return {
    abs,
    // The bundled models' names stay names (resolveModelDir finds them), as the docs' configs write them.
    model: (m: string) => (m === DEFAULT_MODEL || m === DEFAULT_DECODER || m === STUDIO_CLIP ? m : abs(m)),
    dataset: (d: DatasetSpec): DatasetSpec =>
      'path' in d
        ? { ...d, path: abs(d.path), ...(d.validation ? { validation: abs(d.validation) } : {}) }
        : d,
  };
}

/** Config fields that pre-flight refusals start with (`method.r: ...`), as opposed to a dataset or model file. */
const CONFIG_FIELD = /^(method|train|dataset|tasks)(\.|:)/;

/**
 * Runs `fn`; a refusal that names a config field (pre-flight's size caps) gets the config file in front, so the
 * one line names the file and the field as a schema error does.
 */
export function namingConfigFile<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof UserError && CONFIG_FIELD.test(err.message))
      throw new UserError(`${file}: ${err.message}`);
    throw err;
  }
}
