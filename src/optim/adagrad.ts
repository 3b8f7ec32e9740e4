/**
 * Adagrad as PyTorch's torch.optim.Adagrad: each element's step is divided by the root of the sum of
 * all its squared gradients so far, so often-updated weights slow down; optional learning-rate decay
 * (lr / (1 + (t − 1)·lrDecay)), L2 weight decay and a starting value for the sum. eps 1e-10.
 */
import type { TypedArray } from '../tensor/dtype.js';
import { checkLr, checkRange, inlinable, Optimizer, RULE_ELEMENT, runRule, zerosLike, type Params, type UpdateRule } from './optimizer.js';

export type AdagradHyper = { lr: number; lrDecay: number; weightDecay: number; initialAccumulatorValue: number; eps: number };
export type AdagradOptions = Partial<AdagradHyper>;
export type AdagradState = { step: number; sum: TypedArray };

export const ADAGRAD_DEFAULTS: Readonly<AdagradHyper> = Object.freeze({ lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10 });

export function validateAdagrad(h: AdagradHyper, owner: string): void {
  checkLr(owner, h.lr);
  checkRange(owner, 'lrDecay', 'lrDecay value', h.lrDecay, 0);
  checkRange(owner, 'weightDecay', 'weightDecay value', h.weightDecay, 0);
  checkRange(owner, 'initialAccumulatorValue', 'initialAccumulatorValue value', h.initialAccumulatorValue, 0);
  checkRange(owner, 'eps', 'epsilon value', h.eps, 0);
}

export function adagradInit(param: TypedArray, h: AdagradHyper): AdagradState {
  const sum = zerosLike(param);
  if (h.initialAccumulatorValue !== 0) sum.fill(h.initialAccumulatorValue);
  return { step: 0, sum };
}

// The numbers ADAGRAD_RULE.begin hands to its formula.
const CLR = 0, EPS = 1, WD = 2;

/** Adagrad's rule (see UpdateRule): t = ++step; g = grad + weightDecay·p; sum += g²; p −= lr/(1 + (t − 1)·lrDecay) · g / (√sum + eps). */
export const ADAGRAD_RULE: UpdateRule<AdagradHyper, AdagradState> = {
  begin(_param, _grad, state, h, c) {
    const t = ++state.step;
    c[CLR] = h.lr / (1 + (t - 1) * h.lrDecay);
    c[EPS] = h.eps;
    c[WD] = h.weightDecay;
    return RULE_ELEMENT;
  },
  element(i, param, grad, state, c) {
    const s = state.sum;
    const g = grad[i] + c[WD] * param[i];
    const si = s[i] + g * g;
    s[i] = si;
    param[i] -= (c[CLR] * g) / (Math.sqrt(si) + c[EPS]);
  },
};

/**
 * One Adagrad step in place (t = ++state.step):
 *   g = grad + weightDecay·p;  S += g²;  p −= lr/(1 + (t − 1)·lrDecay) · g/(√S + eps)
 * @example adagradUpdate(w.data, w.grad!.data, adagradInit(w.data, ADAGRAD_DEFAULTS), ADAGRAD_DEFAULTS)
 */
export function adagradUpdate(param: TypedArray, grad: ArrayLike<number>, state: AdagradState, h: AdagradHyper): void {
  runRule(ADAGRAD_RULE, param, grad, state, h);
}

/**
 * Adagrad (Duchi et al.) with PyTorch's defaults: lr 1e-2, eps 1e-10.
 * @example const opt = new Adagrad(model.parameters(), { lr: 0.1 })
 */
export class Adagrad extends Optimizer<AdagradHyper, AdagradState> {
  constructor(params: Params<AdagradOptions>, options: AdagradOptions = {}) {
    super(params, options, { name: 'Adagrad', defaults: ADAGRAD_DEFAULTS, validate: validateAdagrad, rule: inlinable(new.target, Adagrad, ADAGRAD_RULE) });
  }

  protected init(param: TypedArray, h: AdagradHyper): AdagradState {
    return adagradInit(param, h);
  }

  protected update(param: TypedArray, grad: TypedArray, state: AdagradState, h: AdagradHyper): void {
    adagradUpdate(param, grad, state, h);
  }
}
