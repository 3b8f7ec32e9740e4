/**
 * Adam and AdamW with PyTorch's semantics: bias-corrected moments, eps added to √v̂ (1e-8 as in PyTorch
 * and the paper, not TensorFlow.js's 1e-7), optional AMSGrad, weight decay as L2 in the gradient (Adam)
 * or decoupled (AdamW). Gradients have the standard sign: p moves against ∂L/∂p. Seed 000's C# adds its
 * update because its "gradient" comes from error = target − output, i.e. it is −∂L/∂p: the same step.
 */
import type { TypedArray } from '../tensor/dtype.js';
import { backend } from '../tensor/kernels/backend.js';
import { ValueError } from '../tensor/errors.js';
import { checkBoolean, checkLr, checkRange, describe, Optimizer, zerosLike, type Params } from './optimizer.js';

export type AdamHyper = { lr: number; betas: readonly [number, number]; eps: number; weightDecay: number; amsgrad: boolean };
export type AdamOptions = Partial<AdamHyper>;
/** expAvg is m, expAvgSq is v; maxExpAvgSq (AMSGrad's running max of v) exists only with amsgrad. */
export type AdamState = { step: number; expAvg: TypedArray; expAvgSq: TypedArray; maxExpAvgSq: TypedArray | null };

const BETAS = Object.freeze([0.9, 0.999] as const);
export const ADAM_DEFAULTS: Readonly<AdamHyper> = Object.freeze({ lr: 1e-3, betas: BETAS, eps: 1e-8, weightDecay: 0, amsgrad: false });
export const ADAMW_DEFAULTS: Readonly<AdamHyper> = Object.freeze({ ...ADAM_DEFAULTS, weightDecay: 1e-2 });

export function validateAdam(h: AdamHyper, owner: string): void {
  checkLr(owner, h.lr);
  checkRange(owner, 'eps', 'epsilon value', h.eps, 0);
  if (!Array.isArray(h.betas) || h.betas.length !== 2) {
    throw new ValueError(`${owner}: betas must be two numbers [beta1, beta2] such as [0.9, 0.999], got ${describe(h.betas)}`);
  }
  for (let i = 0; i < 2; i++) {
    const b = h.betas[i];
    if (typeof b !== 'number' || !Number.isFinite(b) || b < 0 || b >= 1) {
      throw new ValueError(`${owner}: Invalid beta parameter at index ${i}: ${describe(b)} (each beta must be a number in [0, 1), e.g. [0.9, 0.999])`);
    }
  }
  checkRange(owner, 'weightDecay', 'weightDecay value', h.weightDecay, 0);
  checkBoolean(owner, 'amsgrad', h.amsgrad);
}

export function adamInit(param: TypedArray): AdamState {
  return { step: 0, expAvg: zerosLike(param), expAvgSq: zerosLike(param), maxExpAvgSq: null };
}

/**
 * One Adam step in place (t = ++state.step):
 *   g = grad + weightDecay·p;  m = β1·m + (1 − β1)·g;  v = β2·v + (1 − β2)·g²
 *   p −= lr/(1 − β1^t) · m / (√v / √(1 − β2^t) + eps)     (v replaced by max(v) so far with amsgrad)
 * @example adamUpdate(w.data, w.grad!.data, adamInit(w.data), ADAM_DEFAULTS)
 */
export function adamUpdate(param: TypedArray, grad: ArrayLike<number>, state: AdamState, h: AdamHyper): void {
  adamStep(param, grad, state, h, false);
}

/**
 * One AdamW step in place: p *= 1 − lr·weightDecay, then the Adam step without L2 in the gradient.
 * @example adamwUpdate(w.data, w.grad!.data, adamInit(w.data), ADAMW_DEFAULTS)
 */
export function adamwUpdate(param: TypedArray, grad: ArrayLike<number>, state: AdamState, h: AdamHyper): void {
  adamStep(param, grad, state, h, true);
}

function adamStep(param: TypedArray, grad: ArrayLike<number>, state: AdamState, h: AdamHyper, decoupled: boolean): void {
  const { lr, eps, weightDecay } = h;
  const [beta1, beta2] = h.betas;
  const t = ++state.step;
  const stepSize = lr / (1 - beta1 ** t);
  const bc2Sqrt = Math.sqrt(1 - beta2 ** t);
  const shrink = decoupled ? 1 - lr * weightDecay : 1;
  const l2 = decoupled ? 0 : weightDecay;
  const m = state.expAvg;
  const v = state.expAvgSq;
  const vMax = h.amsgrad ? (state.maxExpAvgSq ??= zerosLike(param)) : null;
  // The same step as adamLoop on the backend's SIMD kernel, where it has one for these arrays
  // (float32, large enough; it declines otherwise and the loop runs).
  const be = backend();
  if (vMax === null && be.adamUpdate !== undefined && grad instanceof Float32Array
    && be.adamUpdate(param, grad, m, v, { lr, beta1, beta2, eps, step: t, weightDecay, decoupled })) return;
  adamLoop(param, grad, m, v, vMax, beta1, beta2, eps, stepSize, bc2Sqrt, shrink, l2);
}

/**
 * adamStep's rule element by element. A function of its own so that adamStep, called per
 * parameter per step, stays small: V8 optimised the two together in 12 ms of compile time, which
 * a Fashion-MNIST epoch whose large parameters all run on the kernel paid in its first steps.
 */
function adamLoop(param: TypedArray, grad: ArrayLike<number>, m: TypedArray, v: TypedArray, vMax: TypedArray | null,
  beta1: number, beta2: number, eps: number, stepSize: number, bc2Sqrt: number, shrink: number, l2: number): void {
  const n = param.length;
  for (let i = 0; i < n; i++) {
    const p = param[i] * shrink;
    const g = grad[i] + l2 * p;
    const mi = m[i] + (1 - beta1) * (g - m[i]); // PyTorch's lerp form of β1·m + (1 − β1)·g
    const vi = beta2 * v[i] + (1 - beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    let vHat = vi;
    if (vMax !== null) {
      if (vMax[i] > vHat) vHat = vMax[i];
      vMax[i] = vHat;
    }
    param[i] = p - (stepSize * mi) / (Math.sqrt(vHat) / bc2Sqrt + eps);
  }
}

/**
 * Adam (Kingma & Ba) with PyTorch's defaults: lr 1e-3, betas [0.9, 0.999], eps 1e-8.
 * @example const opt = new Adam(model.parameters(), { lr: 0.01 })
 */
export class Adam extends Optimizer<AdamHyper, AdamState> {
  constructor(params: Params<AdamOptions>, options: AdamOptions = {}) {
    super(params, options, { name: 'Adam', defaults: ADAM_DEFAULTS, validate: validateAdam });
  }

  protected init(param: TypedArray): AdamState {
    return adamInit(param);
  }

  protected update(param: TypedArray, grad: TypedArray, state: AdamState, h: AdamHyper): void {
    adamUpdate(param, grad, state, h);
  }
}

/**
 * AdamW (Loshchilov & Hutter): Adam with decoupled weight decay, default 1e-2 as in PyTorch.
 * @example const opt = new AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.05 })
 */
export class AdamW extends Optimizer<AdamHyper, AdamState> {
  constructor(params: Params<AdamOptions>, options: AdamOptions = {}) {
    super(params, options, { name: 'AdamW', defaults: ADAMW_DEFAULTS, validate: validateAdam });
  }

  protected init(param: TypedArray): AdamState {
    return adamInit(param);
  }

  protected update(param: TypedArray, grad: TypedArray, state: AdamState, h: AdamHyper): void {
    adamwUpdate(param, grad, state, h);
  }
}
