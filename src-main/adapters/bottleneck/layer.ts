import type * as tf from '@tensorflow/tfjs-core';
import { linear } from '../../engine/ops/index.ts';
import { denseActivate } from '../../models/base/layers.ts';

/** One bottleneck module: down-projection, non-linearity, up-projection (the residual is added by the caller). */
export interface BottleneckModule {
  down: tf.Variable;
  downBias: tf.Variable;
  up: tf.Variable;
  upBias: tf.Variable;
}

export function bottleneckForward(m: BottleneckModule, x: tf.Tensor2D, act: string): tf.Tensor2D {
  const h = denseActivate(x, m.down, m.downBias, act);
  return linear(h, m.up, m.upBias);
}

export const moduleNames = (layer: number, kind: string) => {
  const p = `adapters.${layer}.${kind}`;
  return {
    down: `${p}.down.weight`,
    downBias: `${p}.down.bias`,
    up: `${p}.up.weight`,
    upBias: `${p}.up.bias`,
  };
};
