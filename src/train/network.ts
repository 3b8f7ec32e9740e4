/**
 * Network: seed 003's black box with `learn` and `predict`, built from the plain JSON spec that the
 * CLI, the explainer, the playground and the model file share. Inside it is an ordinary Sequential
 * with one module per spec layer (LAYER_TYPE_TABLE builds them: Dense, Conv2d, pooling, …); when the output activation and the loss have a fused stable form (sigmoid + bce,
 * softmax + crossEntropy) training uses it automatically on the pre-activation outputs.
 */
import { Tensor } from '../tensor/tensor.js';
import { Random } from '../tensor/random.js';
import { ShapeError, ValueError } from '../tensor/errors.js';
import { noGrad } from '../autograd/graph.js';
import { Dense, Sequential } from '../nn/layers.js';
import type { Module } from '../nn/module.js';
import { LAYER_TYPE_TABLE, inputShape, isActivated, resolveLayers, sampleSize, type LayerTypeEntry, type ResolvedLayer } from '../nn/layer-types.js';
import { reshape } from '../ops/index.js';
import { fmtShape } from '../tensor/errors.js';
import { LOSS_TABLE, lossByName, type LossFn } from '../losses/index.js';
import { optimizerByName, OPTIMIZER_NAMES, type OptimizerName } from '../optim/index.js';
import { INITS, LOSSES, type ActivationName, type LayerSpec, type LossName, type NetworkSpec } from '../spec/index.js';
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

function isWholeAtLeast(v: unknown, min: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min;
}

/** What one row of a layer's 2-D tensor is as long as, for messages: the inputs, or the previous layer's output. */
function rowOrigin(li: number, layers: readonly ResolvedLayer[]): string {
  if (li === 0) return 'the inputs';
  const prev = layers[li - 1];
  return prev.type === 'dense' ? `units of layers[${li - 1}]` : `the output size of layers[${li - 1}] (${prev.type})`;
}

/**
 * The index of the first value in d that is not a token id of an embedding with this vocabulary
 * (a whole number 0..vocabulary − 1), or −1: the rule every caller (learn, predict, the CLI) applies.
 */
export function firstBadTokenId(d: ArrayLike<number>, vocabulary: number): number {
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (!Number.isInteger(v) || v < 0 || v >= vocabulary) return i;
  }
  return -1;
}

/** What an embedding-first network takes, for messages about a value that is not a token id. */
export function tokenIdRule(vocabulary: number): string {
  return `layers[0] (embedding) takes whole-number indices 0..${vocabulary - 1} (its vocabulary is ${vocabulary})`;
}

/**
 * Checks a spec field by field and follows the shapes through its layers; every message names the
 * field (`layers[1].weights has 3 rows, expected 2 (units)`), and a layer whose input does not fit
 * is one error naming its index, its type and both shapes.
 */
