/**
 * Matrix products on webgpu that give the same bits every time. tf.js (4.22) sends a product with one batch, an
 * inner dimension of 2,000 or more and few 32x32 output tiles to its split-K program: each workgroup multiplies a
 * 128-long slice of the inner dimension and adds its partial sum into the output with a float atomic (a
 * compare-exchange loop). The slices land in whatever order the GPU runs them, and float addition is not
 * associative, so the sums differ in their last bits from run to run. Those are exactly the weight gradients of
 * adapter training — xᵀ·dy over batch x tokens rows into a narrow [in, r] or [d, d/16] matrix — once a batch holds
 * 2,000 tokens (16 x 128; prompt tuning's virtual tokens add to them): the same seed gave other weights and losses.
 * Here such products go to tf.js's small-output program instead, where each output element is one invocation's
 * loop over the whole inner dimension, always in the same order. Every other product keeps tf.js's choice.
 */
import * as tf from '@tensorflow/tfjs-core';

/** tf.js's MatMulProgramType (webgpu_util.ts), the values of its WEBGPU_MATMUL_PROGRAM_TYPE flag. */
const PROGRAM = { auto: -1, smallOutputSize: 2 } as const;
/** tf.js's split-K threshold on the inner dimension (BatchMatMul_impl.ts). */
const SPLIT_K_MIN_INNER = 2000;
/** Below this many output elements tf.js uses its reduce program, which has no atomics. */
const REDUCE_MAX_OUTPUT = 128;
/** Both kernels go through tf.js's batchMatMulImpl and so may pick split-K. */
const KERNELS = ['BatchMatMul', '_FusedMatMul'] as const;

interface MatMulAttrs {
  transposeA?: boolean;
  transposeB?: boolean;
}

const size = (shape: number[]) => shape.reduce((a, d) => a * d, 1);

/**
 * Whether tf.js would run this product with its split-K program: the choice of BatchMatMul_impl.ts, restated
 * (batch of one, inner >= 2000, more than 128 outputs, few 32x32 tiles by the workgroup threshold).
 */
export function wouldSplitK(
  aShape: number[],
  bShape: number[],
  attrs: MatMulAttrs,
  threshold: number,
): boolean {
  const ra = aShape.length;
  const rb = bShape.length;
  const inner = (attrs.transposeA ? aShape[ra - 2] : aShape[ra - 1]) ?? 0;
  const outerA = (attrs.transposeA ? aShape[ra - 1] : aShape[ra - 2]) ?? 0;
  const outerB = (attrs.transposeB ? bShape[rb - 2] : bShape[rb - 1]) ?? 0;
  const batch = Math.max(size(aShape.slice(0, -2)), size(bShape.slice(0, -2)));
  const tiles = batch * Math.ceil(outerA / 32) * Math.ceil(outerB / 32);
  const fewWorkgroups = tiles <= threshold || (outerA <= 8 && tiles <= threshold * 2);
  return (
    fewWorkgroups && batch * outerA * outerB > REDUCE_MAX_OUTPUT && batch === 1 && inner >= SPLIT_K_MIN_INNER
  );
}

/** The workgroup threshold tf.js uses: its flag when set, else the backend's own number. */
function workgroupThreshold(backend: object): number {
  const flag = tf.env().getNumber('WEBGPU_THRESHOLD_TO_INCREASE_WORKGROUPS_FOR_MATMUL');
  if (flag > 0) return flag;
  return (backend as { thresholdToIncreaseWorkgroups?: number }).thresholdToIncreaseWorkgroups ?? 8;
}

const wrapped = new WeakSet<tf.KernelFunc>();

/**
 * Re-registers tf.js's webgpu BatchMatMul and _FusedMatMul so that a product tf.js would split over K runs on its
 * small-output program (no atomics). Idempotent; call once the webgpu backend is registered.
 */
export function useDeterministicMatMul(): void {
  for (const name of KERNELS) {
    const kernel = tf.getKernel(name, 'webgpu');
    if (!kernel || wrapped.has(kernel.kernelFunc)) continue;
    const original = kernel.kernelFunc;
    const kernelFunc: tf.KernelFunc = (args) => {
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const env = tf.env();
      // A program type forced through STUDIO_TF_FLAGS (benchmarks) is left alone.
      if (
        env.getNumber('WEBGPU_MATMUL_PROGRAM_TYPE') !== PROGRAM.auto ||
        !wouldSplitK(a.shape, b.shape, args.attrs as MatMulAttrs, workgroupThreshold(args.backend))
      )
        return original(args);
      env.set('WEBGPU_MATMUL_PROGRAM_TYPE', PROGRAM.smallOutputSize);
      try {
        return original(args);
      } finally {
        env.set('WEBGPU_MATMUL_PROGRAM_TYPE', PROGRAM.auto);
      }
    };
    wrapped.add(kernelFunc);
    tf.unregisterKernel(name, 'webgpu');
    tf.registerKernel({ ...kernel, kernelFunc });
  }
}
