/**
 * Layer norm and RMS norm over the last axis, each one kernel forward and one backward (webgpu). Same arithmetic
 * as the composed forms in engine/ops/norms.ts: layer norm centres on the mean, then divides by
 * sqrt(mean of squared deviations + eps); RMS norm divides by sqrt(mean of squares + eps) without centring.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ROW_WORKGROUP as WG, RowProgram, runProgram } from './programs.ts';

export type NormKind = 'layer' | 'rms';

/** The row's `mean` (0 for RMS norm) and `denom` = sqrt(var + eps), two passes like tf.moments. */
const moments = (kind: NormKind) => `
  var s = 0.0;
  ${kind === 'layer' ? `for (var i = tid; i < n; i += ${WG}) { s += X[base + i]; }` : ''}
  let mean = ${kind === 'layer' ? 'rowSum(s) / f32(d)' : '0.0'};
  var q = 0.0;
  for (var i = tid; i < n; i += ${WG}) { let c = X[base + i] - mean; q += c * c; }
  let denom = sqrt(rowSum(q) / f32(d) + uniforms.eps);
`;

const rowsOf = (x: tf.Tensor) => {
  const d = x.shape[x.rank - 1] as number;
  return { rows: x.size / d, d };
};

function run(
  x: tf.Tensor,
  name: string,
  names: string[],
  others: tf.Tensor[],
  body: string,
  eps: number,
): tf.Tensor {
  const { rows, d } = rowsOf(x);
  const program = new RowProgram(name, names, rows, d, body, 'eps : f32,');
  return tf.tidy(() => {
    const inputs = [
      x.reshape([rows, d]),
      ...others.map((t) => (t.shape.length === 1 ? t : t.reshape([rows, d]))),
    ];
    return runProgram(program, inputs, [{ type: 'float32', data: [eps] }]).reshape(x.shape);
  });
}

/**
 * The norm of each row of x's last axis, times `gamma` and plus `beta` where given; with neither, the normalised
 * x alone (what the gradient of gamma needs).
 */
export function normForward(
  kind: NormKind,
  x: tf.Tensor,
  gamma: tf.Tensor | null,
  beta: tf.Tensor | null,
  eps: number,
): tf.Tensor {
  const value = `y${gamma ? ' * G[i]' : ''}${beta ? ' + B[i]' : ''}`;
  const body = `
    ${moments(kind)}
    for (var i = tid; i < n; i += ${WG}) {
      let y = (X[base + i] - mean) / denom;
      result[base + i] = ${value};
    }`;
  const extra = [...(gamma ? [['G', gamma] as const] : []), ...(beta ? [['B', beta] as const] : [])];
  return run(
    x,
    `studio_${kind}_norm_${gamma !== null}_${beta !== null}`,
    ['X', ...extra.map(([n]) => n)],
    extra.map(([, t]) => t),
    body,
    eps,
  );
}

/**
 * The gradient with respect to x (gamma null: of the norm without the affine part), with g = dy · gamma and x̂ the
 * normalised x: layer norm (g - mean(g) - x̂ · mean(g · x̂)) / sqrt(var + eps); RMS norm the same without mean(g).
 */
export function normBackward(
  kind: NormKind,
  x: tf.Tensor,
  gamma: tf.Tensor | null,
  dy: tf.Tensor,
  eps: number,
): tf.Tensor {
  const g = gamma ? 'DY[base + i] * G[i]' : 'DY[base + i]';
  const body = `
    ${moments(kind)}
    var sg = 0.0;
    var sgx = 0.0;
    for (var i = tid; i < n; i += ${WG}) {
      let gi = ${g};
      sg += gi;
      sgx += gi * ((X[base + i] - mean) / denom);
    }
    let meanG = ${kind === 'layer' ? 'rowSum(sg) / f32(d)' : '0.0'};
    let meanGX = rowSum(sgx) / f32(d);
    for (var i = tid; i < n; i += ${WG}) {
      let xhat = (X[base + i] - mean) / denom;
      result[base + i] = (${g} - meanG - xhat * meanGX) / denom;
    }`;
  return run(
    x,
    `studio_${kind}_norm_grad_${gamma !== null}`,
    gamma ? ['X', 'DY', 'G'] : ['X', 'DY'],
    gamma ? [dy, gamma] : [dy],
    body,
    eps,
  );
}
