/**
 * Network: seed 003's black box with `learn` and `predict`, built from the plain JSON spec that the
 * CLI, the explainer, the playground and the model file share. Inside it is an ordinary Sequential
 * of Dense layers; when the output activation and the loss have a fused stable form (sigmoid + bce,
 * softmax + crossEntropy) training uses it automatically on the pre-activation outputs.
 */
import { Tensor } from '../tensor/tensor.js';
import { Random } from '../tensor/random.js';
import { ShapeError, ValueError } from '../tensor/errors.js';
import { noGrad } from '../autograd/graph.js';
import { Dense, Sequential } from '../nn/layers.js';
import { LOSS_TABLE, lossByName, type LossFn } from '../losses/index.js';
import { optimizerByName, OPTIMIZER_NAMES, type OptimizerName } from '../optim/index.js';
import { ACTIVATIONS, INITS, LOSSES, type ActivationName, type LayerSpec, type LossName, type NetworkSpec } from '../spec/index.js';
import { checkFitOptions, classificationAccuracy, training as makeTraining, type FitOptions, type History, type OptimizerLike, type Trainable } from './fit.js';
import type { Training } from './training.js';
import { toInputTensor, toTargetTensor, type InputData, type TargetData } from './data.js';
import { checkNetworkSize, MAX_LAYERS } from './size.js';

/** Seeds are whole numbers from 0 to 2^32 − 1 (spec.seed, learn's seed, the CLI's --seed). */
export const MAX_SEED = 4294967295;

/** The largest finite float32, about 3.4e38. */
const FLOAT32_MAX = 3.4028234663852886e38;

/** Whether `v` is a valid seed (a whole number in [0, MAX_SEED]). */
export function isSeed(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_SEED;
}


export interface LearnOptions extends Omit<FitOptions, 'loss' | 'optimizer' | 'validationData' | 'accuracy'> {
  /** A name ('sgd', 'momentum', 'adam', 'adamw', 'rmsprop', 'adagrad'; default 'sgd') or an optimizer. */
  optimizer?: OptimizerName | OptimizerLike;
  /** Learning rate for a named optimizer (default: 0.1 for sgd/momentum, that optimizer's default otherwise). */
  learningRate?: number;
  /** Further options for a named optimizer, e.g. { momentum: 0.9 } or { betas: [0.9, 0.99] }. */
  optimizerOptions?: Record<string, unknown>;
  validationData?: [InputData, TargetData];
}

const SPEC_KEYS = ['inputs', 'layers', 'loss', 'init', 'initValue', 'seed', 'dtype'];
const LAYER_KEYS = ['units', 'activation', 'alpha', 'weights', 'bias'];

function isWholeAtLeast(v: unknown, min: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min;
}

