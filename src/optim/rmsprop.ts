/**
 * RMSProp as PyTorch's torch.optim.RMSprop: a running mean of squared gradients scales each step, eps
 * 1e-8 is added outside the square root (TensorFlow.js and Keras add 1e-7 inside it and decay by 0.9),
 * with optional momentum, the centered variant (divides by a variance estimate) and L2 weight decay.
 */
import type { TypedArray } from '../tensor/dtype.js';
import { checkBoolean, checkLr, checkRange, inlinable, Optimizer, RULE_ELEMENT, runRule, zerosLike, type Params, type UpdateRule } from './optimizer.js';

export type RMSPropHyper = { lr: number; alpha: number; eps: number; weightDecay: number; momentum: number; centered: boolean };
export type RMSPropOptions = Partial<RMSPropHyper>;
/** momentumBuffer exists only with momentum > 0, gradAvg only when centered (both start at zero). */
export type RMSPropState = { step: number; squareAvg: TypedArray; momentumBuffer: TypedArray | null; gradAvg: TypedArray | null };

export const RMSPROP_DEFAULTS: Readonly<RMSPropHyper> = Object.freeze({ lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false });

export function validateRMSProp(h: RMSPropHyper, owner: string): void {
  checkLr(owner, h.lr);
  checkRange(owner, 'eps', 'epsilon value', h.eps, 0);
  checkRange(owner, 'momentum', 'momentum value', h.momentum, 0);
  checkRange(owner, 'weightDecay', 'weightDecay value', h.weightDecay, 0);
  // PyTorch only asks alpha >= 0; above 1 the running mean gets negative weights and √ gives NaN.
  checkRange(owner, 'alpha', 'alpha value', h.alpha, 0, 1);
  checkBoolean(owner, 'centered', h.centered);
}

export function rmspropInit(param: TypedArray): RMSPropState {
  return { step: 0, squareAvg: zerosLike(param), momentumBuffer: null, gradAvg: null };
}

// The numbers RMSPROP_RULE.begin hands to its formula.
const LR = 0, ALPHA = 1, EPS = 2, WD = 3, MOMENTUM = 4, CENTERED = 5;

/** RMSProp's rule (see UpdateRule and rmspropUpdate). */
export const RMSPROP_RULE: UpdateRule<RMSPropHyper, RMSPropState> = {
  begin(param, _grad, state, h, c) {
    c[LR] = h.lr;
    c[ALPHA] = h.alpha;
    c[EPS] = h.eps;
    c[WD] = h.weightDecay;
    c[MOMENTUM] = h.momentum > 0 ? h.momentum : 0;
    c[CENTERED] = h.centered ? 1 : 0;
    if (h.centered) state.gradAvg ??= zerosLike(param);
    if (h.momentum > 0) state.momentumBuffer ??= zerosLike(param);
    state.step++;
    return RULE_ELEMENT;
  },
  element(i, param, grad, state, c) {
    const s = state.squareAvg;
    const alpha = c[ALPHA];
    const g = grad[i] + c[WD] * param[i];
    const si = alpha * s[i] + (1 - alpha) * g * g;
    s[i] = si;
    let variance = si;
    if (c[CENTERED] !== 0) {
      const avg = state.gradAvg!;
      const gi = avg[i] + (1 - alpha) * (g - avg[i]);
      avg[i] = gi;
      // NOTE: rounding can make s − ḡ² slightly negative where it is truly ~0; clamp so √ never gives NaN.
      variance = Math.max(si - gi * gi, 0);
    }
    const scaled = g / (Math.sqrt(variance) + c[EPS]);
    const momentum = c[MOMENTUM];
    if (momentum !== 0) {
      const buf = state.momentumBuffer!;
      const b = momentum * buf[i] + scaled;
      buf[i] = b;
      param[i] -= c[LR] * b;
    } else {
      param[i] -= c[LR] * scaled;
    }
  },
};

/**
 * One RMSProp step in place:
 *   g = grad + weightDecay·p;  s = α·s + (1 − α)·g²;  d = √s + eps   (centered: ḡ = α·ḡ + (1 − α)·g, d = √(s − ḡ²) + eps)
 *   p −= lr·g/d, or with momentum b = momentum·b + g/d and p −= lr·b
 * @example rmspropUpdate(w.data, w.grad!.data, rmspropInit(w.data), RMSPROP_DEFAULTS)
 */
export function rmspropUpdate(param: TypedArray, grad: ArrayLike<number>, state: RMSPropState, h: RMSPropHyper): void {
  runRule(RMSPROP_RULE, param, grad, state, h);
}

/**
 * RMSProp (Hinton) with PyTorch's defaults: lr 1e-2, alpha 0.99, eps 1e-8.
 * @example const opt = new RMSProp(model.parameters(), { lr: 1e-3, centered: true })
 */
export class RMSProp extends Optimizer<RMSPropHyper, RMSPropState> {
  constructor(params: Params<RMSPropOptions>, options: RMSPropOptions = {}) {
    super(params, options, { name: 'RMSProp', defaults: RMSPROP_DEFAULTS, validate: validateRMSProp, rule: inlinable(new.target, RMSProp, RMSPROP_RULE) });
  }

  protected init(param: TypedArray): RMSPropState {
    return rmspropInit(param);
  }

  protected update(param: TypedArray, grad: TypedArray, state: RMSPropState, h: RMSPropHyper): void {
    rmspropUpdate(param, grad, state, h);
  }
}