export function validateSpec(spec: unknown, where = 'network'): NetworkSpec {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) throw new ValueError(`${where}: expected an object with 'inputs' and 'layers'`);
  const s = spec as Record<string, unknown>;
  for (const k of Object.keys(s)) if (!SPEC_KEYS.includes(k)) throw new ValueError(`${where}: unknown field '${k}' (known: ${SPEC_KEYS.join(', ')})`);
  if (Array.isArray(s.inputs)) {
    if (s.inputs.length < 1 || s.inputs.length > 3 || !s.inputs.every((d) => isWholeAtLeast(d, 1))) {
      throw new ValueError(`${where}.inputs must be a whole number ≥ 1 or the shape of one sample ([features], [channels, length] or [channels, height, width]), got ${JSON.stringify(s.inputs)}`);
    }
  } else if (!isWholeAtLeast(s.inputs, 1)) throw new ValueError(`${where}.inputs must be a whole number ≥ 1, got ${JSON.stringify(s.inputs)}`);
  if (!Array.isArray(s.layers) || s.layers.length === 0) throw new ValueError(`${where}.layers must be a non-empty array of layers`);
  if (s.layers.length > MAX_LAYERS) throw new ValueError(`${where}.layers has ${s.layers.length} layers; backprop builds at most ${MAX_LAYERS}`);
  if (s.loss !== undefined && !(LOSSES as readonly unknown[]).includes(s.loss)) throw new ValueError(`${where}.loss is ${JSON.stringify(s.loss)}; expected one of ${LOSSES.join(', ')}`);
  if (s.init !== undefined && !(INITS as readonly unknown[]).includes(s.init)) throw new ValueError(`${where}.init is ${JSON.stringify(s.init)}; expected one of ${INITS.join(', ')}`);
  if (s.initValue !== undefined && !Number.isFinite(s.initValue)) throw new ValueError(`${where}.initValue must be a finite number`);
  if (s.seed !== undefined && !isSeed(s.seed)) throw new ValueError(`${where}.seed must be a whole number from 0 to ${MAX_SEED}, got ${JSON.stringify(s.seed)}`);
  if (s.dtype !== undefined && s.dtype !== 'float32' && s.dtype !== 'float64') throw new ValueError(`${where}.dtype must be 'float32' or 'float64'`);
  const layers = resolveLayers(s as { inputs: number | number[]; layers: LayerSpec[] }, where);
  const last = layers[layers.length - 1];
  if (last.output.length !== 1) {
    throw new ShapeError(`${where}.layers[${last.index}] (${last.type}): the network's output shape ${fmtShape(last.output)} is not flat; end with a dense layer or add { "type": "flatten" }`);
  }
  const limit = s.dtype === 'float64' ? Number.MAX_VALUE : FLOAT32_MAX;
  const range = (v: number, what: string, at: string) => {
    if (Math.abs(v) > limit) throw new ValueError(`${at} is ${v}, outside float32's range (±3.4028235e38); ${what} of a float32 network must fit float32 (the file is damaged, or use dtype 'float64')`);
  };
  const number = (v: unknown, what: string, at: string) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ValueError(`${at} is ${JSON.stringify(v)}; ${what} must be finite numbers`);
    range(v, what, at);
  };
  for (const layer of layers) {
    const at = `${where}.layers[${layer.index}]`;
    const l = layer.spec as unknown as Record<string, unknown>;
    for (const t of layer.tensors) {
      const value = l[t.field];
      if (value === undefined) continue;
      const rows = t.shape[0];
      const what = t.field === 'bias' ? 'biases' : t.field;
      if (t.shape.length === 0) {
        number(value, what, `${at}.${t.field}`);
        continue;
      }
      if (t.shape.length === 1) {
        if (!Array.isArray(value)) throw new ValueError(`${at}.${t.field} must be an array of ${rows} numbers`);
        if (value.length !== rows) throw new ShapeError(`${at}.${t.field} has ${value.length} numbers, expected ${rows} (${t.rows})`);
        value.forEach((v: unknown, j: number) => number(v, what, `${at}.${t.field}[${j}]`));
        continue;
      }
      const width = t.shape.slice(1).reduce((x, y) => x * y, 1);
      if (!Array.isArray(value)) throw new ValueError(`${at}.${t.field} must be an array of ${rows} rows (one per ${t.rows === 'units' ? 'neuron' : t.rows.replace(/s$/, '')})`);
      if (value.length !== rows) throw new ShapeError(`${at}.${t.field} has ${value.length} rows, expected ${rows} (${t.rows})`);
      value.forEach((row: unknown, j: number) => {
        if (!Array.isArray(row)) throw new ValueError(`${at}.${t.field}[${j}] must be an array of ${width} numbers`);
        if (row.length !== width) throw new ShapeError(`${at}.${t.field}[${j}] has ${row.length} numbers, expected ${width} (${t.rowIs ?? rowOrigin(layer.index, layers)})`);
        row.forEach((v: unknown, i: number) => number(v, what, `${at}.${t.field}[${j}][${i}]`));
      });
    }
  }
  return spec as NetworkSpec;
}

