/**
 * The mixed-precision switch of the webgpu engine, and the f32 products' one. While mixed precision is on, every
 * float32 matrix product tf.js runs (BatchMatMul and _FusedMatMul: dense layers, attention, LoRA's branch, and the
 * products of their gradients) goes to mixed-matmul.ts (f16 operands, f32 sums); while it is off and the f32 switch
 * is on (STUDIO_F32_MATMUL=1), to f32-matmul.ts's register-tiled program. The kernels are re-registered once and
 * read the switches on each call, so a captured step records whichever program was live when it was recorded.
 */
import * as tf from '@tensorflow/tfjs-core';
import { webgpuBackend } from './backend-internals.ts';
import type { UniformInput } from './backend-internals.ts';
import { mixedCapabilities } from './gpu-features.ts';
import { F32MatMulProgram } from './f32-matmul.ts';
import { MixedMatMulProgram } from './mixed-matmul.ts';
import type { MixedActivation } from './mixed-matmul.ts';

let on = false;
/** Full-precision products in f32-matmul.ts's program rather than tf.js's (when mixed precision is off). */
let f32On = false;
/** Products that went to the mixed program since the switch was last set (what tests and the profile count). */
let count = 0;
let lastVariant: string | null = null;

const ACTIVATIONS = new Set<string>(['linear', 'relu', 'relu6', 'elu', 'sigmoid', 'leakyrelu', 'prelu']);

/** The active webgpu device's mixed-precision capabilities, or null when the backend is not webgpu. */
function activeCapabilities(): ReturnType<typeof mixedCapabilities> | null {
  const b = tf.getBackend() === 'webgpu' ? webgpuBackend() : null;
  return b ? mixedCapabilities(b.device as { features: Set<string> }) : null;
}

/** Why mixed precision cannot run on the active backend, or null when it can. */
export function mixedPrecisionUnavailable(): string | null {
  const caps = activeCapabilities();
  if (!caps) return `mixed precision runs on the webgpu backend (this run uses ${tf.getBackend()})`;
  if (!caps.f16) return "this GPU's WebGPU adapter does not offer shader-f16";
  return null;
}

/** Where the f16 products run on this device, for the run log. */
export function mixedPrecisionWhere(): string {
  const m = activeCapabilities()?.matrix;
  const where = m
    ? `on the GPU's matrix units (${m.shape.M}x${m.shape.N}x${m.shape.K} f16 subgroup matrices) where a product's output is whole ${m.shape.M}x${m.shape.N} fragments, else in a tiled kernel`
    : 'in a tiled kernel (this adapter offers no f16 subgroup matrices)';
  return `${where}; products with an output side under ${THIN} and an inner size of ${LONG_INNER} or more (LoRA's rank-r ones) stay f32`;
}

/** Turns f16 products on or off; throws a one-line reason when they cannot run here. */
export function setMixedPrecision(value: boolean): void {
  if (value) {
    const why = mixedPrecisionUnavailable();
    if (why) throw new Error(why);
    useMixedPrecisionMatMul();
  }
  on = value;
  count = 0;
}

/** Turns f32-matmul.ts's program on or off for float32 products while mixed precision is off. */
export function setF32Products(value: boolean): void {
  if (value) useMixedPrecisionMatMul();
  f32On = value;
  count = 0;
}

export function f32ProductsOn(): boolean {
  return f32On;
}

export function mixedPrecisionOn(): boolean {
  return on;
}

/** Which program the last product taken here ran ('tiled', 'subgroup-matrix' or 'f32-tiled'), for benches. */
export function lastMixedVariant(): string | null {
  return lastVariant;
}

/** How many products ran here (mixed, or f32-matmul.ts's) since a switch was last set. */
export function mixedProductCount(): number {
  return count;
}

interface Attrs {
  transposeA?: boolean;
  transposeB?: boolean;
  activation?: string;
  leakyreluAlpha?: number;
}

/** Output sides under THIN with an inner size of LONG_INNER or more stay with tf.js (see runMixed). */
const THIN = 64;
const LONG_INNER = 256;

const size = (shape: number[]) => shape.reduce((a, d) => a * d, 1);

