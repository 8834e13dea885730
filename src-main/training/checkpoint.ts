/**
 * Checkpoints: trainable weights + optimizer state + loop position, written to a temporary folder and renamed
 * into place, so a kill at any moment leaves either the previous checkpoint or the new one, never half of one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileSha256Sync } from '../node-shared/hash-file.ts';
import { readSafetensors, writeSafetensors } from '../node-shared/safetensors/index.ts';
import type { RawTensor } from '../node-shared/safetensors/index.ts';
import type { CheckpointState } from './trainer.ts';

const WEIGHTS = 'state.safetensors';
const META = 'state.json';

export function writeCheckpoint(dir: string, state: CheckpointState): { sha256: string; bytes: number } {
  const tensors = new Map<string, RawTensor>();
  for (const [n, w] of state.weights)
    tensors.set(`w/${n}`, { dtype: 'float32', shape: w.shape, data: w.data });
  for (const [n, t] of state.optimizer.tensors)
    tensors.set(`opt/${n}`, { dtype: 'float32', shape: t.shape, data: t.data });
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  let bytes: number;
  try {
    fs.mkdirSync(tmp, { recursive: true });
    bytes = writeSafetensors(path.join(tmp, WEIGHTS), tensors);
    fs.writeFileSync(
      path.join(tmp, META),
      JSON.stringify({ position: state.position, optimizerStep: state.optimizer.step }),
    );
  } catch (err) {
    // A full disk (or any failed write) leaves no half checkpoint behind; the previous one stays the resume point.
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  swapInto(tmp, dir);
  // In chunks: a checkpoint of a fully fine-tuned large model passes readFileSync's 2 GiB limit.
  return { sha256: fileSha256Sync(path.join(dir, WEIGHTS)), bytes };
}

/**
 * Where the resume point of `step` is written before main moves it into place (see the protocol's `pending`). One
 * folder per step: main may promote step 2's while the worker already writes step 3's, and must move exactly the
 * checkpoint its message names (one shared folder let it move step 3's, before the worker had even hashed it).
 */
export const pendingCheckpointDir = (dir: string, step: number): string => `${dir}.pending-${step}`;

/**
 * Removes the pending resume points no main promoted (its supervisor died, or stopped recording on a full disk):
 * each is newer than the metric rows, so never a resume point. Called by the run's only trainer as it starts.
 */
export function dropPendingCheckpoints(dir: string): void {
  const parent = path.dirname(dir);
  if (!fs.existsSync(parent)) return;
  const prefix = `${path.basename(dir)}.pending`;
  for (const name of fs.readdirSync(parent))
    if (name.startsWith(prefix)) fs.rmSync(path.join(parent, name), { recursive: true, force: true });
}

/**
 * Replaces `dir` with the complete folder `from`. The previous one is first renamed aside (rename cannot replace a
 * non-empty folder) as `<dir>.old-PID`, the name project-cleanup.ts knows: a kill between the two renames leaves it
 * there, and recoverCheckpoint (or the cleanup when the project opens) puts it back.
 */
function swapInto(from: string, dir: string): void {
  const old = `${dir}.old-${process.pid}`;
  fs.rmSync(old, { recursive: true, force: true });
  if (fs.existsSync(dir)) fs.renameSync(dir, old);
  fs.renameSync(from, dir);
  fs.rmSync(old, { recursive: true, force: true });
}

/**
 * Copies a complete checkpoint folder to `dir` (replacing it) by hard links where the disk allows: a checkpoint's
 * files are only ever replaced by renaming a whole new folder into place, never rewritten, so a link keeps the
 * bytes of the moment it was made. Another disk, or one without links, gets a plain copy.
 */
export function copyCheckpoint(from: string, dir: string): void {
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  for (const f of [WEIGHTS, META]) {
    try {
      fs.linkSync(path.join(from, f), path.join(tmp, f));
    } catch {
      fs.copyFileSync(path.join(from, f), path.join(tmp, f));
    }
  }
  swapInto(tmp, dir);
}

/**
 * Writes a folder through `write` into `<dir>.tmp-PID` and swaps it into place only once complete, so a full disk or
 * a kill leaves either the previous folder or the new one, never part of one (`*.tmp-PID` is a name
 * project-cleanup.ts removes). Returns the files `write` reported, at their place in `dir`.
 */
export async function writeFolderAtomically(
  dir: string,
  write: (tmp: string) => Promise<string[]>,
): Promise<string[]> {
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  let files: string[];
  try {
    fs.mkdirSync(tmp, { recursive: true });
    files = await write(tmp);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  swapInto(tmp, dir);
  return files.map((f) => path.join(dir, path.relative(tmp, f)));
}

/** Moves a complete pending checkpoint into place (main, once the metrics before it are stored). */
export function promoteCheckpoint(pending: string, dir: string): boolean {
  if (!hasCheckpoint(pending)) return false;
  swapInto(pending, dir);
  return true;
}

/** Restores a checkpoint left aside by a kill in the middle of swapInto; a no-op otherwise. */
export function recoverCheckpoint(dir: string): void {
  if (fs.existsSync(dir) || !fs.existsSync(path.dirname(dir))) return;
  const prefix = `${path.basename(dir)}.old-`;
  const aside = fs
    .readdirSync(path.dirname(dir))
    .filter((n) => n.startsWith(prefix) && /^\d+$/.test(n.slice(prefix.length)))
    .map((n) => path.join(path.dirname(dir), n))
    .find(hasCheckpoint);
  if (aside) fs.renameSync(aside, dir);
}

export function readCheckpoint(dir: string): CheckpointState {
  const meta = JSON.parse(fs.readFileSync(path.join(dir, META), 'utf8')) as {
    position: CheckpointState['position'];
    optimizerStep: number;
  };
  const weights: CheckpointState['weights'] = new Map();
  const opt = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, t] of readSafetensors(path.join(dir, WEIGHTS)).tensors) {
    const value = { shape: t.shape, data: t.data as Float32Array };
    if (name.startsWith('w/')) weights.set(name.slice(2), value);
    else if (name.startsWith('opt/')) opt.set(name.slice(4), value);
  }
  return { position: meta.position, optimizer: { step: meta.optimizerStep, tensors: opt }, weights };
}

export const hasCheckpoint = (dir: string): boolean => fs.existsSync(path.join(dir, META));
