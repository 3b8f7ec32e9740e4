/**
 * The tape. An op that runs while gradients are enabled and has an input that requires a gradient
 * records itself on its output (`record`). `backward` sorts the graph topologically with an explicit
 * stack (so a graph 100,000 ops deep cannot overflow the call stack), walks it in reverse, and SUMS
 * gradients where a tensor feeds several ops. Broadcasting is undone once, here: a gradient whose
 * shape differs from its input's is summed down to the input's shape.
 */
import { Tensor, type GradFn } from '../tensor/tensor.js';
import { ShapeError, TraceError, ValueError, fmtShape } from '../tensor/errors.js';
import { sameShape } from '../tensor/shape.js';
import { allocate, type DType } from '../tensor/dtype.js';
import { traceGuard } from '../tensor/tensor.js';
import { activeTracer } from './trace.js';

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/**
 * Runs `fn` without recording anything for autograd (inference, weight updates).
 * @example const y = noGrad(() => model.forward(x));
 */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** Attaches `backward` to `out` if any input needs a gradient; returns `out`. */
export function record(out: Tensor, op: string, inputs: readonly Tensor[], backward: GradFn['backward']): Tensor {
  if (!gradEnabled) return out;
  let needed = false;
  for (const t of inputs) if (t.requiresGrad) needed = true;
  if (!needed) return out;
  out.requiresGrad = true;
  out.gradFn = { op, inputs, backward };
  return out;
}

/** Tensors reachable from root that take part in the gradient, parents before children. */
function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  // Each stack entry is a tensor and the index of the next input to visit.
  const stack: [Tensor, number][] = [[root, 0]];
  visited.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const inputs = top[0].gradFn?.inputs ?? [];
    if (top[1] < inputs.length) {
      const next = inputs[top[1]++];
      if (next.requiresGrad && !visited.has(next)) {
        visited.add(next);
        stack.push([next, 0]);
      }
    } else {
      order.push(top[0]);
      stack.pop();
    }
  }
  return order;
}

/** Hook the ops module installs: sums a gradient down to a (broadcast-from) shape. */
let sumToShapeImpl: ((g: Tensor, shape: readonly number[]) => Tensor) | null = null;
let addImpl: ((a: Tensor, b: Tensor) => Tensor) | null = null;
let castImpl: ((x: Tensor, dtype: DType) => Tensor) | null = null;
export function installGradientHelpers(sumToShape: typeof sumToShapeImpl, add: typeof addImpl, cast: typeof castImpl): void {
  sumToShapeImpl = sumToShape;
  addImpl = add;
  castImpl = cast;
}

/**
 * Fills `.grad` of every leaf that requires a gradient with ∂root/∂leaf, adding to what is already
 * there (gradients accumulate until zeroed). `root` must be a scalar unless `gradient` is given.
 * @example const loss = x.mul(x).sum(); loss.backward(); x.grad // 2x
 */
export function backward(root: Tensor, gradient?: Tensor): void {
  if (!root.requiresGrad) {
    throw new ValueError('backward: this tensor does not require a gradient (no input it was computed from has requiresGrad: true)');
  }
  let seed: Tensor;
  if (gradient === undefined) {
    if (root.size !== 1) {
      throw new ShapeError(`backward: a tensor of shape ${fmtShape(root.shape)} is not a scalar; pass the upstream gradient explicitly: t.backward(grad)`);
    }
    seed = new Tensor(allocate(root.dtype, 1).fill(1), root.shape);
  } else {
    if (!sameShape(gradient.shape, root.shape)) {
      throw new ShapeError(`backward: gradient of shape ${fmtShape(gradient.shape)} does not match the tensor's shape ${fmtShape(root.shape)}`);
    }
    seed = castImpl!(gradient, root.dtype);
  }
  const order = topologicalOrder(root);
  const grads = new Map<Tensor, Tensor>();
  grads.set(root, seed);
  const prev = gradEnabled;
  gradEnabled = false;
  const tracer = activeTracer();
  traceGuard.depth++;
  try {
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      const g = grads.get(t);
      if (g === undefined) continue;
      grads.delete(t); // free intermediate gradients as soon as they have been used
      if (t.gradFn === null || t.retainsGrad) {
        if (tracer !== null) {
          // Traced: the gradient is a value of the plan (no copy), and one from before the traced
          // call cannot be replayed (it would be baked in as a constant).
          if (t.grad !== null && t.grad.traced === null) {
            throw new TraceError(`backward inside jit: '${t.name ?? 'a leaf tensor'}' already holds a gradient from before the traced call, which a replay cannot add to; call zeroGrad() (optimizer.zeroGrad()) inside the traced function before backward()`);
          }
          t.grad = t.grad === null ? g : addImpl!(t.grad, g);
          tracer.grad(t);
        } else {
          t.grad = t.grad === null ? g.detach().clone() : addImpl!(t.grad, g);
        }
      }
      if (t.gradFn === null) continue;
      const inputGrads = t.gradFn.backward(g);
      const inputs = t.gradFn.inputs;
      for (let j = 0; j < inputs.length; j++) {
        const input = inputs[j];
        let ig = inputGrads[j];
        if (!input.requiresGrad || ig === null || ig === undefined) continue;
        if (!sameShape(ig.shape, input.shape)) ig = sumToShapeImpl!(ig, input.shape);
        if (ig.dtype !== input.dtype) ig = castImpl!(ig, input.dtype);
        const acc = grads.get(input);
        grads.set(input, acc === undefined ? ig : addImpl!(acc, ig));
      }
    }
  } finally {
    traceGuard.depth--;
    gradEnabled = prev;
  }
}
