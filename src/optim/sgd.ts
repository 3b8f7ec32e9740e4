/**
 * Stochastic gradient descent with optional momentum (heavy ball or Nesterov) and L2 weight decay,
 * following PyTorch's torch.optim.SGD step for step. The rule is the plain function sgdUpdate, usable
 * on any pair of typed arrays (one flat array holding every parameter included).
 */
import type { TypedArray } from '../tensor/dtype.js';
import { ValueError } from '../tensor/errors.js';
import { checkBoolean, checkLr, checkRange, describe, Optimizer, zerosLike, type Params } from './optimizer.js';

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

/**
 * One SGD step in place: g = grad + weightDecay·p; with momentum, b = momentum·b + (1 − dampening)·g
 * (b = g on the first step) and g = b, or g + momentum·b for Nesterov; then p −= lr·g.
 * @example sgdUpdate(w.data, w.grad!.data, { step: 0, momentumBuffer: null }, { ...SGD_DEFAULTS, lr: 0.1 })
 */
export function sgdUpdate(param: TypedArray, grad: ArrayLike<number>, state: SGDState, h: SGDHyper): void {
  const { lr, momentum, dampening, nesterov, weightDecay } = h;
  const n = param.length;
  if (momentum === 0) {
    for (let i = 0; i < n; i++) param[i] -= lr * (grad[i] + weightDecay * param[i]);
  } else {
    const first = state.momentumBuffer === null;
    const buf = (state.momentumBuffer ??= zerosLike(param));
    for (let i = 0; i < n; i++) {
      const g = grad[i] + weightDecay * param[i];
      const b = first ? g : momentum * buf[i] + (1 - dampening) * g;
      buf[i] = b;
      param[i] -= lr * (nesterov ? g + momentum * b : b);
    }
  }
  state.step++;
}

/**
 * Gradient descent: p −= lr·∂L/∂p, optionally with momentum, Nesterov momentum and weight decay.
 * @example const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9, nesterov: true })
 */
export class SGD extends Optimizer<SGDHyper, SGDState> {
  constructor(params: Params<SGDOptions>, options: SGDOptions = {}) {
    super(params, options, { name: 'SGD', defaults: SGD_DEFAULTS, validate: validateSGD });
  }

  protected init(): SGDState {
    return { step: 0, momentumBuffer: null };
  }

  protected update(param: TypedArray, grad: TypedArray, state: SGDState, h: SGDHyper): void {
    sgdUpdate(param, grad, state, h);
  }
}