/** The module's tensors by state-dict name: its parameters and its buffers (running statistics). */
function tensorsOf(m: Module): Map<string, Tensor> {
  return new Map([...m.namedParameters(), ...m.namedBuffers()]);
}

/** A tensor as the spec writes it: a number for 0-D (a count), numbers for 1-D, else one row per first-axis entry. */
function tensorToJSON(t: Tensor): number | number[] | number[][] {
  if (t.rank === 0) return t.data[0];
  if (t.rank === 1) return Array.from(t.data);
  const rows = t.shape[0], width = t.size / rows;
  return Array.from({ length: rows }, (_, j) => Array.from(t.data.subarray(j * width, (j + 1) * width)));
}

/**
 * A feed-forward network from a JSON-able spec, with learn/predict.
 * @example
 * const net = new Network({ inputs: 2, layers: [{ units: 4, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }], loss: 'bce', seed: 1 });
 * net.learn([[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]], { epochs: 500, learningRate: 0.5, batchSize: 'full' });
 * net.predict([[1, 0]]) // [[0.97…]]
 */
export class Network {
  /** The number of values in one sample (the product of inputShape). */
  readonly inputs: number;
  /** One sample's shape: [features], or [channels, height, width] for images. */
  readonly inputShape: readonly number[];
  readonly loss: LossName;
  /** Each layer's type, spec and shapes, in order (what the exporters and the explainer read). */
  readonly architecture: readonly ResolvedLayer[];
  /** One module per spec layer (Dense, Conv2d, MaxPool2d, …), in order. */
  readonly modules: readonly Module[];
  /** The layers as a Sequential module (parameters named 'layers.0.weight', …). */
  readonly model: Sequential;
  private readonly meta: Pick<NetworkSpec, 'init' | 'initValue' | 'seed' | 'dtype'>;
  private readonly inputsAsGiven: number | number[];

  constructor(spec: NetworkSpec) {
    validateSpec(spec);
    checkNetworkSize(spec);
    this.inputsAsGiven = Array.isArray(spec.inputs) ? [...spec.inputs] : spec.inputs;
    this.inputShape = inputShape(spec);
    this.inputs = sampleSize(this.inputShape);
    this.loss = spec.loss ?? 'mse';
    this.meta = { init: spec.init, initValue: spec.initValue, seed: spec.seed, dtype: spec.dtype };
    const random = new Random(spec.seed ?? 0);
    this.architecture = resolveLayers(spec).map((r) => ({ ...r, spec: LAYER_TYPE_TABLE[r.type].hyper(r.spec as never) }) as ResolvedLayer);
    this.modules = spec.layers.map((l: LayerSpec, index) => {
      const { type, input, tensors } = this.architecture[index];
      const module = (LAYER_TYPE_TABLE[type] as LayerTypeEntry<LayerSpec>).build(l, input, {
        init: spec.init ?? 'xavier', initValue: spec.initValue, random, dtype: spec.dtype ?? 'float32', seed: spec.seed ?? 0, index,
      });
      const own = tensorsOf(module);
      for (const t of tensors) {
        const value = (l as Record<string, unknown>)[t.field] as number | number[] | number[][] | undefined;
        if (value !== undefined) own.get(t.key)!.data.set(typeof value === 'number' ? [value] : value.flat());
      }
      return module;
    });
    this.model = new Sequential(...this.modules);
  }

  /**
   * The layers as Dense layers, for a network of Dense layers only (what the Dense-only tools use);
   * for any other network it throws, naming the first other layer: use `modules` or `architecture`.
   * @example net.layers[0].weight.grad
   */
  get layers(): readonly Dense[] {
    const other = this.architecture.find((l) => l.type !== 'dense');
    if (other) throw new ValueError(`Network.layers: layers[${other.index}] is ${other.type}, not dense; use net.modules (the modules) or net.architecture (types and shapes)`);
    return this.modules as Dense[];
  }

