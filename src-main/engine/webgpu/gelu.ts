/**
 * GELU forward and backward as one kernel each (webgpu); the composed forms take 4-6 dispatches forward and more
 * backward over the FFN's widest activation. Exact (erf) GELU uses tf.js's own erf approximation, so the values
 * equal tf.erf's; tanh is written as tf.js's webgpu tanh (stable for large |x|).
 */
import * as tf from '@tensorflow/tfjs-core';
import { erfWgsl, SQRT_2_OVER_PI, tanhWgsl } from './gelu-wgsl.ts';
import { ElementwiseProgram, runProgram } from './programs.ts';

export type GeluKind = 'erf' | 'tanh';

const FUNCTIONS = `
  fn erf_(a : f32) -> f32 {${erfWgsl('a', 'e')}
    return e;
  }
  fn tanh_(a : f32) -> f32 {${tanhWgsl('a', 't')}
    return t;
  }`;

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** x·Φ(x): 0.5·x·(1 + erf(x/√2)), or its tanh approximation 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))). */
const FORWARD: Record<GeluKind, string> = {
  erf: `result[index] = a * (erf_(a * ${Math.SQRT1_2}) + 1.0) * 0.5;`,
  tanh: `result[index] = a * (tanh_((a + a * a * a * 0.044715) * ${SQRT_2_OVER_PI}) + 1.0) * 0.5;`,
};

/** dy times the derivative of the forward. */
const BACKWARD: Record<GeluKind, string> = {
  erf: `result[index] = DY[index] * ((erf_(a * ${Math.SQRT1_2}) + 1.0) * 0.5 + a * exp(-0.5 * a * a) * ${INV_SQRT_2PI});`,
  tanh: `
    let t = tanh_((a + a * a * a * 0.044715) * ${SQRT_2_OVER_PI});
    result[index] = DY[index] * (0.5 * (1.0 + t) + 0.5 * a * (1.0 - t * t) * ${SQRT_2_OVER_PI} * (1.0 + 3.0 * 0.044715 * a * a));`,
};

class GeluProgram extends ElementwiseProgram {
  constructor(kind: GeluKind, backward: boolean, n: number) {
    const body = `let a = X[index]; ${backward ? BACKWARD[kind] : FORWARD[kind]}`;
    super(`studio_gelu_${kind}_${backward}`, backward ? ['X', 'DY'] : ['X'], n, body);
  }

  override getUserCode(): string {
    return FUNCTIONS + super.getUserCode();
  }
}

/** GELU of x (webgpu, one kernel). */
export function geluForward(x: tf.Tensor, kind: GeluKind): tf.Tensor {
  return tf.tidy(() =>
    runProgram(new GeluProgram(kind, false, x.size), [x.reshape([x.size])]).reshape(x.shape),
  );
}

/** dy · GELU'(x) (webgpu, one kernel). */
export function geluBackward(x: tf.Tensor, dy: tf.Tensor, kind: GeluKind): tf.Tensor {
  return tf.tidy(() =>
    runProgram(new GeluProgram(kind, true, x.size), [x.reshape([x.size]), dy.reshape([x.size])]).reshape(
      x.shape,
    ),
  );
}
