/**
 * Activations in the epilogue of tf.js's webgpu matmul programs (4.22). Its _FusedMatMul kernel applies an
 * activation as it writes each output element, through a WGSL `fn activation(a, coords)` that its programs
 * emit from a fixed list (linear, relu, elu, sigmoid, ...; activation_util.ts); GELU and SiLU are not on it. Here
 * the kernel runs with 'linear' as a carrier and, on the way to the GPU, the program's activation function gets
 * our body and its shader key a suffix of its own (so the pipeline cache never hands the plain program out). The
 * rewrite is checked: a tf.js whose programs no longer emit that function fails loudly, not silently unfused.
 * The GELU bodies share engine/webgpu/gelu.ts's arithmetic (gelu-wgsl.ts), which works for f32 and vec4<f32> alike.
 */
import * as tf from '@tensorflow/tfjs-core';
import { webgpuBackend } from './backend-internals.ts';
import type { WebGpuProgram } from './backend-internals.ts';
import { erfWgsl, SQRT_2_OVER_PI, tanhWgsl } from './gelu-wgsl.ts';
import { ElementwiseProgram, runProgram } from './programs.ts';

export type EpilogueActivation = 'relu' | 'gelu_erf' | 'gelu_tanh' | 'silu';

/** The body of `fn activation(a : T, coords) -> T`, T f32 or vec4<f32>. */
const BODIES: Record<Exclude<EpilogueActivation, 'relu'>, string> = {
  gelu_erf: `
    let x = a * ${Math.SQRT1_2};${erfWgsl('x', 'e')}
    return a * (e + 1.0) * 0.5;`,
  gelu_tanh: `
    let v = (a + a * a * a * 0.044715) * ${SQRT_2_OVER_PI};${tanhWgsl('v', 't')}
    return a * (t + 1.0) * 0.5;`,
  silu: `return a * (1.0 / (1.0 + exp(-a)));`,
};

/** `code` with the body of its `fn activation(...)` replaced; throws when there is none. */
export function replaceActivationBody(code: string, body: string): string {
  const start = code.search(/fn activation\s*\(/);
  const open = start < 0 ? -1 : code.indexOf('{', start);
  if (open < 0)
    throw new Error('tf.js matmul program: no activation function to fuse into (tfjs 4.22 expected)');
  let depth = 0;
  for (let i = open; i < code.length; i++) {
    if (code[i] === '{') depth++;
    else if (code[i] === '}' && --depth === 0)
      return `${code.slice(0, open + 1)}${body}\n}${code.slice(i + 1)}`;
  }
  throw new Error('tf.js matmul program: unbalanced activation function');
}

interface ActivatedProgram extends WebGpuProgram {
  activation?: string | null;
}

/**
 * tf.js's _FusedMatMul on `inputs` with activation `carrier`, the program that applies it given `body` instead
 * (and a shader key and profile name ending in `key`). Exactly one program must take it.
 */
function runRewritten(
  inputs: tf.NamedTensorMap,
  carrier: 'linear' | 'prelu',
  body: string,
  key: string,
): tf.Tensor2D {
  const b = webgpuBackend();
  if (!b) throw new Error(`fused ${key}: needs the webgpu backend`);
  const run = b.runWebGPUProgram;
  let rewritten = 0;
  b.runWebGPUProgram = (program: ActivatedProgram, ...rest: unknown[]) => {
    if (program.activation === carrier) {
      const code = program.getUserCode.bind(program);
      program.getUserCode = () => replaceActivationBody(code(), body);
      program.shaderKey = `${program.shaderKey}_studio_${key}`;
      program.name = `${program.constructor.name}+${key}`;
      rewritten++;
    }
    return (run as (...a: unknown[]) => ReturnType<typeof run>).call(b, program, ...rest);
  };
  try {
    const y = tf.engine().runKernel('_FusedMatMul', inputs, {
      transposeA: false,
      transposeB: false,
      leakyreluAlpha: 0,
      activation: carrier,
    }) as tf.Tensor2D;
    if (rewritten !== 1) throw new Error(`fused ${key}: ${rewritten} tf.js programs took it, expected 1`);
    return y;
  } finally {
    b.runWebGPUProgram = run;
  }
}

/**
 * `x·w + bias` then `act`, one dispatch on webgpu (tf.js's _FusedMatMul with our activation body). relu is tf.js's
 * own activation; the others ride on 'linear'. x [rows, in], w [in, out], bias [out] or [rows, out] or null.
 */
export function fusedMatMulActivation(
  x: tf.Tensor,
  w: tf.Tensor,
  bias: tf.Tensor | null,
  act: EpilogueActivation,
): tf.Tensor2D {
  const inputs: tf.NamedTensorMap = bias ? { a: x, b: w, bias } : { a: x, b: w };
  if (act === 'relu')
    return tf.engine().runKernel('_FusedMatMul', inputs, {
      transposeA: false,
      transposeB: false,
      leakyreluAlpha: 0,
      activation: 'relu',
    }) as tf.Tensor2D;
  return runRewritten(inputs, 'linear', BODIES[act], act);
}

/** The body for a second addend read at the output's coordinates (tf.js's PReLU weights input, as a carrier). */
const ADD_SECOND = `
    let b = getPreluActivationWeightsByOutputCoords(coords);
    return a + b;`;

/**
 * `x·w + bias + residual` in one dispatch (webgpu), residual [rows, out]: tf.js's epilogue takes one bias, so the
 * residual rides on its PReLU-weights input (read at each output's coordinates) with an activation that adds it.
 * No gradient: for forwards with no dropout between the product and the residual (inference).
 */
export function fusedMatMulBiasResidual(
  x: tf.Tensor,
  w: tf.Tensor,
  bias: tf.Tensor,
  residual: tf.Tensor,
): tf.Tensor2D {
  return runRewritten(
    { a: x, b: w, bias, preluActivationWeights: residual },
    'prelu',
    ADD_SECOND,
    'residual',
  );
}

class ReluGradProgram extends ElementwiseProgram {
  constructor(n: number) {
    super('studio_relu_grad', ['Y', 'DY'], n, 'result[index] = select(0.0, DY[index], Y[index] > 0.0);');
  }
}

/** dy where relu's output y is positive, else 0 (tf.js's relu gradient, dy · step(x), in one kernel). */
export function reluGradFromOutput(y: tf.Tensor, dy: tf.Tensor): tf.Tensor {
  return tf.tidy(() =>
    runProgram(new ReluGradProgram(y.size), [y.reshape([y.size]), dy.reshape([y.size])]).reshape(y.shape),
  );
}
