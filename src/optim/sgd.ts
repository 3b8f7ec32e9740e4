/**
 * Stochastic gradient descent with optional momentum (heavy ball or Nesterov) and L2 weight decay,
 * following PyTorch's torch.optim.SGD step for step. The rule is the plain function sgdUpdate, usable
 * on any pair of typed arrays (one flat array holding every parameter included).
 */
import type { TypedArray } from '../tensor/dtype.js';
import { ValueError } from '../tensor/errors.js';
import { checkBoolean, checkLr, checkRange, describe, inlinable, Optimizer, RULE_ELEMENT, RULE_SCALAR, runRule, zerosLike, type Params, type UpdateRule } from './optimizer.js';

export type SGDHyper = { lr: number; momentum: number; dampening: number; nesterov: boolean; weightDecay: number };
export type SGDOptions = Partial<SGDHyper>;
/** The momentum buffer is created on the first step with momentum, as a copy of that step's gradient. */
export type SGDState = { step: number; momentumBuffer: TypedArray | null };

/**
 * lr defaults to 0.01, as in Keras (PyTorch ≥ 2.2 uses 1e-3; TensorFlow.js has no default). Plain SGD
 * needs a rate chosen for the problem, so pass one; 0.01 is a cautious start for scaled inputs.
 */
export const SGD_DEFAULTS: Readonly<SGDHyper> = Object.freeze({ lr: 0.01, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 });

export function validateSGD(h: SGDHyper, owner: string): void {
  checkLr(owner, h.lr);
  checkRange(owner, 'momentum', 'momentum value', h.momentum, 0);
  checkRange(owner, 'dampening', 'dampening value', h.dampening, 0, 1);
  checkRange(owner, 'weightDecay', 'weightDecay value', h.weightDecay, 0);
  checkBoolean(owner, 'nesterov', h.nesterov);
  if (h.nesterov && (h.momentum <= 0 || h.dampening !== 0)) {
    throw new ValueError(
      `${owner}: Nesterov momentum requires a momentum and zero dampening (got momentum ${describe(h.momentum)}, dampening ${describe(h.dampening)}); set momentum > 0, e.g. 0.9, and dampening 0`,
    );
  }
}

// The numbers SGD_RULE.begin hands to its formulas.
const LR = 0, WD = 1, MOMENTUM = 2, KEEP = 3, NESTEROV = 4, FIRST = 5;

/**
 * SGD's rule (see UpdateRule): g = grad + weightDecay·p; with momentum, b = momentum·b + (1 − dampening)·g
 * (b = g on the first step) and g = b, or g + momentum·b for Nesterov; then p −= lr·g.
 */
export const SGD_RULE: UpdateRule<SGDHyper, SGDState> = {
  begin(param, _grad, state, h, c) {
    c[LR] = h.lr;
    c[WD] = h.weightDecay;
    state.step++;
    return h.momentum === 0 ? RULE_SCALAR : beginMomentum(param, state, h, c);
  },
  // Without momentum: no state.
  scalar: (p: number, g: number, lr: number, weightDecay: number): number => p - lr * (g + weightDecay * p),
  element(i, param, grad, state, c) {
    const g = grad[i] + c[WD] * param[i];
    const momentum = c[MOMENTUM];
    const buf = state.momentumBuffer!;
    const b = c[FIRST] !== 0 ? g : momentum * buf[i] + c[KEEP] * g;
    buf[i] = b;
    param[i] -= c[LR] * (c[NESTEROV] !== 0 ? g + momentum * b : b);
  },
};

/** SGD_RULE.begin's part for momentum (a function of its own keeps begin small enough to inline). */
function beginMomentum(param: TypedArray, state: SGDState, h: SGDHyper, c: Float64Array): number {
  c[MOMENTUM] = h.momentum;
  c[KEEP] = 1 - h.dampening;
  c[NESTEROV] = h.nesterov ? 1 : 0;
  c[FIRST] = state.momentumBuffer === null ? 1 : 0;
  state.momentumBuffer ??= zerosLike(param);
  return RULE_ELEMENT;
}

/**
 * One SGD step in place (SGD_RULE over every element).
 * @example sgdUpdate(w.data, w.grad!.data, { step: 0, momentumBuffer: null }, { ...SGD_DEFAULTS, lr: 0.1 })
 */
export function sgdUpdate(param: TypedArray, grad: ArrayLike<number>, state: SGDState, h: SGDHyper): void {
  runRule(SGD_RULE, param, grad, state, h);
}

/**
 * Gradient descent: p −= lr·∂L/∂p, optionally with momentum, Nesterov momentum and weight decay.
 * @example const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9, nesterov: true })
 */
export class SGD extends Optimizer<SGDHyper, SGDState> {
  constructor(params: Params<SGDOptions>, options: SGDOptions = {}) {
    super(params, options, { name: 'SGD', defaults: SGD_DEFAULTS, validate: validateSGD, rule: inlinable(new.target, SGD, SGD_RULE) });
  }

  protected init(): SGDState {
    return { step: 0, momentumBuffer: null };
  }

  protected update(param: TypedArray, grad: TypedArray, state: SGDState, h: SGDHyper): void {
    sgdUpdate(param, grad, state, h);
  }
}
