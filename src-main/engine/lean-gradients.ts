/**
 * Gradients of a scalar loss with respect to variables, equal to tf.variableGrads's, with the backward pass giving
 * memory back as it goes (issue #20: peak GPU memory against PyTorch's).
 *
 * tf.js's own backward pass (engine.gradients) keeps every tensor it makes until it ends: the gradient of each
 * intermediate tensor, and every tensor the forward pass saved for the backward one. So at its end a step holds
 * the forward pass's activations and a gradient for each of them, about twice what PyTorch's autograd keeps, which
 * frees a node's saved tensors and its output's gradient once the node has been walked. This walks the same tape
 * in the same order with the same gradient functions and additions (so the gradients are the same, bit for bit),
 * and frees the same way: after a node, the gradients of its outputs (no earlier node reads them) and its saved
 * tensors (clones only its own gradient function reads). A tensor's gradient contributions are added, in the order
 * they came, when its producer reads them: on webgpu several in one kernel (webgpu/add-n.ts), the same
 * additions as tf.js's chain of Adds.
 */
import * as tf from '@tensorflow/tfjs-core';
import { gpuAddInOrder } from './webgpu/add-n.ts';

interface TapeNode {
  id: number;
  kernelName: string;
  inputs: Record<string, tf.Tensor>;
  outputs: tf.Tensor[];
  gradient?: (dys: (tf.Tensor | null)[]) => Record<string, () => tf.Tensor>;
  saved?: tf.Tensor[];
}

interface EngineInternals {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  scopedRun<T>(start: () => void, end: () => void, f: () => T): T;
  startTape(): void;
  endTape(): void;
  tidy<T extends tf.TensorContainer>(name: string, f: () => T): T;
}

const engine = () => tf.engine() as unknown as EngineInternals;

/**
 * The nodes on a path from one of `xs` to `y`, in tape order, each with its inputs pruned to those that come from
 * `xs` (what tf.js's getFilteredNodesXToY returns, with sets instead of its nested loops).
 */
function nodesFromXToY(tape: readonly TapeNode[], xs: readonly tf.Tensor[], y: tf.Tensor): TapeNode[] {
  const fromX = new Set(xs.map((x) => x.id));
  const nodesFromX = new Set<number>();
  for (const node of tape) {
    if (Object.values(node.inputs).some((t) => fromX.has(t.id))) {
      for (const o of node.outputs) fromX.add(o.id);
      nodesFromX.add(node.id);
    }
  }
  const toY = new Set([y.id]);
  const nodesToY = new Set<number>();
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i] as TapeNode;
    if (node.outputs.some((o) => toY.has(o.id))) {
      for (const t of Object.values(node.inputs)) toY.add(t.id);
      nodesToY.add(node.id);
    }
  }
  const out: TapeNode[] = [];
  for (const node of tape) {
    if (!nodesFromX.has(node.id) || !nodesToY.has(node.id)) continue;
    const inputs: Record<string, tf.Tensor> = {};
    for (const [name, t] of Object.entries(node.inputs)) if (fromX.has(t.id)) inputs[name] = t;
    out.push({ ...node, inputs });
  }
  return out;
}

