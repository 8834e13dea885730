/**
 * Checkpoints: trainable weights + optimizer state + loop position, written to a temporary folder and renamed
 * into place, so a kill at any moment leaves either the previous checkpoint or the new one, never half of one.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { readSafetensors, writeSafetensors } from '../engine/safetensors/index.ts';
import type { RawTensor } from '../engine/safetensors/index.ts';
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
  fs.mkdirSync(tmp, { recursive: true });
  const bytes = writeSafetensors(path.join(tmp, WEIGHTS), tensors);
  fs.writeFileSync(
    path.join(tmp, META),
    JSON.stringify({ position: state.position, optimizerStep: state.optimizer.step }),
  );
  const old = `${dir}.old-${process.pid}`;
  if (fs.existsSync(dir)) fs.renameSync(dir, old);
  fs.renameSync(tmp, dir);
  fs.rmSync(old, { recursive: true, force: true });
  const sha256 = crypto
    .createHash('sha256')
    .update(fs.readFileSync(path.join(dir, WEIGHTS)))
    .digest('hex');
  return { sha256, bytes };
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