/**
 * Whether the program takes an m x n x k product. A thin output with a long inner size (LoRA's rank-r products and
 * their gradients) gives f16 tiles too few workgroups to fill the GPU; tf.js's split-K programs run it in f32 at a
 * tiny share of the FLOPs.
 */
function takesShape(m: number, n: number, k: number): boolean {
  return m * n * k > 0 && !(Math.min(m, n) < THIN && k >= LONG_INNER);
}

/**
 * Whether a 2-D float32 product of these sizes (no bias) runs as the mixed or the f32 program now: a switch is on
 * and the shape is one they take. Gradients ask, since these programs read a transposed operand at full speed
 * where tf.js's are faster after an explicit transpose (engine/ops/matmul.ts).
 */
export function studioMatMulTakes(m: number, n: number, k: number): boolean {
  return (on || f32On) && tf.getBackend() === 'webgpu' && takesShape(m, n, k);
}

/** The product as the mixed program, or null when it is not one this program takes (tf.js runs it). */
function runMixed(inputs: Record<string, tf.TensorInfo | undefined>, attrs: Attrs): tf.TensorInfo | null {
  const { a, b, bias, preluActivationWeights: prelu } = inputs;
  if (!a || !b || a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (ra < 2 || rb < 2 || Math.max(ra, rb) > 4) return null;
  const tA = attrs.transposeA ?? false;
  const tB = attrs.transposeB ?? false;
  const m = a.shape[tA ? ra - 1 : ra - 2] as number;
  const k = a.shape[tA ? ra - 2 : ra - 1] as number;
  const n = b.shape[tB ? rb - 2 : rb - 1] as number;
  const batchA = size(a.shape.slice(0, -2));
  const batchB = size(b.shape.slice(0, -2));
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) return null;
  const outer = (batchA >= batchB ? a : b).shape.slice(0, -2);
  const batch = Math.max(batchA, batchB);
  const activation = (attrs.activation ?? null) as MixedActivation | null;
  if (activation && !ACTIVATIONS.has(activation)) return null;
  // A bias or PReLU weight is read at 2-D coordinates (mixed-matmul.ts); batched ones stay with tf.js.
  if ((bias || prelu) && batch !== 1) return null;
  if (!takesShape(m, n, k)) return null;
  const backend = webgpuBackend();
  if (!backend) return null;
  const spec = {
    outShape: [...outer, m, n],
    batch,
    m,
    n,
    k,
    transposeA: tA,
    transposeB: tB,
    hasBias: !!bias,
    activation,
  };
  const program = on
    ? new MixedMatMulProgram(
        { ...spec, matrix: mixedCapabilities(backend.device as { features: Set<string> }).matrix },
        !!prelu,
      )
    : new F32MatMulProgram(spec, !!prelu);
  // One entry per field: tf.js aligns a multi-value entry as a vector, which these scalar fields are not.
  const uniforms: UniformInput[] = [m, n, k, batchA, batchB].map((v) => ({ type: 'int32', data: [v] }));
  if (activation === 'leakyrelu') uniforms.push({ type: 'float32', data: [attrs.leakyreluAlpha ?? 0.2] });
  const ins = [a, b, ...(bias ? [bias] : []), ...(prelu ? [prelu] : [])];
  count++;
  lastVariant = program.variant;
  return backend.runWebGPUProgram(program, ins, 'float32', uniforms);
}

const wrapped = new WeakSet<tf.KernelFunc>();

/** Re-registers webgpu's BatchMatMul and _FusedMatMul to take the mixed program while the switch is on. */
function useMixedPrecisionMatMul(): void {
  for (const name of ['BatchMatMul', '_FusedMatMul']) {
    const kernel = tf.getKernel(name, 'webgpu');
    if (!kernel || wrapped.has(kernel.kernelFunc)) continue;
    const original = kernel.kernelFunc;
    const kernelFunc: tf.KernelFunc = (args) => {
      if (!on && !f32On) return original(args);
      const out = runMixed(args.inputs as Record<string, tf.TensorInfo>, args.attrs as Attrs);
      return out ?? original(args);
    };
    wrapped.add(kernelFunc);
    tf.unregisterKernel(name, 'webgpu');
    tf.registerKernel({ ...kernel, kernelFunc });
  }
}
