/**
 * Element-wise prims of issue 12 ("Beyond the perceptron"): maximum and where (broadcasting), the
 * activations gelu (exact erf form, or the tanh approximation as an option), elu and silu, and
 * dropout's seeded mask. Each is one table entry, as in elementwise.ts: its scalar formula (which the
 * compiler fuses and unrolls) and its chain rule written with derivative helpers defined beside it.
 */
import { ValueError } from '../tensor/errors.js';
import { defaultRandom, Random } from '../tensor/random.js';
import { broadcastShapes } from '../tensor/shape.js';
import { Tensor, type TensorLike } from '../tensor/tensor.js';
import { checkTensor, operands, scalarLike } from './kernels.js';
import { MUL } from './elementwise.js';
import { apply, elementwise, noSecondDerivative, perTraceFunction, type Prim } from './prim.js';

/** A derivative helper: element-wise, used only inside backward (gradients are off there). */
function derivative(name: string, scalar: (...xs: number[]) => number): Prim<void> {
  return elementwise({ name, scalar, backward: noSecondDerivative(name) });
}

// ---- maximum ----------------------------------------------------------------------------------

/**
 * ∂max(a, b)/∂a: 1 where a > b, ½ where they tie, 0 below (PyTorch's split at ties). The same
 * helper gives ∂/∂b with its operands swapped.
 */
export const MAXIMUM_D = derivative('maximum′', (g, a, b) => (a > b ? g : a === b ? g / 2 : 0));
export const MAXIMUM = elementwise({
  name: 'maximum',
  // NaN in either operand propagates, as torch.maximum.
  scalar: (a, b) => (a > b || a !== a ? a : b),
  backward: (g, [a, b]) => [
    a.requiresGrad ? apply(MAXIMUM_D, [g, a, b], undefined) : null,
    b.requiresGrad ? apply(MAXIMUM_D, [g, b, a], undefined) : null,
  ],
});

/**
 * The element-wise larger of a and b, broadcasting; NaN where either is NaN. Where a and b tie the
 * gradient is split equally between them (as torch.maximum does).
 * @example maximum(tensor([1, 5]), tensor([3, 2])) // [3, 5]
 */
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands('maximum', a, b);
  return apply(MAXIMUM, [x, y], undefined);
}

// ---- where ------------------------------------------------------------------------------------

export const WHERE = elementwise({
  name: 'where',
  scalar: (c, a, b) => (c !== 0 ? a : b),
  // ∂/∂a = g where the condition holds, ∂/∂b = g where it does not; none into the condition.
  backward: (g, [c, a, b]) => {
    const zero = scalarLike(0, g);
    return [null, a.requiresGrad ? apply(WHERE, [c, g, zero], undefined) : null, b.requiresGrad ? apply(WHERE, [c, zero, g], undefined) : null];
  },
});

/**
 * a where cond is non-zero, else b; all three broadcast together (cond is usually 0/1, say from a
 * comparison; it gets no gradient). Numbers may stand for a or b.
 * @example where(tensor([1, 0]), tensor([1, 2]), 0) // [1, 0]
 */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  checkTensor('where', 'cond', cond);
  const [x, y] = operands('where', a, b);
  broadcastShapes('where', broadcastShapes('where', cond.shape, x.shape), y.shape);
  return apply(WHERE, [cond, x, y], undefined);
}

// ---- gelu -------------------------------------------------------------------------------------

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 0.3989422804014327; // 1/√(2π)
const TWO_OVER_SQRT_PI = 1.1283791670955126; // 2/√π

/**
 * The error function (Math has none), within 1e-15 of Python's math.erf on a grid over [−6.4, 6.4]: the all-positive series
 * erf x = 2/√π·e^(−x²)·Σ (2x²)ⁿ·x/(1·3·…·(2n+1)) for |x| < 2.5 (no cancellation), and above it
 * 1 − erfc x with erfc's continued fraction e^(−x²)/√π / (x + ½/(x + 1/(x + 3⁄2/(x + …)))).
 */
export function erf(x: number): number {
  if (x !== x) return x;
  const ax = Math.abs(x);
  if (ax >= 6) return x > 0 ? 1 : -1;
  if (ax < 2.5) {
    const x2 = 2 * x * x;
    let term = x, sum = x;
    for (let n = 1; n < 80; n++) {
      term *= x2 / (2 * n + 1);
      sum += term;
      if (Math.abs(term) <= 1e-17 * Math.abs(sum)) break;
    }
    return TWO_OVER_SQRT_PI * Math.exp(-x * x) * sum;
  }
  let f = ax;
  for (let k = 60; k >= 1; k--) f = ax + k / 2 / f;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return x > 0 ? 1 - erfc : erfc - 1;
}

