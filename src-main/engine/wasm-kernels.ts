/**
 * Faster wasm kernels for Slice, Unpack (unstack) and SplitV (split). tf.js's wasm Slice reads its input with
 * readSync, which copies the whole input out of the wasm heap for every slice: unstacking 64 attention heads
 * copies the tensor 64 times, and this was the largest cost of a training step after the matmuls
 * (ENGINE-NOTES.md). These versions copy only the sliced region, straight from heap views.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

type TypedArray = Float32Array | Int32Array | Uint8Array;

/** The parts of tf.js's BackendWasm these kernels use (the class is not exported with these members typed). */
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): TypedArray;
}

interface SliceAttrs {
  begin: number[];
  size: number[];
}

/** Copies `x[begin : begin + size]` into a new output, one contiguous run per outer index. */
function sliceInto(
  backend: WasmBackendLike,
  x: tf.TensorInfo,
  begin: number[],
  size: number[],
): tf.TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  // Views after makeOutput: allocating can grow (and detach) the heap.
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  const shape = x.shape;
  const rank = shape.length;
  const strides = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) strides[i] = strides[i + 1]! * shape[i + 1]!;
  // Trailing axes taken whole merge into one run with the innermost partial axis.
  let k = rank - 1;
  while (k >= 0 && size[k] === shape[k]) k--;
  if (k < 0) {
    dst.set(src);
    return out;
  }
  const run = size[k]! * strides[k]!;
  const base = begin[k]! * strides[k]!;
  const idx = new Array<number>(k).fill(0);
  let outOffset = 0;
  const total = dst.length;
  while (outOffset < total) {
    let offset = base;
    for (let i = 0; i < k; i++) offset += (begin[i]! + idx[i]!) * strides[i]!;
    dst.set(src.subarray(offset, offset + run), outOffset);
    outOffset += run;
    for (let i = k - 1; i >= 0; i--) {
      const next = idx[i]! + 1;
      if (next < size[i]!) {
        idx[i] = next;
        break;
      }
      idx[i] = 0;
    }
  }
  return out;
}

function normalise(x: tf.TensorInfo, begin: number[], size: number[]): SliceAttrs {
  const b = x.shape.map((_, i) => begin[i] ?? 0);
  const s = x.shape.map((d, i) => {
    const want = size[i] ?? -1;
    return want === -1 ? d - b[i]! : want;
  });
  return { begin: b, size: s };
}

let installed = false;

/**
 * Replaces the wasm Slice, Unpack and SplitV kernels (strings keep tf.js's own). Idempotent; call once the wasm
 * backend is registered. Values are identical to tf.js's kernels (plain copies).
 */
export function installFastWasmKernels(): void {
  if (installed) return;
  const original = {
    Slice: tf.getKernel('Slice', 'wasm'),
    Unpack: tf.getKernel('Unpack', 'wasm'),
    SplitV: tf.getKernel('SplitV', 'wasm'),
  };
  if (!original.Slice || !original.Unpack || !original.SplitV) return; // wasm backend not registered
  installed = true;
  const replace = (name: keyof typeof original, kernelFunc: tf.KernelFunc) => {
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc });
  };
  replace('Slice', (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === 'string') return original.Slice!.kernelFunc(args);
    const attrs = args.attrs as unknown as SliceAttrs;
    const { begin, size } = normalise(x, attrs.begin, attrs.size);
    return sliceInto(args.backend as WasmBackendLike, x, begin, size);
  });
  replace('Unpack', (args) => {
    const x = args.inputs.value as tf.TensorInfo;
    if (x.dtype === 'string') return original.Unpack!.kernelFunc(args);
    const rank = x.shape.length;
    const axis = ((args.attrs as unknown as { axis: number }).axis + rank) % rank;
    const outShape = x.shape.filter((_, i) => i !== axis);
    const begin = new Array<number>(rank).fill(0);
    const size = [...x.shape];
    size[axis] = 1;
    return Array.from({ length: x.shape[axis]! }, (_, i) => {
      begin[axis] = i;
      const t = sliceInto(args.backend as WasmBackendLike, x, begin, size);
      return { dataId: t.dataId, dtype: t.dtype, shape: outShape };
    });
  });
  replace('SplitV', (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === 'string') return original.SplitV!.kernelFunc(args);
    const { numOrSizeSplits, axis } = args.attrs as unknown as {
      numOrSizeSplits: number | number[];
      axis: number;
    };
    const rank = x.shape.length;
    const ax = (axis + rank) % rank;
    const dim = x.shape[ax]!;
    let sizes: number[];
    if (typeof numOrSizeSplits === 'number') {
      sizes = new Array<number>(numOrSizeSplits).fill(dim / numOrSizeSplits);
    } else {
      // One -1 entry takes what the others leave (tf.split's contract).
      const known = numOrSizeSplits.filter((s) => s !== -1).reduce((a, b) => a + b, 0);
      sizes = numOrSizeSplits.map((s) => (s === -1 ? dim - known : s));
    }
    const begin = new Array<number>(rank).fill(0);
    return sizes.map((s) => {
      const size = [...x.shape];
      size[ax] = s;
      const t = sliceInto(args.backend as WasmBackendLike, x, [...begin], size);
      begin[ax] = begin[ax]! + s;
      return t;
    });
  });
}
