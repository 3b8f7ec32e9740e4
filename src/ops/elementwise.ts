/**
 * Element-wise primitives, each one table entry: its scalar formula, its chain rule (written with
 * prims, some of them the derivative helpers defined beside it) and, where a SIMD kernel exists,
 * that kernel's name. Binary ops broadcast; their backward returns full-shape gradients and the
 * engine sums them down to each input's shape (src/autograd/graph.ts).
 */
import { Tensor, type TensorLike } from '../tensor/tensor.js';
import { ValueError } from '../tensor/errors.js';
import { checkTensor, operands, scalarLike } from './kernels.js';
import type { WasmBinaryName } from '../tensor/kernels/backend.js';
import { apply, elementwise, noSecondDerivative, type Prim } from './prim.js';

/** A derivative helper: element-wise, used only inside backward (gradients are off there). */
function derivative(name: string, scalar: (...xs: number[]) => number, wasm?: WasmBinaryName): Prim<void> {
  return elementwise({ name, scalar, backward: noSecondDerivative(name), wasm });
}

export const ADD = elementwise({
  name: 'add',
  scalar: (a, b) => a + b,
  // d(a+b)/da = 1, d(a+b)/db = 1
  backward: (g) => [g, g],
});

export const MUL = elementwise({
  name: 'mul',
  scalar: (a, b) => a * b,
  // d(ab)/da = b, d(ab)/db = a
  backward: (g, [x, y]) => [x.requiresGrad ? mul(g, y) : null, y.requiresGrad ? mul(g, x) : null],
});

export const DIV = elementwise({
  name: 'div',
  scalar: (a, b) => a / b,
  // d(a/b)/da = 1/b, d(a/b)/db = -a/b² = -(a/b)/b
  backward: (g, [x, y], out) => [x.requiresGrad ? div(g, y) : null, y.requiresGrad ? neg(div(mul(g, out), y)) : null],
});

export const POW = elementwise({
  name: 'pow',
  scalar: (a, b) => Math.pow(a, b),
  // d(a^b)/da = b·a^(b-1), d(a^b)/db = a^b·ln a
  backward: (g, [x, y], out) => [
    x.requiresGrad ? mul(g, mul(y, pow(x, add(y, -1)))) : null,
    y.requiresGrad ? mul(g, mul(out, log(x))) : null,
  ],
});

export const NEG = elementwise({
  name: 'neg',
  scalar: (x) => -x,
  // d(-x)/dx = -1
  backward: (g) => [neg(g)],
});

export const EXP = elementwise({
  name: 'exp',
  scalar: (x) => Math.exp(x),
  wasm: 'exp',
  // d(eˣ)/dx = eˣ
  backward: (g, _, out) => [mul(g, out)],
});

export const LOG = elementwise({
  name: 'log',
  scalar: (x) => Math.log(x),
  wasm: 'log',
  // d(ln x)/dx = 1/x
  backward: (g, [x]) => [div(g, x)],
});

/** d|x|/dx = sign(x), 0 at 0. */
export const ABS_D = derivative('abs′', (g, x) => g * Math.sign(x));
export const ABS = elementwise({
  name: 'abs',
  scalar: (x) => Math.abs(x),
  backward: (g, [x]) => [apply(ABS_D, [g, x], undefined)],
});

/** dσ/dx = σ(1 − σ), from the output σ. In float32 it underflows to 0 for |x| > ~17: fused losses avoid relying on it. */
export const SIGMOID_D = derivative('sigmoid′', (g, s) => g * s * (1 - s));
export const SIGMOID = elementwise({
  name: 'sigmoid',
  // Two branches so neither exponential overflows: e^(−x) for x ≥ 0, eˣ otherwise.
  scalar: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
  wasm: 'sigmoid',
  backward: (g, _, out) => [apply(SIGMOID_D, [g, out], undefined)],
});

/** d tanh/dx = 1 − tanh², from the output. */
export const TANH_D = derivative('tanh′', (g, t) => g * (1 - t * t));
export const TANH = elementwise({
  name: 'tanh',
  scalar: (x) => Math.tanh(x),
  wasm: 'tanh',
  backward: (g, _, out) => [apply(TANH_D, [g, out], undefined)],
});

