/**
 * Layer norm over the last axis in one kernel forward and one backward (webgpu). Same arithmetic as the composed
 * form in engine/ops/layer-norm.ts: mean, then the mean of squared deviations, (x - mean) / sqrt(var + eps).
 */
import * as tf from '@tensorflow/tfjs';
import { ROW_WORKGROUP as WG, RowProgram, runProgram } from './programs.ts';

/** The row's mean and sqrt(var + eps) into `mean` and `denom` (two passes, like tf.moments). */
const MOMENTS = `
  var s = 0.0;
  for (var i = tid; i < n; i += ${WG}) { s += X[base + i]; }
  let mean = rowSum(s) / f32(d);
  var q = 0.0;
  for (var i = tid; i < n; i += ${WG}) { let c = X[base + i] - mean; q += c * c; }
  let denom = sqrt(rowSum(q) / f32(d) + uniforms.eps);
`;

const rowsOf = (x: tf.Tensor) => {
  const d = x.shape[x.rank - 1] as number;
  return { rows: x.size / d, d };
};

/**
 * (x - mean) / sqrt(var + eps) · gamma + beta for each row of x's last axis; with `gamma`/`beta` null, the
 * normalised x alone (what the gradient of gamma needs).
 */
export function layerNormForward(
  x: tf.Tensor,
  gamma: tf.Tensor | null,
  beta: tf.Tensor | null,
  eps: number,
): tf.Tensor {
  const { rows, d } = rowsOf(x);
  const affine = gamma !== null && beta !== null;
  const body = `
    ${MOMENTS}
    for (var i = tid; i < n; i += ${WG}) {
      let y = (X[base + i] - mean) / denom;
      result[base + i] = ${affine ? 'y * G[i] + B[i]' : 'y'};
    }`;
  const names = affine ? ['X', 'G', 'B'] : ['X'];
  const program = new RowProgram(`studio_layer_norm_${affine}`, names, rows, d, body, 'eps : f32,');
  return tf.tidy(() => {
    const inputs = [x.reshape([rows, d]), ...(affine ? [gamma, beta] : [])] as tf.Tensor[];
    return runProgram(program, inputs, [{ type: 'float32', data: [eps] }]).reshape(x.shape);
  });
}

/**
 * The gradient with respect to x of layer norm (gamma null: without the affine part):
 * dx = (g - mean(g) - x̂ · mean(g · x̂)) / sqrt(var + eps), where g = dy · gamma and x̂ the normalised x.
 */
export function layerNormBackward(
  x: tf.Tensor,
  gamma: tf.Tensor | null,
  dy: tf.Tensor,
  eps: number,
): tf.Tensor {
  const { rows, d } = rowsOf(x);
  const g = gamma ? 'DY[base + i] * G[i]' : 'DY[base + i]';
  const body = `
    ${MOMENTS}
    var sg = 0.0;
    var sgx = 0.0;
    for (var i = tid; i < n; i += ${WG}) {
      let gi = ${g};
      sg += gi;
      sgx += gi * ((X[base + i] - mean) / denom);
    }
    let meanG = rowSum(sg) / f32(d);
    let meanGX = rowSum(sgx) / f32(d);
    for (var i = tid; i < n; i += ${WG}) {
      let xhat = (X[base + i] - mean) / denom;
      result[base + i] = (${g} - meanG - xhat * meanGX) / denom;
    }`;
  const names = gamma ? ['X', 'DY', 'G'] : ['X', 'DY'];
  const program = new RowProgram(
    `studio_layer_norm_grad_${gamma !== null}`,
    names,
    rows,
    d,
    body,
    'eps : f32,',
  );
  return tf.tidy(() => {
    const inputs = [x.reshape([rows, d]), dy.reshape([rows, d]), ...(gamma ? [gamma] : [])];
    return runProgram(program, inputs, [{ type: 'float32', data: [eps] }]).reshape(x.shape);
  });
}