/** Walks `nodes` backward from d`y` = 1, freeing each node's output gradients and saved tensors behind it. */
function backward(
  nodes: readonly TapeNode[],
  y: tf.Tensor,
  keep: ReadonlySet<number>,
): Map<number, tf.Tensor> {
  // Each tensor's gradient contributions, in the order they came.
  const grads = new Map<number, tf.Tensor[]>([[y.id, [tf.ones(y.shape)]]]);
  // A gradient function may hand back a tensor it was given (dy, a saved tensor) or one it already returned: the
  // map must own each of its tensors alone, since it disposes them one by one.
  const owned = new Set<tf.Tensor>(grads.get(y.id));
  /** The gradient of tensor `id`: its contributions added in order, now that something reads it. */
  const total = (id: number): tf.Tensor | null => {
    const parts = grads.get(id);
    if (!parts) return null;
    if (parts.length > 1) {
      const sum =
        gpuAddInOrder(parts) ?? parts.slice(1).reduce((acc: tf.Tensor, p) => tf.add(acc, p), parts[0]!);
      for (const p of parts) owned.delete(p);
      tf.dispose(parts.filter((p) => p !== sum));
      grads.set(id, [sum]);
      owned.add(sum);
    }
    return grads.get(id)?.[0] ?? null;
  };
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i] as TapeNode;
    const dys = node.outputs.map((o) => total(o.id));
    if (!node.gradient)
      throw new Error(`Cannot compute gradient: gradient function not found for ${node.kernelName}.`);
    const gradient = node.gradient;
    const entries = Object.entries(node.inputs);
    // One tidy around the gradient function and its closures: a customGrad's function computes its gradients when
    // called, and whatever else it makes (the gradient of an input no weight depends on, its temporaries) must go.
    const dxs = tf.tidy(() => {
      const fns = gradient(dys);
      return entries.map(([name]) => {
        const fn = fns[name];
        if (!fn) throw new Error(`Cannot backprop through input ${name} of ${node.kernelName}.`);
        return fn();
      });
    });
    for (const [j, [name, x]] of entries.entries()) {
      let dx = dxs[j] as tf.Tensor;
      if (dx.dtype !== 'float32')
        throw new Error(`The gradient of ${node.kernelName}'s input ${name} is ${dx.dtype}, not float32.`);
      if (!tf.util.arraysEqual(dx.shape, x.shape))
        throw new Error(
          `The gradient of ${node.kernelName}'s input ${name} has shape [${dx.shape}], not [${x.shape}].`,
        );
      if (owned.has(dx) || dys.includes(dx) || node.saved?.includes(dx) || dxs.indexOf(dx) !== j)
        dx = dx.clone();
      grads.set(x.id, [...(grads.get(x.id) ?? []), dx]);
      owned.add(dx);
    }
    for (const o of node.outputs) {
      const g = grads.get(o.id);
      if (!g || keep.has(o.id)) continue;
      grads.delete(o.id);
      for (const t of g) owned.delete(t);
      tf.dispose(g);
    }
    for (const t of node.saved ?? []) t.dispose();
  }
  const totals = new Map<number, tf.Tensor>();
  for (const id of grads.keys()) totals.set(id, total(id) as tf.Tensor);
  return totals;
}

/**
 * `{ value, grads }` as tf.variableGrads(f, vars) returns them (grads by variable name; a variable the loss does not
 * reach has none). Nested inside another gradient computation, where the tape must outlive this one, it is
 * tf.variableGrads itself.
 */
export function leanVariableGrads(
  f: () => tf.Scalar,
  vars: readonly tf.Variable[],
): { value: tf.Scalar; grads: Record<string, tf.Tensor> } {
  const e = engine();
  const xs = vars.filter((v) => v.trainable);
  if (e.state.gradientDepth > 0 || xs.length === 0) {
    const { value, grads } = tf.variableGrads(f, [...vars]);
    return { value, grads: grads as Record<string, tf.Tensor> };
  }
  const y = e.scopedRun(
    () => e.startTape(),
    () => e.endTape(),
    () => e.tidy('forward', f),
  );
  if (!(y instanceof tf.Tensor) || y.rank !== 0)
    throw new Error('The loss passed to leanVariableGrads must return a scalar.');
  const tape = e.state.activeTape ?? [];
  return e.tidy('backward', () => {
    try {
      const ids = new Set(xs.map((x) => x.id));
      const grads = backward(nodesFromXToY(tape, xs, y), y, ids);
      const named: Record<string, tf.Tensor> = {};
      for (const x of xs) {
        const g = grads.get(x.id);
        if (g) named[x.name] = g;
      }
      if (Object.keys(named).length === 0)
        throw new Error(
          'Cannot find a connection between any variable and the result of the loss function y=f(x).',
        );
      return { value: y as tf.Scalar, grads: named };
    } finally {
      for (const node of tape) for (const t of node.saved ?? []) t.dispose();
      e.state.activeTape = null;
    }
  });
}
