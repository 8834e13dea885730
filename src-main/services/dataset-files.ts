/**
 * Stored copies of imported dataset files: `<project>/datasets/<sha256 prefix>-<original name>`. The UI sends
 * the file's bytes (a browser has no paths), so the project keeps its own copy and runs stay reproducible after
 * the original moves. The same bytes under the same name are stored once.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  DATASET_EXTENSIONS,
  MAX_DATASET_BYTES,
  STORED_NAME_PATTERN,
  formatMegabytes,
} from '../../src-shared/datasets.ts';
import { sha256 } from '../data/index.ts';
import { UserError } from '../errors.ts';

export const DATASETS_DIR = 'datasets';

/** A portable file name: the last path segment, with anything but letters, digits, `.`, `-`, `_` replaced. */
export function safeFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const cleaned = base
    .normalize('NFKD')
    .replace(/[^\w.-]+/g, '_')
    .replace(/^[.]+/, '');
  const ext = path.extname(cleaned);
  const stem = cleaned.slice(0, cleaned.length - ext.length).slice(0, 180) || 'dataset';
  return `${stem}${ext}`;
}

const supported = (name: string): boolean =>
  (DATASET_EXTENSIONS as readonly string[]).includes(path.extname(name).toLowerCase());

/** Base64 characters decoded per step (a multiple of 4, so every step ends on a whole group). */
const DECODE_STEP = 1 << 20;

/**
 * Decodes an upload's base64 a megabyte at a time, yielding to the event loop between steps: decoding a 64 MB
 * upload in one call would hold main for a noticeable time.
 */
export async function decodeUpload(base64: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let i = 0; i < base64.length; i += DECODE_STEP) {
    parts.push(Buffer.from(base64.slice(i, i + DECODE_STEP), 'base64'));
    await new Promise((resolve) => setImmediate(resolve));
  }
  return Buffer.concat(parts);
}

/** Checks an upload (type, size) and stores it; returns the stored file's name and absolute path. */
export function storeUpload(projectDir: string, name: string, bytes: Buffer): { file: string; path: string } {
  if (!supported(name)) {
    throw new UserError(
      `${name}: unsupported file type "${path.extname(name) || '(no extension)'}"; import ${DATASET_EXTENSIONS.join(', ')}`,
    );
  }
  if (bytes.length > MAX_DATASET_BYTES) {
    throw new UserError(
      `${name} is ${formatMegabytes(bytes.length)}; the Datasets page imports files up to ${formatMegabytes(MAX_DATASET_BYTES)} (train on a bigger file from the CLI with "dataset": {"path": ...})`,
    );
  }
  if (bytes.length === 0) throw new UserError(`${name}: the file is empty`);
  const file = `${sha256(bytes).slice(0, 12)}-${safeFileName(name)}`;
  const dir = path.join(projectDir, DATASETS_DIR);
  const abs = path.join(dir, file);
  if (!fs.existsSync(abs)) {
    fs.mkdirSync(dir, { recursive: true });
    // Written beside and renamed, so a crash never leaves a half file under the final name.
    const partial = `${abs}.partial`;
    fs.writeFileSync(partial, bytes);
    fs.renameSync(partial, abs);
  }
  return { file, path: abs };
}

/** The absolute path of a stored copy; refuses names that are not ours (no `..`, no other folders). */
export function storedPath(projectDir: string, file: string): string {
  if (!STORED_NAME_PATTERN.test(file)) throw new UserError(`${file}: not an imported dataset file`);
  const abs = path.join(projectDir, DATASETS_DIR, file);
  if (!fs.existsSync(abs))
    throw new UserError(`${file}: no longer in ${DATASETS_DIR}/; import the file again`);
  return abs;
}

/** The name the user imported the file under (the stored name without its hash prefix). */
export const originalName = (file: string): string => file.replace(/^[0-9a-f]{12}-/, '');

/** True when `abs` is a stored copy inside this project's `datasets/` folder. */
export function isStoredCopy(projectDir: string, abs: string): boolean {
  return path.dirname(path.resolve(abs)) === path.join(path.resolve(projectDir), DATASETS_DIR);
}
