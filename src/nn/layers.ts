/**
 * The layers: Dense (one row of `weight` per neuron, PyTorch's [out, in]), the activations as
 * modules, and Sequential. Each forward is built from engine ops, so none needs a backward.
 */
import { Tensor, zeros } from '../tensor/tensor.js';
import { Random } from '../tensor/random.js';
import { ShapeError, ValueError, fmtShape } from '../tensor/errors.js';
import { linear } from '../ops/index.js';
import { activationEntry, applyActivation } from './activations.js';
import type { ActivationName, InitName } from '../spec/index.js';
import { Module } from './module.js';
import { initWeight } from './init.js';

export interface DenseOptions {
  /** Include a bias (default true). */
  bias?: boolean;
  /** Weight initialiser (default 'uniform': ±1/√in, PyTorch's Linear default). Biases start at 0. */
  init?: InitName;
  initValue?: number;
  /** Seed for the initialiser, or an explicit generator. */
  seed?: number;
  random?: Random;
  dtype?: 'float32' | 'float64';
  /** Applied after the affine map (default 'linear': none), as in Keras' Dense(units, activation). */
  activation?: ActivationName;
  /** Slope below 0 for 'leakyRelu'. */
  alpha?: number;
}

/**
 * A fully connected layer: y = x·Wᵀ + b, x of shape [batch, inFeatures].
 * @example const layer = new Dense(2, 3, { seed: 1 }); layer.forward(tensor([[1, 2]])) // shape [1, 3]
 */
export class Dense extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly activation: ActivationName;
  readonly alpha: number;

  constructor(readonly inFeatures: number, readonly outFeatures: number, options: DenseOptions = {}) {
    super();
    for (const [k, v] of [['inFeatures', inFeatures], ['outFeatures', outFeatures]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new ValueError(`Dense: ${k} must be a whole number ≥ 1, got ${v}`);
    }
    const random = options.random ?? new Random(options.seed ?? 0);
    const dtype = options.dtype ?? 'float32';
    this.weight = this.registerParameter('weight', zeros([outFeatures, inFeatures], { dtype }));
    initWeight(this.weight, options.init ?? 'uniform', random, options.initValue);
    this.bias = options.bias === false ? null : this.registerParameter('bias', zeros([outFeatures], { dtype }));
    this.activation = options.activation ?? 'linear';
    this.alpha = options.alpha ?? 0.01;
    activationEntry(this.activation, 'Dense'); // rejects an unknown name now, not mid-training
  }

  forward(x: Tensor): Tensor {
    return applyActivation(this.activation, this.preActivation(x), this.alpha);
  }

  /** z = x·Wᵀ + b, before the activation (what fused losses and the explainer need). */
  preActivation(x: Tensor): Tensor {
    if (x.rank !== 2 || x.shape[1] !== this.inFeatures) {
      throw new ShapeError(`Dense(${this.inFeatures} → ${this.outFeatures}): expected input of shape [batch, ${this.inFeatures}], got ${fmtShape(x.shape)}`);
    }
    return linear(x, this.weight, this.bias);
  }
}

/** An activation as a layer. @example new Activation('relu').forward(x) */
export class Activation extends Module {
  constructor(readonly kind: ActivationName, readonly alpha = 0.01) {
    super();
    activationEntry(kind, 'Activation');
  }

  forward(x: Tensor): Tensor {
    return applyActivation(this.kind, x, this.alpha);
  }
}

/** σ(x). */
export class Sigmoid extends Activation { constructor() { super('sigmoid'); } }
export class Tanh extends Activation { constructor() { super('tanh'); } }
export class ReLU extends Activation { constructor() { super('relu'); } }
export class LeakyReLU extends Activation { constructor(alpha = 0.01) { super('leakyRelu', alpha); } }
/** Softmax over the last axis. */
export class Softmax extends Activation { constructor() { super('softmax'); } }
/** The threshold unit (zero gradient: see the `step` op). */
export class Step extends Activation { constructor() { super('step'); } }
/** The identity ('linear' activation). */
export class Identity extends Activation { constructor() { super('linear'); } }

/**
 * Runs modules one after another. Children are named '0', '1', … so parameters are '0.weight', ….
 * @example const model = new Sequential(new Dense(2, 4), new Tanh(), new Dense(4, 1));
 */
export class Sequential extends Module {
  readonly layers: Module[];

  constructor(...layers: Module[]) {
    super();
    this.layers = layers;
    layers.forEach((m, i) => this.registerModule(String(i), m));
  }

  forward(x: Tensor): Tensor {
    for (const layer of this.layers) x = layer.forward(x);
    return x;
  }
}

export { applyActivation };