  /** Whether every layer is Dense (and the input a plain feature count). */
  get isDense(): boolean {
    return typeof this.inputsAsGiven === 'number' && this.architecture.every((l) => l.type === 'dense');
  }

  static fromJSON(spec: NetworkSpec): Network {
    return new Network(spec);
  }

  get outputs(): number {
    return this.architecture[this.architecture.length - 1].output[0];
  }

  /** The activation the last layer ends with ('linear' for a layer without one). */
  get outputActivation(): ActivationName {
    const last = this.architecture[this.architecture.length - 1];
    return (LAYER_TYPE_TABLE[last.type] as LayerTypeEntry<LayerSpec>).activation(last.spec) ?? 'linear';
  }

  /** A batch [rows, inputs] (or already [rows, ...inputShape]) in the layers' shape [rows, ...inputShape]. */
  private shaped(x: Tensor): Tensor {
    if (this.inputShape.length === 1 || x.rank === this.inputShape.length + 1) return x;
    return reshape(x, [x.shape[0], ...this.inputShape]);
  }

  /** A Tensor of samples in the input's shape [rows, ...inputShape] as rows [rows, inputs] (what the data checks take). */
  private flatRows(x: InputData): InputData {
    if (!(x instanceof Tensor) || this.inputShape.length === 1 || x.rank !== this.inputShape.length + 1) return x;
    if (x.shape.slice(1).some((d, i) => d !== this.inputShape[i])) {
      throw new ShapeError(`network: samples have shape ${fmtShape(x.shape.slice(1))}, expected ${fmtShape(this.inputShape)} (the network's inputs)`);
    }
    return x.reshape([x.shape[0], this.inputs]);
  }

  /**
   * A network that starts with an embedding takes whole-number indices: one line naming the row, the
   * column and the value that is not one (before any step runs, compiled or not).
   */
  private checkIndices(what: string, x: Tensor): void {
    const vocabulary = this.tokenVocabulary();
    if (vocabulary === null) return;
    const i = firstBadTokenId(x.data, vocabulary);
    if (i < 0) return;
    const width = this.inputs;
    throw new ValueError(`${what}: row ${Math.floor(i / width)} has ${x.data[i]} at column ${i % width}; ${tokenIdRule(vocabulary)}`);
  }

  /** The vocabulary of a network whose first layer is an embedding (its inputs are token ids); null for any other network. */
  tokenVocabulary(): number | null {
    const first = this.architecture[0];
    return first.type === 'embedding' ? (first.spec as { vocabulary: number }).vocabulary : null;
  }

  /** Outputs for a batch [rows, inputs], recording the graph when gradients are enabled. */
  forward(x: Tensor): Tensor {
    return this.model.forward(this.shaped(x));
  }

