/**
 * Adam and AdamW with PyTorch's semantics: bias-corrected moments, eps added to √v̂ (1e-8 as in PyTorch
 * and the paper, not TensorFlow.js's 1e-7), optional AMSGrad, weight decay as L2 in the gradient (Adam)
 * or decoupled (AdamW). Gradients have the standard sign: p moves against ∂L/∂p. Seed 000's C# adds its
 * update because its "gradient" comes from error = target − output, i.e. it is −∂L/∂p: the same step.
 */
import type { TypedArray } from '../tensor/dtype.js';
import { backend } from '../tensor/kernels/backend.js';
import { ValueError } from '../tensor/errors.js';
import { checkBoolean, checkLr, checkRange, describe, inlinable, Optimizer, RULE_DONE, RULE_ELEMENT, runRule, zerosLike, type Params, type UpdateRule } from './optimizer.js';

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

// The numbers an Adam rule's begin hands to its formula.
const STEP_SIZE = 0, BC2_SQRT = 1, SHRINK = 2, L2 = 3, BETA1 = 4, BETA2 = 5, EPS = 6, AMSGRAD = 7;

/** Adam's and AdamW's rule (decoupled: AdamW's weight decay); see UpdateRule and adamUpdate. */
function adamRule(decoupled: boolean): UpdateRule<AdamHyper, AdamState> {
  return {
    begin(param, grad, state, h, c) {
      const { lr, eps, weightDecay } = h;
      const [beta1, beta2] = h.betas;
      const t = ++state.step;
      c[STEP_SIZE] = lr / (1 - beta1 ** t);
      c[BC2_SQRT] = Math.sqrt(1 - beta2 ** t);
      c[SHRINK] = decoupled ? 1 - lr * weightDecay : 1;
      c[L2] = decoupled ? 0 : weightDecay;
      c[BETA1] = beta1;
      c[BETA2] = beta2;
      c[EPS] = eps;
      c[AMSGRAD] = h.amsgrad ? 1 : 0;
      if (h.amsgrad) {
        state.maxExpAvgSq ??= zerosLike(param);
        return RULE_ELEMENT;
      }
      // The same step as the element formula on the backend's SIMD kernel, where it has one for
      // these arrays (float32, large enough; it declines otherwise and the formula runs).
      const be = backend();
      return be.adamUpdate !== undefined && grad instanceof Float32Array
        && be.adamUpdate(param, grad, state.expAvg, state.expAvgSq, { lr, beta1, beta2, eps, step: t, weightDecay, decoupled }) ? RULE_DONE : RULE_ELEMENT;
    },
    element: adamElement,
  };
}

function adamElement(i: number, param: TypedArray, grad: ArrayLike<number>, state: AdamState, c: Float64Array): void {
  const m = state.expAvg, v = state.expAvgSq;
  const beta1 = c[BETA1], beta2 = c[BETA2];
  const p = param[i] * c[SHRINK];
  const g = grad[i] + c[L2] * p;
  const mi = m[i] + (1 - beta1) * (g - m[i]); // PyTorch's lerp form of β1·m + (1 − β1)·g
  const vi = beta2 * v[i] + (1 - beta2) * g * g;
  m[i] = mi;
  v[i] = vi;
  let vHat = vi;
  if (c[AMSGRAD] !== 0) {
    const vMax = state.maxExpAvgSq!;
    if (vMax[i] > vHat) vHat = vMax[i];
    vMax[i] = vHat;
  }
  param[i] = p - (c[STEP_SIZE] * mi) / (Math.sqrt(vHat) / c[BC2_SQRT] + c[EPS]);
}

export const ADAM_RULE = adamRule(false);
export const ADAMW_RULE = adamRule(true);

function adamStep(param: TypedArray, grad: ArrayLike<number>, state: AdamState, h: AdamHyper, decoupled: boolean): void {
  runRule(decoupled ? ADAMW_RULE : ADAM_RULE, param, grad, state, h);
}

/**
 * Adam (Kingma & Ba) with PyTorch's defaults: lr 1e-3, betas [0.9, 0.999], eps 1e-8.
 * @example const opt = new Adam(model.parameters(), { lr: 0.01 })
 */
export class Adam extends Optimizer<AdamHyper, AdamState> {
  constructor(params: Params<AdamOptions>, options: AdamOptions = {}) {
    super(params, options, { name: 'Adam', defaults: ADAM_DEFAULTS, validate: validateAdam, rule: inlinable(new.target, Adam, ADAM_RULE) });
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
    super(params, options, { name: 'AdamW', defaults: ADAMW_DEFAULTS, validate: validateAdam, rule: inlinable(new.target, AdamW, ADAMW_RULE) });
  }

  protected init(param: TypedArray): AdamState {
    return adamInit(param);
  }

  protected update(param: TypedArray, grad: TypedArray, state: AdamState, h: AdamHyper): void {
    adamwUpdate(param, grad, state, h);
  }
}
