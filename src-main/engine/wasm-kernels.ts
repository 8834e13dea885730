/**
 * Faster wasm kernels for Slice, Unpack (unstack), SplitV (split), GatherV2, Identity and Cast. tf.js's wasm Slice
 * reads its input with readSync, which copies the whole input out of the wasm heap for every slice: unstacking 64
 * attention heads copies the tensor 64 times, and this was the largest cost of a training step after the matmuls
 * (ENGINE-NOTES.md). These versions copy only the sliced region, straight from heap views. GatherV2 (embedding
 * lookups) ran ~70 ns per element in tf.js's generic C++ loop (36 ms for BERT-small's 2048 x 256 lookup); whole-row
 * copies take well under 1 ms. Identity (every tensor a gradient saves is cloned through it) and same-dtype Cast
 * copied their input; they now share it by reference count, as the cpu backend does (no kernel writes in place).
 * Leading-axis Sum: wasm-sum.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { sumLeadingInto } from './wasm-sum.ts';

type TypedArray = Float32Array | Int32Array | Uint8Array;

/** The parts of tf.js's BackendWasm these kernels use (the class is not exported with these members typed). */
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): TypedArray;
  incRef(dataId: tf.DataId): void;
}

/** The output of a kernel that shares its input's data (the backend counts references). */
function share(backend: WasmBackendLike, x: tf.TensorInfo, dtype = x.dtype): tf.TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype };
}

/**
 * `x[indices]` along axis 0 (batchDims 0): one row copy per index. Indices out of range throw, as tf.js's kernel
 * does, rather than reading another tensor's memory.
 */
function gatherRowsInto(backend: WasmBackendLike, x: tf.TensorInfo, indices: tf.TensorInfo): tf.TensorInfo {
  const rows = x.shape[0] ?? 0;
  const rowSize = x.shape.slice(1).reduce((a, b) => a * b, 1);
  const out = backend.makeOutput([...indices.shape, ...x.shape.slice(1)], x.dtype);
  // Views after makeOutput: allocating can grow (and detach) the heap.
  const src = backend.typedArrayFromHeap(x);
  const idx = backend.typedArrayFromHeap(indices);
  const dst = backend.typedArrayFromHeap(out);
  for (let i = 0; i < idx.length; i++) {
    const r = idx[i]!;
    if (!(r >= 0 && r < rows)) throw new Error(`GatherV2: the index value ${r} is not in [0, ${rows - 1}]`);
    dst.set(src.subarray(r * rowSize, (r + 1) * rowSize), i * rowSize);
  }
  return out;
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
    GatherV2: tf.getKernel('GatherV2', 'wasm'),
    Identity: tf.getKernel('Identity', 'wasm'),
    Cast: tf.getKernel('Cast', 'wasm'),
    Sum: tf.getKernel('Sum', 'wasm'),
  };
  if (Object.values(original).some((k) => !k)) return; // wasm backend not registered
  installed = true;
  const replace = (name: keyof typeof original, kernelFunc: tf.KernelFunc) => {
    // The originals stay the fallback for cases not handled here; their setup (binding the C++ function) runs when
    // the backend initialises, or now if it already has.
    const setupFunc = original[name]?.setupFunc;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({
      kernelName: name,
      backendName: 'wasm',
      kernelFunc,
      ...(setupFunc ? { setupFunc } : {}),
    });
    const ready = tf.findBackend('wasm');
    if (ready && setupFunc) setupFunc(ready);
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
  replace('GatherV2', (args) => {
    const { x, indices } = args.inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
    const { axis, batchDims } = args.attrs as unknown as { axis: number; batchDims: number };
    const plain = (axis === 0 || axis === -x.shape.length) && !batchDims && x.dtype !== 'string';
    if (!plain || indices.dtype !== 'int32') return original.GatherV2!.kernelFunc(args);
    return gatherRowsInto(args.backend as WasmBackendLike, x, indices);
  });
  replace('Identity', (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === 'string') return original.Identity!.kernelFunc(args);
    return share(args.backend as WasmBackendLike, x);
  });
  replace('Cast', (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    const { dtype } = args.attrs as unknown as { dtype: tf.DataType };
    if (x.dtype !== dtype || dtype === 'string') return original.Cast!.kernelFunc(args);
    return share(args.backend as WasmBackendLike, x);
  });
  replace('Sum', (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[] | null; keepDims: boolean };
    // A null axis means every axis (tf.sum's default).
    const all = x.shape.map((_, i) => i);
    const axes = [...new Set(axis == null ? all : tf.util.parseAxisParam(axis, x.shape))].sort(
      (a, b) => a - b,
    );
    const leading = axes.length > 0 && axes.every((a, i) => a === i);
    if (x.dtype !== 'float32' || !leading) return original.Sum!.kernelFunc(args);
    const lead = axes.length;
    const outShape = keepDims ? x.shape.map((d, i) => (i < lead ? 1 : d)) : x.shape.slice(lead);
    return sumLeadingInto(args.backend as WasmBackendLike, x, lead, outShape);
  });
}
