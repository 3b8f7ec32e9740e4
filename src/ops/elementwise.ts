/**
 * Element-wise primitives, each with its forward and its chain rule side by side. Binary ops
 * broadcast; their backward returns full-shape gradients and the engine sums them down to each
 * input's shape (src/autograd/graph.ts), so no op here deals with undoing broadcasting.
 */
import { record } from '../autograd/graph.js';
import { Tensor, type TensorLike } from '../tensor/tensor.js';
import { ValueError } from '../tensor/errors.js';
import { binaryMap, checkTensor, operands, unaryMap } from './kernels.js';

/** a + b, broadcasting. @example add(tensor([1, 2]), 1) // [2, 3] */
export function add(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands('add', a, b);
  const out = binaryMap('add', x, y, 'add');
  // d(a+b)/da = 1, d(a+b)/db = 1
  return record(out, 'add', [x, y], (g) => [g, g]);
}

/** a · b element-wise, broadcasting. @example mul(tensor([1, 2]), 3) // [3, 6] */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands('mul', a, b);
  const out = binaryMap('mul', x, y, 'mul');
  // d(ab)/da = b, d(ab)/db = a
  return record(out, 'mul', [x, y], (g) => [x.requiresGrad ? mul(g, y) : null, y.requiresGrad ? mul(g, x) : null]);
}

/** a / b element-wise, broadcasting. @example div(tensor([1, 2]), 2) // [0.5, 1] */
export function div(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands('div', a, b);
  const out = binaryMap('div', x, y, 'div');
  // d(a/b)/da = 1/b, d(a/b)/db = -a/b² = -(a/b)/b
  return record(out, 'div', [x, y], (g) => [
    x.requiresGrad ? div(g, y) : null,
    y.requiresGrad ? neg(div(mul(g, out), y)) : null,
  ]);
}

/**
 * a ** b element-wise, broadcasting. With a tensor exponent, ∂/∂b = a^b·ln a (NaN for a < 0).
 * @example pow(tensor([2, 3]), 2) // [4, 9]
 */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands('pow', a, b);
  const out = binaryMap('pow', x, y, (p, q) => Math.pow(p, q));
  // d(a^b)/da = b·a^(b-1), d(a^b)/db = a^b·ln a
  return record(out, 'pow', [x, y], (g) => [
    x.requiresGrad ? mul(g, mul(y, pow(x, add(y, -1)))) : null,
    y.requiresGrad ? mul(g, mul(out, log(x))) : null,
  ]);
}

/** -x. @example neg(tensor([1, -2])) // [-1, 2] */
export function neg(x: Tensor): Tensor {
  checkTensor('neg', 'x', x);
  const out = unaryMap(x, 'neg');
  // d(-x)/dx = -1
  return record(out, 'neg', [x], (g) => [neg(g)]);
}

/** eˣ. @example exp(tensor([0, 1])) // [1, 2.718…] */
export function exp(x: Tensor): Tensor {
  checkTensor('exp', 'x', x);
  const out = unaryMap(x, 'exp');
  // d(eˣ)/dx = eˣ
  return record(out, 'exp', [x], (g) => [mul(g, out)]);
}

/** Natural logarithm (NaN below 0, -Infinity at 0). @example log(tensor([1])) // [0] */
export function log(x: Tensor): Tensor {
  checkTensor('log', 'x', x);
  const out = unaryMap(x, 'log');
  // d(ln x)/dx = 1/x
  return record(out, 'log', [x], (g) => [div(g, x)]);
}

/** |x|; its gradient at 0 is taken as 0. @example abs(tensor([-2, 3])) // [2, 3] */
export function abs(x: Tensor): Tensor {
  checkTensor('abs', 'x', x);
  const out = unaryMap(x, 'abs');
  // d|x|/dx = sign(x)
  return record(out, 'abs', [x], (g) => [mul(g, unaryMap(x, 'sign'))]);
}

/**
 * σ(x) = 1 / (1 + e⁻ˣ), computed so neither branch overflows.
 * @example sigmoid(tensor([0])) // [0.5]
 */
export function sigmoid(x: Tensor): Tensor {
  checkTensor('sigmoid', 'x', x);
  const out = unaryMap(x, 'sigmoid');
  // dσ/dx = σ(1 - σ). NOTE: in float32 this underflows to 0 for |x| > ~17; the fused
  // sigmoid + cross-entropy form (losses) avoids relying on it.
  return record(out, 'sigmoid', [x], (g) => [binaryMap('sigmoid', g, out, 'sigmoidGrad')]);
}

/** tanh(x). @example tanh(tensor([0])) // [0] */
export function tanh(x: Tensor): Tensor {
  checkTensor('tanh', 'x', x);
  const out = unaryMap(x, 'tanh');
  // d tanh/dx = 1 - tanh²
  return record(out, 'tanh', [x], (g) => [binaryMap('tanh', g, out, 'tanhGrad')]);
}

/** max(x, 0); its gradient at 0 is taken as 0. @example relu(tensor([-1, 2])) // [0, 2] */
export function relu(x: Tensor): Tensor {
  checkTensor('relu', 'x', x);
  const out = unaryMap(x, 'relu');
  // d relu/dx = 1 where x > 0, else 0
  return record(out, 'relu', [x], (g) => [binaryMap('relu', g, x, 'reluGrad')]);
}

/**
 * The threshold (Heaviside) activation of the perceptron: 1 where x > 0, else 0.
 * Its gradient is zero everywhere (and undefined at 0): a network of step units cannot learn by
 * gradient descent, which is why the articles move on to the sigmoid. Gradients through it are 0.
 * @example step(tensor([-0.5, 0, 2])) // [0, 0, 1]
 */
export function step(x: Tensor): Tensor {
  checkTensor('step', 'x', x);
  const out = unaryMap(x, 'step');
  // d step/dx = 0
  return record(out, 'step', [x], (g) => [unaryMap(g, 'zero')]);
}

/**
 * Limits x to [min, max]; the gradient passes where x is inside and is 0 where it was clipped.
 * A primitive for numerical safety: binary cross-entropy on probabilities clamps away from 0 and 1.
 * @example clamp(tensor([-1, 0.5, 2]), 0, 1) // [0, 0.5, 1]
 */
export function clamp(x: Tensor, min: number, max: number): Tensor {
  checkTensor('clamp', 'x', x);
  if (typeof min !== 'number' || typeof max !== 'number' || !(min <= max)) {
    throw new ValueError(`clamp: need numbers min ≤ max, got min ${String(min)} and max ${String(max)}`);
  }
  const out = unaryMap(x, (v) => (v < min ? min : v > max ? max : v));
  // d clamp/dx = 1 inside [min, max], 0 outside
  return record(out, 'clamp', [x], (g) => [mul(g, unaryMap(x, (v) => (v >= min && v <= max ? 1 : 0)))]);
}