  /** The last layer's pre-activation outputs (logits). */
  logits(x: Tensor): Tensor {
    x = this.shaped(x);
    const last = this.modules.length - 1;
    for (let i = 0; i < last; i++) x = this.modules[i].forward(x);
    const m = this.modules[last];
    return isActivated(m) ? m.preActivation(x) : m.forward(x);
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
    const x = toInputTensor('predict', this.flatRows(inputs), this.inputs, this.dtype);
    this.checkIndices('predict', x);
    const out = this.inEval(() => noGrad(() => this.forward(x)));
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
    const x = toInputTensor('learn inputs', this.flatRows(inputs), this.inputs, this.dtype);
    this.checkIndices('learn inputs', x);
    const y = toTargetTensor('learn targets', targets, x.shape[0], this.outputs, this.classIndexTargets(), this.dtype);
    const optimizer = this.makeOptimizer(options);
    const { forward, loss, outputsAreLogits } = this.lossForTraining();
    const trainable: Trainable = { forward, parameters: () => this.model.parameters(), namedBuffers: () => this.model.namedBuffers(), train: (m) => this.model.train(m), eval: () => this.model.eval() };
    let validationData: [Tensor, Tensor] | undefined;
    if (options.validationData) {
      const vx = toInputTensor('learn validationData inputs', this.flatRows(options.validationData[0]), this.inputs, this.dtype);
    this.checkIndices('learn validationData inputs', vx);
      validationData = [vx, toTargetTensor('learn validationData targets', options.validationData[1], vx.shape[0], this.outputs, this.classIndexTargets(), this.dtype)];
    }
    // Every FitOptions key, written out in one literal (not `{ ...rest, … }` from the caller's
    // options): with the spread, V8's IC log of a benchmark that trains many fresh networks showed
    // Training's per-batch and per-epoch reads of its options (signal, accuracy, scheduler, …) going
    // megamorphic after a few networks; one literal keeps them monomorphic (measured ≈ 10% of XOR).
    const o = options;
    const fitOptions = {
      loss, optimizer, epochs: o.epochs, batchSize: o.batchSize, shuffle: o.shuffle, seed: o.seed,
      validationSplit: o.validationSplit, validationData,
      accuracy: this.isClassifier() ? (out: Tensor, t: Tensor) => classificationAccuracy(out, t, outputsAreLogits ? 0 : 0.5) : undefined,
      onEpochEnd: o.onEpochEnd, onBatchEnd: o.onBatchEnd, signal: o.signal, earlyStopping: o.earlyStopping, tolerance: o.tolerance,
      divergenceFactor: o.divergenceFactor, scheduler: o.scheduler, compiled: o.compiled,
    } satisfies Record<keyof FitOptions, unknown>;
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
    const x = toInputTensor('evaluate inputs', this.flatRows(inputs), this.inputs, this.dtype);
    this.checkIndices('evaluate inputs', x);
    const y = toTargetTensor('evaluate targets', targets, x.shape[0], this.outputs, this.classIndexTargets(), this.dtype);
    const { forward, loss, outputsAreLogits } = this.lossForTraining();
    return this.inEval(() => noGrad(() => {
      const out = forward(x);
      const result: { loss: number; accuracy?: number } = { loss: loss(out, y).item() };
      if (this.isClassifier()) result.accuracy = classificationAccuracy(out, y, outputsAreLogits ? 0 : 0.5);
      return result;
    }));
  }

  /** Runs f with every module in evaluation mode (dropout off), then restores the mode it found. */
  private inEval<T>(f: () => T): T {
    const was = this.model.training;
    this.model.eval();
    try {
      return f();
    } finally {
      this.model.train(was);
    }
  }

  parameters(): Tensor[] {
    return this.model.parameters();
  }

  /** Dotted names: 'layers.0.weight', 'layers.0.bias', …. */
  namedParameters(): [string, Tensor][] {
    return this.model.namedParameters('layers.');
  }

  /**
   * Parameters and buffers (running statistics) by dotted name, in PyTorch's state_dict order
   * (copies): what safetensors files hold.
   * @example net.namedTensors().map(([n]) => n) // ['layers.0.weight', …, 'layers.1.running_mean', …]
   */
  namedTensors(): [string, Tensor][] {
    return Object.entries(this.model.stateDict()).map(([n, t]) => [`layers.${n}`, t]);
  }

  /** The spec with every weight and bias filled in (plain numbers; a convolution's weights one row per filter). */
  toJSON(): NetworkSpec {
    const spec: NetworkSpec = {
      inputs: Array.isArray(this.inputsAsGiven) ? [...this.inputsAsGiven] : this.inputsAsGiven,
      layers: this.architecture.map((r, i) => {
        const layer = { ...r.spec } as Record<string, unknown>;
        const own = tensorsOf(this.modules[i]);
        for (const t of r.tensors) layer[t.field] = tensorToJSON(own.get(t.key)!);
        return layer as LayerSpec;
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