/** Φ(x), the standard normal CDF: ½(1 + erf(x/√2)). */
const normalCdf = (x: number): number => 0.5 * (1 + erf(x * SQRT1_2));

/** d gelu/dx = Φ(x) + x·φ(x), φ the standard normal density. */
export const GELU_D = derivative('gelu′', (g, x) => g * (normalCdf(x) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x)));
export const GELU = elementwise({
  name: 'gelu',
  scalar: (x) => x * normalCdf(x),
  backward: (g, [x]) => [apply(GELU_D, [g, x], undefined)],
});

const GELU_C = Math.sqrt(2 / Math.PI);
const GELU_K = 0.044715;
/** d/dx of ½x(1 + tanh u), u = √(2/π)(x + 0.044715x³): ½(1 + tanh u) + ½x(1 − tanh²u)·√(2/π)(1 + 3·0.044715x²). */
export const GELU_TANH_D = derivative('geluTanh′', (g, x) => {
  const t = Math.tanh(GELU_C * (x + GELU_K * x * x * x));
  return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_C * (1 + 3 * GELU_K * x * x));
});
export const GELU_TANH = elementwise({
  name: 'geluTanh',
  scalar: (x) => 0.5 * x * (1 + Math.tanh(GELU_C * (x + GELU_K * x * x * x))),
  backward: (g, [x]) => [apply(GELU_TANH_D, [g, x], undefined)],
});

/**
 * GELU, x·Φ(x) with Φ the standard normal CDF: the exact erf form by default (PyTorch's default),
 * or with `{ approximate: 'tanh' }` ½x(1 + tanh(√(2/π)(x + 0.044715x³))) (PyTorch's
 * approximate='tanh', TF.js's gelu_new).
 * @example gelu(tensor([0, 1])) // [0, 0.8413…]
 */
export function gelu(x: Tensor, options: { approximate?: 'none' | 'tanh' } = {}): Tensor {
  checkTensor('gelu', 'x', x);
  if (typeof options !== 'object' || options === null) throw new ValueError(`gelu: options must be an object like { approximate: 'tanh' }`);
  const unknown = Object.keys(options).filter((k) => k !== 'approximate');
  if (unknown.length) throw new ValueError(`gelu: unknown option '${unknown[0]}' (known: approximate)`);
  const approx = options.approximate ?? 'none';
  if (approx !== 'none' && approx !== 'tanh') throw new ValueError(`gelu: approximate must be 'none' or 'tanh', got '${String(approx)}'`);
  return apply(approx === 'tanh' ? GELU_TANH : GELU, [x], undefined);
}

// ---- elu, silu --------------------------------------------------------------------------------

/** d elu/dx = 1 for x > 0, α·eˣ below. */
export const ELU_D = derivative('elu′', (g, x, alpha) => (x > 0 ? g : g * alpha * Math.exp(x)));
export const ELU = elementwise({
  name: 'elu',
  scalar: (x, alpha) => (x > 0 ? x : alpha * Math.expm1(x)),
  backward: (g, [x, alpha]) => [apply(ELU_D, [g, x, alpha], undefined), null],
});

/**
 * ELU: x for x > 0, α(eˣ − 1) below (α = 1 by default, as PyTorch and TF.js).
 * @example elu(tensor([-1, 2])) // [-0.632…, 2]
 */
export function elu(x: Tensor, alpha = 1): Tensor {
  checkTensor('elu', 'x', x);
  if (typeof alpha !== 'number' || !Number.isFinite(alpha)) throw new ValueError(`elu: alpha must be a finite number, got ${String(alpha)}`);
  return apply(ELU, [x, scalarLike(alpha, x)], undefined);
}

/** σ(x) without overflow in either branch. */
const sigmoidOf = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

/** d silu/dx = σ(x)(1 + x(1 − σ(x))). */
export const SILU_D = derivative('silu′', (g, x) => {
  const s = sigmoidOf(x);
  return g * s * (1 + x * (1 - s));
});
export const SILU = elementwise({
  name: 'silu',
  scalar: (x) => x * sigmoidOf(x),
  backward: (g, [x]) => [apply(SILU_D, [g, x], undefined)],
});

/**
 * SiLU (swish): x·σ(x).
 * @example silu(tensor([0, 1])) // [0, 0.731…]
 */
export function silu(x: Tensor): Tensor {
  checkTensor('silu', 'x', x);
  return apply(SILU, [x], undefined);
}

