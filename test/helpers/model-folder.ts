/** Variants of a fixture's model folder (config or weights edited), built in a temp dir for one test. */
import fs from 'node:fs';
import path from 'node:path';
import { readSafetensors, writeSafetensors } from '../../src-main/engine/safetensors/index.ts';
import type { RawTensor } from '../../src-main/engine/safetensors/index.ts';
import { HF_TINY_DIR } from './fixtures.ts';

let counter = 0;

/** Copies `<fixture>/base` under `root`, then lets the caller edit config.json and model.safetensors in memory. */
export function variantFolder(
  root: string,
  fixture: string,
  edit: {
    config?: (config: Record<string, unknown>) => void;
    weights?: (weights: Map<string, RawTensor>) => void;
  },
): string {
  const dir = path.join(root, `${fixture}-${++counter}`);
  fs.cpSync(path.join(HF_TINY_DIR, fixture, 'base'), dir, { recursive: true });
  if (edit.config) {
    const file = path.join(dir, 'config.json');
    const config = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    edit.config(config);
    fs.writeFileSync(file, JSON.stringify(config));
  }
  if (edit.weights) {
    const file = path.join(dir, 'model.safetensors');
    const weights = readSafetensors(file).tensors;
    edit.weights(weights);
    writeSafetensors(file, weights);
  }
  return dir;
}

/** A seeded uniform generator (mulberry32): test weights that are random but the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A float32 tensor of the given shape with values uniform in [-scale, scale). */
export function randomTensor(shape: number[], scale: number, rand: () => number): RawTensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return { dtype: 'float32', shape, data: Float32Array.from({ length: n }, () => (2 * rand() - 1) * scale) };
}