/** Checks a spec field by field; every message names the field (`layers[1].weights has 3 rows, expected 2 (units)`). */
export function validateSpec(spec: unknown, where = 'network'): NetworkSpec {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) throw new ValueError(`${where}: expected an object with 'inputs' and 'layers'`);
  const s = spec as Record<string, unknown>;
  for (const k of Object.keys(s)) if (!SPEC_KEYS.includes(k)) throw new ValueError(`${where}: unknown field '${k}' (known: ${SPEC_KEYS.join(', ')})`);
  if (!isWholeAtLeast(s.inputs, 1)) throw new ValueError(`${where}.inputs must be a whole number ≥ 1, got ${JSON.stringify(s.inputs)}`);
  if (!Array.isArray(s.layers) || s.layers.length === 0) throw new ValueError(`${where}.layers must be a non-empty array of layers`);
  if (s.layers.length > MAX_LAYERS) throw new ValueError(`${where}.layers has ${s.layers.length} layers; backprop builds at most ${MAX_LAYERS}`);
  if (s.loss !== undefined && !(LOSSES as readonly unknown[]).includes(s.loss)) throw new ValueError(`${where}.loss is ${JSON.stringify(s.loss)}; expected one of ${LOSSES.join(', ')}`);
  if (s.init !== undefined && !(INITS as readonly unknown[]).includes(s.init)) throw new ValueError(`${where}.init is ${JSON.stringify(s.init)}; expected one of ${INITS.join(', ')}`);
  if (s.initValue !== undefined && !Number.isFinite(s.initValue)) throw new ValueError(`${where}.initValue must be a finite number`);
  if (s.seed !== undefined && !isSeed(s.seed)) throw new ValueError(`${where}.seed must be a whole number from 0 to ${MAX_SEED}, got ${JSON.stringify(s.seed)}`);
  if (s.dtype !== undefined && s.dtype !== 'float32' && s.dtype !== 'float64') throw new ValueError(`${where}.dtype must be 'float32' or 'float64'`);
  let width = s.inputs;
  const limit = s.dtype === 'float64' ? Number.MAX_VALUE : FLOAT32_MAX;
  const range = (v: number, what: string, at: string) => {
    if (Math.abs(v) > limit) throw new ValueError(`${at} is ${v}, outside float32's range (±3.4028235e38); ${what} of a float32 network must fit float32 (the file is damaged, or use dtype 'float64')`);
  };
  s.layers.forEach((layer: unknown, li: number) => {
    const at = `${where}.layers[${li}]`;
    if (layer === null || typeof layer !== 'object' || Array.isArray(layer)) throw new ValueError(`${at}: expected an object like { units: 4, activation: 'relu' }`);
    const l = layer as Record<string, unknown>;
    for (const k of Object.keys(l)) if (!LAYER_KEYS.includes(k)) throw new ValueError(`${at}: unknown field '${k}' (known: ${LAYER_KEYS.join(', ')})`);
    if (!isWholeAtLeast(l.units, 1)) throw new ValueError(`${at}.units must be a whole number ≥ 1, got ${JSON.stringify(l.units)}`);
    if (l.activation !== undefined && !(ACTIVATIONS as readonly unknown[]).includes(l.activation)) {
      throw new ValueError(`${at}.activation is ${JSON.stringify(l.activation)}; expected one of ${ACTIVATIONS.join(', ')}`);
    }
    if (l.alpha !== undefined && !Number.isFinite(l.alpha)) throw new ValueError(`${at}.alpha must be a finite number`);
    if (l.weights !== undefined) {
      if (!Array.isArray(l.weights)) throw new ValueError(`${at}.weights must be an array of ${l.units} rows (one per neuron)`);
      if (l.weights.length !== l.units) throw new ShapeError(`${at}.weights has ${l.weights.length} rows, expected ${l.units} (units)`);
      l.weights.forEach((row: unknown, j: number) => {
        if (!Array.isArray(row)) throw new ValueError(`${at}.weights[${j}] must be an array of ${width} numbers`);
        if (row.length !== width) throw new ShapeError(`${at}.weights[${j}] has ${row.length} numbers, expected ${width} (${li === 0 ? 'the inputs' : `units of layers[${li - 1}]`})`);
        row.forEach((v: unknown, i: number) => {
          if (typeof v !== 'number' || !Number.isFinite(v)) throw new ValueError(`${at}.weights[${j}][${i}] is ${JSON.stringify(v)}; weights must be finite numbers`);
          range(v, 'weights', `${at}.weights[${j}][${i}]`);
        });
      });
    }
    if (l.bias !== undefined) {
      if (!Array.isArray(l.bias)) throw new ValueError(`${at}.bias must be an array of ${l.units} numbers`);
      if (l.bias.length !== l.units) throw new ShapeError(`${at}.bias has ${l.bias.length} numbers, expected ${l.units} (units)`);
      l.bias.forEach((v: unknown, j: number) => {
        if (typeof v !== 'number' || !Number.isFinite(v)) throw new ValueError(`${at}.bias[${j}] is ${JSON.stringify(v)}; biases must be finite numbers`);
        range(v, 'biases', `${at}.bias[${j}]`);
      });
    }
    width = l.units as number;
  });
  return spec as NetworkSpec;
}

/**
 * A feed-forward network from a JSON-able spec, with learn/predict.
 * @example
 * const net = new Network({ inputs: 2, layers: [{ units: 4, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }], loss: 'bce', seed: 1 });
 * net.learn([[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]], { epochs: 500, learningRate: 0.5, batchSize: 'full' });
 * net.predict([[1, 0]]) // [[0.97…]]
 */
export class Network {
  readonly inputs: number;
  readonly loss: LossName;
  readonly layers: readonly Dense[];
  /** The layers as a Sequential module (parameters named 'layers.0.weight', …). */
  readonly model: Sequential;
  private readonly meta: Pick<NetworkSpec, 'init' | 'initValue' | 'seed' | 'dtype'>;