// ---- dropout ----------------------------------------------------------------------------------

/** The murmur3 finaliser: a 32-bit integer hash with full avalanche. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A seed (any whole number, high bits included) as the 32-bit key of a mask. */
function seedKey(seed: number): number {
  return fmix32((seed >>> 0) ^ fmix32((Math.floor(seed / 4294967296) | 0) ^ 0x5bd1e995));
}

/**
 * Element i of the dropout mask with key k: 0 (dropped) or 1/(1−p) (kept). Counter-based: a hash
 * of (key, i) in integer arithmetic, uniform in [0, 1) with 32 bits, so the same seed gives the
 * same mask in every runtime, in any order, eagerly, compiled or unrolled.
 */
export function dropoutMaskAt(key: number, i: number, p: number): number {
  const u = fmix32((key + Math.imul(i, 0x9e3779b9)) | 0) / 4294967296;
  return u >= p ? 1 / (1 - p) : 0;
}

interface DropoutAttrs {
  readonly p: number;
  /** The mask's key; null: a fresh key from `random` (or the default generator) each time the kernel runs. */
  readonly key: number | null;
  /** Where fresh keys come from (a Dropout layer's own seeded generator); absent: the default generator. */
  readonly random?: Random;
}

/** A fresh mask key from the default generator (manualSeed makes the sequence reproducible). */
const drawKey = (random?: Random): number => (random ?? defaultRandom()).nextUint32();

export const DROPOUT_MASK: Prim<DropoutAttrs> = {
  name: 'dropoutMask',
  // x gives the mask its shape and dtype only.
  prepare([x], { p, key, random }) {
    const n = x.size;
    return {
      shape: x.shape, dtype: x.dtype,
      run(out) {
        const k = key ?? drawKey(random);
        for (let i = 0; i < n; i++) out[i] = dropoutMaskAt(k, i, p);
      },
    };
  },
  // The mask depends on no value of x: no gradient through it (dropout's gradient is mul's).
  backward: () => [null],
  unroll([a], _, __, { p, key, random }, cx) {
    const at = cx.fn(dropoutMaskAt);
    const k = key === null ? cx.let(`${cx.fn(perTraceFunction(() => drawKey(random)))}()`) : cx.num(key);
    return a.map((_, i) => cx.let(`${at}(${k}, ${i}, ${cx.num(p)})`));
  },
};

export interface DropoutOptions {
  /** false: dropout is the identity (evaluation). Default true. */
  training?: boolean;
  /** A whole number: the same mask every call (reproducible). Omitted: a fresh mask each call (each replay, when compiled) from the default generator, which manualSeed seeds. */
  seed?: number;
  /** Without a seed: the generator each call's (each replay's) fresh mask key is drawn from (default: the default generator). */
  random?: Random;
}

/**
 * Inverted dropout: each element is zeroed with probability p and the survivors scaled by 1/(1−p),
 * so the expected value is unchanged and evaluation needs no rescaling; the identity when not
 * training (or p = 0). p = 1 drops everything. The gradient is the same mask times the upstream one.
 * @example dropout(x, 0.5, { seed: 1 }) // elements 0 or 2·x
 */
export function dropout(x: Tensor, p: number, options: DropoutOptions = {}): Tensor {
  checkTensor('dropout', 'x', x);
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new ValueError(`dropout: p must be a probability in [0, 1], got ${String(p)}`);
  if (typeof options !== 'object' || options === null) throw new ValueError('dropout: options must be an object like { training: true, seed: 1 }');
  const unknown = Object.keys(options).filter((k) => k !== 'training' && k !== 'seed' && k !== 'random');
  if (unknown.length) throw new ValueError(`dropout: unknown option '${unknown[0]}' (known: training, seed, random)`);
  const { training = true, seed, random } = options;
  if (random !== undefined && !(random instanceof Random)) throw new ValueError('dropout: random must be a Random (new Random(seed))');
  if (random !== undefined && seed !== undefined) throw new ValueError('dropout: give seed (one fixed mask) or random (a fresh mask per call), not both');
  if (typeof training !== 'boolean') throw new ValueError(`dropout: training must be true or false, got ${String(training)}`);
  if (seed !== undefined && !Number.isSafeInteger(seed)) throw new ValueError(`dropout: seed must be a whole number, got ${String(seed)}`);
  if (!training || p === 0) return x;
  const mask = apply(DROPOUT_MASK, [x], { p, key: seed === undefined ? null : seedKey(seed), random });
  return apply(MUL, [x, mask], undefined);
}
