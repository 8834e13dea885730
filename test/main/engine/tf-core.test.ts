import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestBackend } from '../../helpers/backend.ts';
// @ts-expect-error: a build script without declarations; it returns the generated file's text.
import { EXTRAS_FILE, buildTfCoreExtras } from '../../../scripts/build-tf-core-extras.mjs';

const require = createRequire(import.meta.url);
const CORE_DIST = path.join(path.dirname(require.resolve('@tensorflow/tfjs-core/package.json')), 'dist');

/** What core declares in its ES module sources: every chained method and every kernel with a gradient. */
function coreDeclarations(): { chained: string[]; gradients: string[] } {
  const chainedDir = path.join(CORE_DIST, 'public/chained_ops');
  const chained = new Set<string>();
  for (const file of fs.readdirSync(chainedDir)) {
    if (!file.endsWith('.js') || file.endsWith('_test.js')) continue;
    for (const m of fs.readFileSync(path.join(chainedDir, file), 'utf8').matchAll(/prototype\.(\w+) =/g))
      if (m[1]) chained.add(m[1]);
  }
  const gradDir = path.join(CORE_DIST, 'gradients');
  const gradients = fs
    .readdirSync(gradDir)
    .filter((f) => f.endsWith('_grad.js'))
    .map((f) => f.replace(/_grad\.js$/, ''));
  return { chained: [...chained], gradients };
}

describe('tf.js core without the @tensorflow/tfjs umbrella', () => {
  beforeAll(useTestBackend);

  it('has every chained method and every gradient core declares', () => {
    const { chained, gradients } = coreDeclarations();
    expect(chained.length).toBeGreaterThan(130);
    expect(gradients.length).toBeGreaterThan(100);
    const proto = tf.Tensor.prototype as unknown as Record<string, unknown>;
    expect(chained.filter((name) => typeof proto[name] !== 'function')).toEqual([]);
    // File names are the kernel names (Sum_grad.js: kernel "Sum"), except a few spelled differently.
    const registered = gradients.filter((k) => tf.getGradient(k) !== undefined);
    expect(registered.length).toBeGreaterThan(gradients.length - 10);
    for (const kernel of ['Sum', 'BatchMatMul', 'Conv2D', 'Softmax', 'GatherV2', 'Erf', 'Tanh'])
      expect(tf.getGradient(kernel), kernel).toBeDefined();
  });

  it('computes gradients through chained methods, leaving no tensor behind', () => {
    const before = tf.memory().numTensors;
    const grads = tf.tidy(() => {
      const x = tf.tensor2d([
        [1, -2],
        [3, 4],
      ]);
      const w = tf.tensor2d([
        [0.5, 1],
        [2, -1],
      ]);
      // d/dx sum((x w)^2) = 2 (x w) w^T; d/dw = 2 x^T (x w).
      const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => a.matMul(b).square().sum())([x, w]);
      return [gx?.arraySync(), gw?.arraySync()];
    });
    const xw = [
      [1 * 0.5 + -2 * 2, 1 * 1 + -2 * -1],
      [3 * 0.5 + 4 * 2, 3 * 1 + 4 * -1],
    ];
    expect(grads[0]).toEqual([
      [2 * (xw[0]![0]! * 0.5 + xw[0]![1]! * 1), 2 * (xw[0]![0]! * 2 + xw[0]![1]! * -1)],
      [2 * (xw[1]![0]! * 0.5 + xw[1]![1]! * 1), 2 * (xw[1]![0]! * 2 + xw[1]![1]! * -1)],
    ]);
    expect(grads[1]).toEqual([
      [2 * (1 * xw[0]![0]! + 3 * xw[1]![0]!), 2 * (1 * xw[0]![1]! + 3 * xw[1]![1]!)],
      [2 * (-2 * xw[0]![0]! + 4 * xw[1]![0]!), 2 * (-2 * xw[0]![1]! + 4 * xw[1]![1]!)],
    ]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('ships the registrations exactly as scripts/build-tf-core-extras.mjs builds them from core', async () => {
    const built = (await buildTfCoreExtras()) as string;
    expect(fs.readFileSync(EXTRAS_FILE as string, 'utf8') === built).toBe(true);
  });
});