  constructor(spec: NetworkSpec) {
    validateSpec(spec);
    checkNetworkSize(spec);
    this.inputs = spec.inputs;
    this.loss = spec.loss ?? 'mse';
    this.meta = { init: spec.init, initValue: spec.initValue, seed: spec.seed, dtype: spec.dtype };
    const random = new Random(spec.seed ?? 0);
    let width = spec.inputs;
    const layers: Dense[] = spec.layers.map((l: LayerSpec) => {
      const dense = new Dense(width, l.units, {
        init: spec.init ?? 'xavier', initValue: spec.initValue, random, dtype: spec.dtype ?? 'float32',
        activation: l.activation ?? 'linear', alpha: l.alpha,
      });
      if (l.weights) dense.weight.data.set(l.weights.flat());
      if (l.bias) dense.bias!.data.set(l.bias);
      width = l.units;
      return dense;
    });
    this.layers = layers;
    this.model = new Sequential(...layers);
  }

  static fromJSON(spec: NetworkSpec): Network {
    return new Network(spec);
  }

  get outputs(): number {
    return this.layers[this.layers.length - 1].outFeatures;
  }

  get outputActivation(): ActivationName {
    return this.layers[this.layers.length - 1].activation;
  }

  /** Outputs for a batch [rows, inputs], recording the graph when gradients are enabled. */
  forward(x: Tensor): Tensor {
    return this.model.forward(x);
  }

  /** The last layer's pre-activation outputs (logits). */
  logits(x: Tensor): Tensor {
    for (let i = 0; i < this.layers.length - 1; i++) x = this.layers[i].forward(x);
    return this.layers[this.layers.length - 1].preActivation(x);
  }

  /** True when training runs the fused, numerically stable loss on logits. */
  get usesFusedLoss(): boolean {
    return LOSS_TABLE[this.loss].fused?.activation === this.outputActivation;
  }

  /** The loss as training computes it, from (model outputs or logits, targets). */
  private lossForTraining(): { forward: (x: Tensor) => Tensor; loss: LossFn; outputsAreLogits: boolean } {
    if (this.usesFusedLoss) return { forward: (x) => this.logits(x), loss: LOSS_TABLE[this.loss].fused!.fn, outputsAreLogits: true };
    return { forward: (x) => this.forward(x), loss: lossByName(this.loss), outputsAreLogits: false };
  }

  /**
   * The batch loss exactly as `learn` computes it (fused on the logits where it can), with its graph:
   * what gradient checks and the explainer compare against.
   * @example net.trainingLoss(x, y).backward(); net.layers[0].weight.grad
   */
  trainingLoss(x: Tensor, y: Tensor): Tensor {
    const { forward, loss } = this.lossForTraining();
    return loss(forward(x), y);
  }

  /** Predictions: number[][] for nested arrays, a Tensor for a Tensor. No graph is recorded. */
  predict(inputs: number[][]): number[][];
  predict(inputs: Tensor): Tensor;
  predict(inputs: InputData): number[][] | Tensor {
    const x = toInputTensor('predict', inputs, this.inputs, this.dtype);
    const out = noGrad(() => this.forward(x));
    if (inputs instanceof Tensor) return out;
    return out.toArray() as number[][];
  }

  get dtype(): 'float32' | 'float64' {
    return this.meta.dtype ?? 'float32';
  }

  private classIndexTargets(): boolean {
    return LOSS_TABLE[this.loss].classIndexTargets;
  }

  private isClassifier(): boolean {
    return LOSS_TABLE[this.loss].classifier;
  }

  /**
   * Trains on inputs and targets (number[][]; class indices number[] for crossEntropy; or Tensors).
   * Returns the per-epoch history. Throws DivergenceError if the loss becomes NaN or explodes.
   */
  learn(inputs: InputData, targets: TargetData, options: LearnOptions = {}): History {
    return this.training(inputs, targets, options).run();
  }

