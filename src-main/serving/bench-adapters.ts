/**
 * Adapters for `studio bench-serve`: `count` distinct LoRA adapters (r 8 on the architecture's default targets,
 * two labels) on a base model, with random weights so each one changes the output, saved as a run's adapter is.
 * Runs in the CLI's own process (a batch command), never in main.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { baseIdentity, createAdapter, saveAdapter } from '../adapters/index.ts';
import { resolveModelDir } from '../models/default-model.ts';
import { loadModel } from '../models/index.ts';

export async function makeBenchAdapters(model: string, dir: string, count: number): Promise<string[]> {
  const m = loadModel(resolveModelDir(model), { task: 'sequence-classification', labels: ['ham', 'spam'] });
  const names: string[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const config = { type: 'lora' as const, r: 8, alpha: 16, dropout: 0, rslora: false };
      const a = createAdapter(m, config, 1000 + i, { numLabels: 2 });
      for (const w of a.weights.values()) {
        const fresh = tf.tidy(() => tf.randomNormal(w.shape, 0, 0.05, 'float32', 7 * i + 1));
        w.assign(fresh);
        fresh.dispose();
      }
      const name = `bench-lora-${String(i + 1).padStart(2, '0')}`;
      await saveAdapter(
        m,
        a,
        { ...config, task: 'classification', labels: ['ham', 'spam'] },
        path.join(dir, name),
        baseIdentity(m),
      );
      a.dispose();
      names.push(name);
    }
  } finally {
    m.dispose();
  }
  return names;
}