/** d relu/dx = 1 where x > 0, else 0 (0 at 0). */
export const RELU_D = derivative('relu′', (g, x) => (x > 0 ? g : 0), 'reluGrad');
export const RELU = elementwise({
  name: 'relu',
  scalar: (x) => (x > 0 ? x : 0),
  wasm: 'relu',
  backward: (g, [x]) => [apply(RELU_D, [g, x], undefined)],
});

/** d step/dx = 0. */
export const ZERO_D = derivative('step′', () => 0);
export const STEP = elementwise({
  name: 'step',
  scalar: (x) => (x > 0 ? 1 : 0),
  backward: (g) => [apply(ZERO_D, [g], undefined)],
});

/** d clamp/dx = 1 where x was inside [min, max] (the output is x itself), 0 where it was clipped. */
export const CLAMP_D = derivative('clamp′', (g, x, y) => (x === y ? g : 0));
export const CLAMP = elementwise({
  name: 'clamp',
  scalar: (v, lo, hi) => (v < lo ? lo : v > hi ? hi : v),
  backward: (g, [x], out) => [apply(CLAMP_D, [g, x, out], undefined)],
});

/** 1 where a equals b, else 0: max's tie mask (no derivative: it is used only inside backward). */
export const EQUAL = derivative('equal', (a, b) => (a === b ? 1 : 0));

function binary(prim: Prim<void>, a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands(prim.name, a, b);
  return apply(prim, [x, y], undefined);
}

function unary(prim: Prim<void>, x: Tensor): Tensor {
  checkTensor(prim.name, 'x', x);
  return apply(prim, [x], undefined);
}

/** a + b, broadcasting. @example add(tensor([1, 2]), 1) // [2, 3] */
export function add(a: TensorLike, b: TensorLike): Tensor {
  return binary(ADD, a, b);
}

/** a · b element-wise, broadcasting. @example mul(tensor([1, 2]), 3) // [3, 6] */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  return binary(MUL, a, b);
}

/** a / b element-wise, broadcasting. @example div(tensor([1, 2]), 2) // [0.5, 1] */
export function div(a: TensorLike, b: TensorLike): Tensor {
  return binary(DIV, a, b);
}

/**
 * a ** b element-wise, broadcasting. With a tensor exponent, ∂/∂b = a^b·ln a (NaN for a < 0).
 * @example pow(tensor([2, 3]), 2) // [4, 9]
 */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  return binary(POW, a, b);
}

/** -x. @example neg(tensor([1, -2])) // [-1, 2] */
export function neg(x: Tensor): Tensor {
  return unary(NEG, x);
}

/** eˣ. @example exp(tensor([0, 1])) // [1, 2.718…] */
export function exp(x: Tensor): Tensor {
  return unary(EXP, x);
}

/** Natural logarithm (NaN below 0, -Infinity at 0). @example log(tensor([1])) // [0] */
export function log(x: Tensor): Tensor {
  return unary(LOG, x);
}

/** |x|; its gradient at 0 is taken as 0. @example abs(tensor([-2, 3])) // [2, 3] */
export function abs(x: Tensor): Tensor {
  return unary(ABS, x);
}

/**
 * σ(x) = 1 / (1 + e⁻ˣ), computed so neither branch overflows.
 * @example sigmoid(tensor([0])) // [0.5]
 */
export function sigmoid(x: Tensor): Tensor {
  return unary(SIGMOID, x);
}

/** tanh(x). @example tanh(tensor([0])) // [0] */
export function tanh(x: Tensor): Tensor {
  return unary(TANH, x);
}

/** max(x, 0); its gradient at 0 is taken as 0. @example relu(tensor([-1, 2])) // [0, 2] */
export function relu(x: Tensor): Tensor {
  return unary(RELU, x);
}

/**
 * The threshold (Heaviside) activation of the perceptron: 1 where x > 0, else 0.
 * Its gradient is zero everywhere (and undefined at 0): a network of step units cannot learn by
 * gradient descent, which is why the articles move on to the sigmoid. Gradients through it are 0.
 * @example step(tensor([-0.5, 0, 2])) // [0, 0, 1]
 */
export function step(x: Tensor): Tensor {
  return unary(STEP, x);
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
  return apply(CLAMP, [x, scalarLike(min, x), scalarLike(max, x)], undefined);
}