  /**
   * The resumable Training that learn() runs, with learn()'s options: step() makes one update,
   * epoch() one epoch, run() trains to the end; stop(), history, best and restoreBest() as in Training.
   * @example const t = net.training(x, y, { epochs: 100, batchSize: 4 }); t.step(); t.epoch(); t.run();
   */
  training(inputs: InputData, targets: TargetData, options: LearnOptions = {}): Training {
    checkFitOptions('learn', options, ['learningRate', 'optimizerOptions']);
    if (options.seed !== undefined && !isSeed(options.seed)) throw new ValueError(`learn: seed must be a whole number from 0 to ${MAX_SEED}, got ${String(options.seed)}`);
    const x = toInputTensor('learn inputs', inputs, this.inputs, this.dtype);
    const y = toTargetTensor('learn targets', targets, x.shape[0], this.outputs, this.classIndexTargets(), this.dtype);
    const optimizer = this.makeOptimizer(options);
    const { forward, loss, outputsAreLogits } = this.lossForTraining();
    const trainable: Trainable = { forward, parameters: () => this.model.parameters(), namedBuffers: () => this.model.namedBuffers(), train: (m) => this.model.train(m), eval: () => this.model.eval() };
    let validationData: [Tensor, Tensor] | undefined;
    if (options.validationData) {
      const vx = toInputTensor('learn validationData inputs', options.validationData[0], this.inputs, this.dtype);
      validationData = [vx, toTargetTensor('learn validationData targets', options.validationData[1], vx.shape[0], this.outputs, this.classIndexTargets(), this.dtype)];
    }
    const { optimizer: _o, learningRate: _l, optimizerOptions: _oo, validationData: _v, ...rest } = options;
    const fitOptions = {
      ...rest,
      validationData,
      loss,
      optimizer,
      accuracy: this.isClassifier() ? (out: Tensor, t: Tensor) => classificationAccuracy(out, t, outputsAreLogits ? 0 : 0.5) : undefined,
    };
    // Each step is compiled from the tape (jit) unless options.compiled is false.
    return makeTraining(trainable, x, y, fitOptions, 'learn');
  }

  private makeOptimizer(options: LearnOptions): OptimizerLike {
    const opt = options.optimizer ?? 'sgd';
    if (typeof opt !== 'string') return opt;
    if (!(OPTIMIZER_NAMES as readonly string[]).includes(opt)) {
      throw new ValueError(`learn: unknown optimizer '${opt}' (known: ${OPTIMIZER_NAMES.join(', ')})`);
    }
    const lr = options.learningRate ?? (opt === 'sgd' || opt === 'momentum' ? 0.1 : undefined);
    const extra = { ...(options.optimizerOptions ?? {}) } as Record<string, unknown>;
    if (lr !== undefined) extra.lr = lr;
    return optimizerByName(opt, this.model.parameters(), extra);
  }

  /** Loss (and accuracy for classifiers) on a dataset, without training. */
  evaluate(inputs: InputData, targets: TargetData): { loss: number; accuracy?: number } {
    const x = toInputTensor('evaluate inputs', inputs, this.inputs, this.dtype);
    const y = toTargetTensor('evaluate targets', targets, x.shape[0], this.outputs, this.classIndexTargets(), this.dtype);
    const { forward, loss, outputsAreLogits } = this.lossForTraining();
    return noGrad(() => {
      const out = forward(x);
      const result: { loss: number; accuracy?: number } = { loss: loss(out, y).item() };
      if (this.isClassifier()) result.accuracy = classificationAccuracy(out, y, outputsAreLogits ? 0 : 0.5);
      return result;
    });
  }

  parameters(): Tensor[] {
    return this.model.parameters();
  }

  /** Dotted names: 'layers.0.weight', 'layers.0.bias', …. */
  namedParameters(): [string, Tensor][] {
    return this.model.namedParameters('layers.');
  }

  /** The spec with every weight and bias filled in (plain numbers). */
  toJSON(): NetworkSpec {
    const spec: NetworkSpec = {
      inputs: this.inputs,
      layers: this.layers.map((d) => {
        const w = d.weight.data;
        const layer: LayerSpec = { units: d.outFeatures, activation: d.activation };
        if (d.activation === 'leakyRelu') layer.alpha = d.alpha;
        layer.weights = Array.from({ length: d.outFeatures }, (_, j) => Array.from(w.subarray(j * d.inFeatures, (j + 1) * d.inFeatures)));
        layer.bias = Array.from(d.bias!.data);
        return layer;
      }),
      loss: this.loss,
    };
    if (this.meta.init !== undefined) spec.init = this.meta.init;
    if (this.meta.initValue !== undefined) spec.initValue = this.meta.initValue;
    if (this.meta.seed !== undefined) spec.seed = this.meta.seed;
    if (this.meta.dtype !== undefined) spec.dtype = this.meta.dtype;
    return spec;
  }
}
