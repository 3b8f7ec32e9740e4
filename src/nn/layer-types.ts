/**
 * The layer types of the JSON spec, one row each (`LAYER_TYPE_TABLE`): the fields a layer of that
 * type takes and their checks, its output shape from its input shape (one sample, no batch axis),
 * its tensors (JSON field ↔ state-dict name, PyTorch layouts), the module it builds and the fields
 * a trained model writes back. The table's type makes a name in LAYER_TYPES without a row a compile
 * error; the exporters and the explainer keep their own per-type tables, typed the same way.
 */
import { Tensor, zeros } from '../tensor/tensor.js';
import { Random } from '../tensor/random.js';
import { ShapeError, ValueError, fmtShape } from '../tensor/errors.js';
import { noGrad } from '../autograd/graph.js';
import { avgPool2d, conv1d, conv2d, globalAvgPool2d as globalAvgPool2dOp, maxPool2d } from '../ops/index.js';
import {
  ACTIVATIONS, LAYER_TYPES, layerType, type ActivationName, type InitName, type LayerSpec, type LayerSpecs, type LayerTypeName, type PairSpec,
} from '../spec/index.js';
import { applyActivation } from './activations.js';
import { Conv1d, Conv2d, AvgPool2d, Flatten, MaxPool2d } from './conv.js';
import { Dropout } from './dropout.js';
import { GRU, LSTM, RNN } from './recurrent.js';
import { Dense } from './layers.js';
import { Module } from './module.js';
import { BatchNorm1d, BatchNorm2d, LayerNorm } from './norm.js';
import { Embedding } from './embedding.js';
import { MultiHeadAttention } from './attention.js';

/** The shape of one sample, without the batch axis: [features], [channels, length], [channels, height, width]. */
export type SampleShape = readonly number[];

/** One tensor a layer keeps: its JSON field, its state-dict name (PyTorch's) and its shape. */
export interface LayerTensor {
  /** The spec field: 'weights' (one row per output unit/filter, the rest of the shape flattened in PyTorch's order) or 'bias' (numbers). */
  field: string;
  /** The module's name for it: 'weight', 'bias' (and, for layers with buffers, 'running_mean', …). */
  key: string;
  shape: readonly number[];
  /** What the first axis counts, for messages: 'units', 'filters'. */
  rows: string;
  /** What one row's length is, for messages (default: the layer's input). */
  rowIs?: string;
  /** A buffer (running statistics): state the layer keeps, not a trained parameter, so not counted as one. */
  buffer?: true;
}

/** What building a layer may use: the network's initialiser, generator and element type, and the layer's index. */
export interface BuildContext {
  init: InitName;
  initValue?: number;
  random: Random;
  dtype: 'float32' | 'float64';
  /** The network's seed (default 0), from which per-layer seeds (dropout) are derived. */
  seed: number;
  index: number;
}

/** A module whose last step is an activation, with the value before it (what fused losses need). */
export interface Activated {
  readonly activation: ActivationName;
  preActivation(x: Tensor): Tensor;
}

/** Whether a module has `preActivation` and `activation` (Dense, and the convolutions of the spec). */
export function isActivated(m: Module): m is Module & Activated {
  return typeof (m as Partial<Activated>).preActivation === 'function' && typeof (m as Partial<Activated>).activation === 'string';
}

/** One row of the table. `S` is the type's spec interface (src/spec). */
export interface LayerTypeEntry<S> {
  /** The JSON fields besides `type`. */
  readonly fields: readonly string[];
  /** Checks the fields that need no shapes; messages name `${at}.field`. */
  validate(l: S, at: string): void;
  /** The output shape for this input shape; throws a ShapeError (without the layer prefix) when it does not fit. */
  outputShape(l: S, input: SampleShape): number[];
  /** The tensors the layer holds, for this input shape (their JSON fields and shapes). */
  tensors(l: S, input: SampleShape): LayerTensor[];
  /** The module (its tensors initialised; the spec's values are copied in afterwards). */
  build(l: S, input: SampleShape, cx: BuildContext): Module;
  /** The activation the layer ends with, if any (the output layer's decides the fused loss). */
  activation(l: S): ActivationName | null;
  /** The fields a trained model writes back (without its tensors), defaults made explicit where they matter. */
  hyper(l: S): S;
}

export type LayerTypeTable = { readonly [T in LayerTypeName]: LayerTypeEntry<LayerSpecs[T]> };

// ---- field checks, shared by the rows -------------------------------------------------------------

function whole(v: unknown, at: string, min: number): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new ValueError(`${at} must be a whole number ≥ ${min}, got ${JSON.stringify(v)}`);
}

function pair(v: unknown, at: string, min: number): void {
  if (Array.isArray(v)) {
    if (v.length !== 2) throw new ValueError(`${at} must be a number or a pair [height, width], got ${JSON.stringify(v)}`);
    v.forEach((x, i) => whole(x, `${at}[${i}]`, min));
  } else whole(v, at, min);
}

function padding(v: unknown, at: string, pairs: boolean): void {
  if (v === 'same' || v === 'valid') return;
  if (typeof v === 'string') throw new ValueError(`${at} is ${JSON.stringify(v)}; expected a number${pairs ? ', a pair [height, width]' : ''}, 'same' or 'valid'`);
  if (pairs) pair(v, at, 0);
  else whole(v, at, 0);
}

function activationField(l: { activation?: unknown; alpha?: unknown }, at: string): void {
  if (l.activation !== undefined && !(ACTIVATIONS as readonly unknown[]).includes(l.activation)) {
    throw new ValueError(`${at}.activation is ${JSON.stringify(l.activation)}; expected one of ${ACTIVATIONS.join(', ')}`);
  }
  if (l.alpha !== undefined && !Number.isFinite(l.alpha)) throw new ValueError(`${at}.alpha must be a finite number`);
}

const asPair = (p: PairSpec): [number, number] => (Array.isArray(p) ? [p[0], p[1]] : [p, p]);

function rankIs(type: string, input: SampleShape, rank: number, layout: string, hint: string): void {
  if (input.length !== rank) throw new ShapeError(`${type} takes ${layout}, not ${fmtShape(input)}; ${hint}`);
}

/**
 * The output shape of an op on one sample, found by running the op itself on a batch of none (so
 * the geometry stays written once, in the op): its error, if any, with the batch axis named.
 */
function probe(run: (x: Tensor) => Tensor, input: SampleShape): number[] {
  try {
    return noGrad(() => run(zeros([0, ...input]))).shape.slice(1);
  } catch (err) {
    if (err instanceof ShapeError || err instanceof ValueError) throw new ShapeError(err.message.replace(/\[0, /g, '[batch, '));
    throw err;
  }
}

const CHANNELS_HINT = "give inputs as [channels, height, width], e.g. [1, 28, 28]";

// ---- the convolutions: modules with the spec's activation ----------------------------------------

/** A Conv2d followed by the spec's activation. @example new ActivatedConv2d(1, 16, 3, { padding: 'same' }, 'relu') */
export class ActivatedConv2d extends Conv2d implements Activated {
  constructor(inChannels: number, outChannels: number, kernelSize: PairSpec, options: ConstructorParameters<typeof Conv2d>[3], readonly activation: ActivationName = 'linear', readonly alpha = 0.01) {
    super(inChannels, outChannels, kernelSize, options);
  }

  preActivation(x: Tensor): Tensor {
    return super.forward(x);
  }

  override forward(x: Tensor): Tensor {
    return applyActivation(this.activation, super.forward(x), this.alpha);
  }
}

/** A Conv1d followed by the spec's activation. @example new ActivatedConv1d(4, 8, 3, {}, 'tanh') */
export class ActivatedConv1d extends Conv1d implements Activated {
  constructor(inChannels: number, outChannels: number, kernelSize: number, options: ConstructorParameters<typeof Conv1d>[3], readonly activation: ActivationName = 'linear', readonly alpha = 0.01) {
    super(inChannels, outChannels, kernelSize, options);
  }

  preActivation(x: Tensor): Tensor {
    return super.forward(x);
  }

  override forward(x: Tensor): Tensor {
    return applyActivation(this.activation, super.forward(x), this.alpha);
  }
}

function withActivation<S extends { activation?: ActivationName; alpha?: number }>(l: S, rest: S): S {
  const out = { ...rest, activation: l.activation ?? 'linear' };
  if (l.activation === 'leakyRelu' && l.alpha !== undefined) out.alpha = l.alpha;
  else delete out.alpha;
  return out;
}

/** The spec's fields without its tensors, `type` first. */
function withoutTensors<S extends object>(l: S): S {
  const { weights: _w, bias: _b, ...rest } = l as S & { weights?: unknown; bias?: unknown };
  return rest as S;
}

function convTensors(filters: number, inChannels: number, groups: number, kernel: number[]): LayerTensor[] {
  const per = inChannels / groups;
  return [
    { field: 'weights', key: 'weight', shape: [filters, per, ...kernel], rows: 'filters', rowIs: `inChannels/groups × ${kernel.length === 2 ? 'kh × kw' : 'k'} = ${per}${kernel.map((k) => ` × ${k}`).join('')}` },
    { field: 'bias', key: 'bias', shape: [filters], rows: 'filters' },
  ];
}

function checkGroups(type: string, channels: number, filters: number, groups: number): void {
  if (channels % groups !== 0 || filters % groups !== 0) {
    throw new ShapeError(`${type}: groups (${groups}) must divide both the input's ${channels} channels and the ${filters} filters`);
  }
}

const CONV_FIELDS = ['filters', 'kernelSize', 'stride', 'padding', 'dilation', 'groups', 'activation', 'alpha', 'weights', 'bias'] as const;
const POOL_FIELDS = ['poolSize', 'stride', 'padding'] as const;

function validatePool(l: { poolSize?: unknown; stride?: unknown; padding?: unknown }, at: string): void {
  if (l.poolSize === undefined) throw new ValueError(`${at}.poolSize is required (a number or [height, width], e.g. 2)`);
  pair(l.poolSize, `${at}.poolSize`, 1);
  if (l.stride !== undefined) pair(l.stride, `${at}.stride`, 1);
  if (l.padding !== undefined) pair(l.padding, `${at}.padding`, 0);
}

const poolOptions = (l: LayerSpecs['maxPool2d']) => ({ ...(l.stride !== undefined ? { stride: l.stride } : {}), ...(l.padding !== undefined ? { padding: l.padding } : {}) });

// ---- issue 12, recurrent layers: one row-builder for lstm, gru and rnn ---------------------------

type RecurrentTypeName = 'lstm' | 'gru' | 'rnn';

/** Each recurrent type's module, gate count and gate names (PyTorch's order). */
const RECURRENT_KINDS = {
  lstm: { gates: ['i', 'f', 'g', 'o'], module: LSTM },
  gru: { gates: ['r', 'z', 'n'], module: GRU },
  rnn: { gates: ['h'], module: RNN },
} as const;

/**
 * The row of a recurrent type: samples [time, features] → [units] (the last step's hidden state) or
 * [time, units] (`returnSequences`); tensors weight_ih, weight_hh, bias_ih, bias_hh in PyTorch's
 * layouts. Initialised as PyTorch does (U(±1/√units) for every tensor), whatever the network's `init`.
 */
function recurrentRow<T extends RecurrentTypeName>(type: T): LayerTypeEntry<LayerSpecs[T]> {
  const { gates, module } = RECURRENT_KINDS[type];
  const G = gates.length;
  const rows = G === 1 ? 'units' : `${G} gates (${gates.join(', ')}) × units`;
  return {
    fields: ['units', 'returnSequences', ...(type === 'rnn' ? ['nonlinearity'] : []), 'weightIh', 'weightHh', 'biasIh', 'biasHh'],
    validate(l, at) {
      whole(l.units, `${at}.units`, 1);
      if (l.returnSequences !== undefined && typeof l.returnSequences !== 'boolean') throw new ValueError(`${at}.returnSequences must be true or false, got ${JSON.stringify(l.returnSequences)}`);
      const act = (l as LayerSpecs['rnn']).nonlinearity;
      if (act !== undefined && act !== 'tanh' && act !== 'relu') throw new ValueError(`${at}.nonlinearity is ${JSON.stringify(act)}; expected 'tanh' or 'relu'`);
    },
    outputShape(l, input) {
      rankIs(type, input, 2, '[time, features] samples', 'give inputs as [time, features], e.g. [20, 8] (each row holds time·features values)');
      return l.returnSequences ? [input[0], l.units] : [l.units];
    },
    tensors: (l, input) => [
      { field: 'weightIh', key: 'weight_ih', shape: [G * l.units, input[1]], rows, rowIs: 'features per step' },
      { field: 'weightHh', key: 'weight_hh', shape: [G * l.units, l.units], rows, rowIs: 'units' },
      { field: 'biasIh', key: 'bias_ih', shape: [G * l.units], rows },
      { field: 'biasHh', key: 'bias_hh', shape: [G * l.units], rows },
    ],
    build(l, input, cx) {
      const options = { returnSequences: l.returnSequences ?? false, random: cx.random, dtype: cx.dtype };
      if (type === 'rnn') return new RNN(input[1], l.units, { ...options, nonlinearity: (l as LayerSpecs['rnn']).nonlinearity ?? 'tanh' });
      return new module(input[1], l.units, options);
    },
    activation: () => null,
    hyper(l) {
      const out = { type, units: l.units, returnSequences: l.returnSequences ?? false } as LayerSpecs[T];
      if (type === 'rnn') (out as LayerSpecs['rnn']).nonlinearity = (l as LayerSpecs['rnn']).nonlinearity ?? 'tanh';
      return out;
    },
  };
}

// ---- the table ---------------------------------------------------------------------------------

export const LAYER_TYPE_TABLE: LayerTypeTable = {
  dense: {
    fields: ['units', 'activation', 'alpha', 'weights', 'bias'],
    validate(l, at) {
      whole(l.units, `${at}.units`, 1);
      activationField(l, at);
    },
    outputShape(l, input) {
      if (input.length !== 1) throw new ShapeError(`dense takes a flat input [features], not ${fmtShape(input)}; add { "type": "flatten" } before it`);
      return [l.units];
    },
    tensors: (l, input) => [
      { field: 'weights', key: 'weight', shape: [l.units, input[0]], rows: 'units' },
      { field: 'bias', key: 'bias', shape: [l.units], rows: 'units' },
    ],
    build: (l, input, cx) => new Dense(input[0], l.units, {
      init: cx.init, initValue: cx.initValue, random: cx.random, dtype: cx.dtype, activation: l.activation ?? 'linear', alpha: l.alpha,
    }),
    activation: (l) => l.activation ?? 'linear',
    hyper: (l) => {
      const out: LayerSpecs['dense'] = { units: l.units, activation: l.activation ?? 'linear' };
      if (l.activation === 'leakyRelu') out.alpha = l.alpha ?? 0.01;
      return out;
    },
  },

  conv2d: {
    fields: CONV_FIELDS,
    validate(l, at) {
      whole(l.filters, `${at}.filters`, 1);
      if (l.kernelSize === undefined) throw new ValueError(`${at}.kernelSize is required (a number or [height, width], e.g. 3)`);
      pair(l.kernelSize, `${at}.kernelSize`, 1);
      if (l.stride !== undefined) pair(l.stride, `${at}.stride`, 1);
      if (l.padding !== undefined) padding(l.padding, `${at}.padding`, true);
      if (l.dilation !== undefined) pair(l.dilation, `${at}.dilation`, 1);
      if (l.groups !== undefined) whole(l.groups, `${at}.groups`, 1);
      activationField(l, at);
    },
    outputShape(l, input) {
      rankIs('conv2d', input, 3, '[channels, height, width]', CHANNELS_HINT);
      checkGroups('conv2d', input[0], l.filters, l.groups ?? 1);
      const w = zeros([l.filters, input[0] / (l.groups ?? 1), ...asPair(l.kernelSize)]);
      return probe((x) => conv2d(x, w, null, { stride: l.stride, padding: l.padding, dilation: l.dilation, groups: l.groups }), input);
    },
    tensors: (l, input) => convTensors(l.filters, input[0], l.groups ?? 1, asPair(l.kernelSize)),
    build: (l, input, cx) => new ActivatedConv2d(input[0], l.filters, l.kernelSize, {
      stride: l.stride, padding: l.padding, dilation: l.dilation, groups: l.groups, random: cx.random, dtype: cx.dtype,
    }, l.activation ?? 'linear', l.alpha),
    activation: (l) => l.activation ?? 'linear',
    hyper: (l) => withActivation(l, withoutTensors(l)),
  },

  conv1d: {
    fields: CONV_FIELDS,
    validate(l, at) {
      whole(l.filters, `${at}.filters`, 1);
      whole(l.kernelSize, `${at}.kernelSize`, 1);
      if (l.stride !== undefined) whole(l.stride, `${at}.stride`, 1);
      if (l.padding !== undefined) padding(l.padding, `${at}.padding`, false);
      if (l.dilation !== undefined) whole(l.dilation, `${at}.dilation`, 1);
      if (l.groups !== undefined) whole(l.groups, `${at}.groups`, 1);
      activationField(l, at);
    },
    outputShape(l, input) {
      rankIs('conv1d', input, 2, '[channels, length]', 'give inputs as [channels, length], e.g. [1, 100]');
      checkGroups('conv1d', input[0], l.filters, l.groups ?? 1);
      const w = zeros([l.filters, input[0] / (l.groups ?? 1), l.kernelSize]);
      return probe((x) => conv1d(x, w, null, { stride: l.stride, padding: l.padding, dilation: l.dilation, groups: l.groups }), input);
    },
    tensors: (l, input) => convTensors(l.filters, input[0], l.groups ?? 1, [l.kernelSize]),
    build: (l, input, cx) => new ActivatedConv1d(input[0], l.filters, l.kernelSize, {
      stride: l.stride, padding: l.padding, dilation: l.dilation, groups: l.groups, random: cx.random, dtype: cx.dtype,
    }, l.activation ?? 'linear', l.alpha),
    activation: (l) => l.activation ?? 'linear',
    hyper: (l) => withActivation(l, withoutTensors(l)),
  },

  maxPool2d: {
    fields: POOL_FIELDS,
    validate: validatePool,
    outputShape(l, input) {
      rankIs('maxPool2d', input, 3, '[channels, height, width]', CHANNELS_HINT);
      return probe((x) => maxPool2d(x, l.poolSize, poolOptions(l)), input);
    },
    tensors: () => [],
    build: (l) => new MaxPool2d(l.poolSize, poolOptions(l)),
    activation: () => null,
    hyper: (l) => ({ ...l }),
  },

  avgPool2d: {
    fields: POOL_FIELDS,
    validate: validatePool,
    outputShape(l, input) {
      rankIs('avgPool2d', input, 3, '[channels, height, width]', CHANNELS_HINT);
      return probe((x) => avgPool2d(x, l.poolSize, poolOptions(l as unknown as LayerSpecs['maxPool2d'])), input);
    },
    tensors: () => [],
    build: (l) => new AvgPool2d(l.poolSize, poolOptions(l as unknown as LayerSpecs['maxPool2d'])),
    activation: () => null,
    hyper: (l) => ({ ...l }),
  },

  globalAvgPool2d: {
    fields: [],
    validate() {},
    outputShape(_, input) {
      rankIs('globalAvgPool2d', input, 3, '[channels, height, width]', CHANNELS_HINT);
      return [input[0]];
    },
    tensors: () => [],
    build: () => new GlobalAvgPool2d(),
    activation: () => null,
    hyper: (l) => ({ ...l }),
  },

  flatten: {
    fields: [],
    validate() {},
    outputShape: (_, input) => [input.reduce((a, b) => a * b, 1)],
    tensors: () => [],
    build: () => new Flatten(1),
    activation: () => null,
    hyper: (l) => ({ ...l }),
  },

  dropout: {
    fields: ['rate', 'seed'],
    validate(l, at) {
      if (typeof l.rate !== 'number' || !(l.rate >= 0 && l.rate < 1)) throw new ValueError(`${at}.rate must be a probability in [0, 1), got ${JSON.stringify(l.rate)}`);
      if (l.seed !== undefined) whole(l.seed, `${at}.seed`, 0);
      if (l.seed !== undefined && l.seed > 4294967295) throw new ValueError(`${at}.seed must be at most 4294967295, got ${l.seed}`);
    },
    outputShape: (_, input) => [...input],
    tensors: () => [],
    // Without a seed of its own, each dropout layer's masks follow the network's seed and its index.
    build: (l, _, cx) => new Dropout(l.rate, { seed: l.seed ?? ((cx.seed + 0x9e3779b9 * (cx.index + 1)) >>> 0) }),
    activation: () => null,
    hyper: (l) => ({ ...l }),
  },

  // ---- normalisation, embedding, attention ----------------------------------------------------

  batchNorm: {
    fields: ['momentum', 'eps', 'scale', 'bias', 'runningMean', 'runningVar', 'numBatchesTracked'],
    validate(l, at) {
      if (l.momentum !== undefined && (typeof l.momentum !== 'number' || !(l.momentum >= 0 && l.momentum <= 1))) throw new ValueError(`${at}.momentum must be a number in [0, 1], got ${JSON.stringify(l.momentum)}`);
      epsField(l.eps, at);
    },
    outputShape(_, input) {
      if (input.length < 1 || input.length > 3) throw new ShapeError(`batchNorm takes [channels], [channels, length] or [channels, height, width], not ${fmtShape(input)}`);
      return [...input];
    },
    tensors: (_, input) => [
      { field: 'scale', key: 'weight', shape: [input[0]], rows: 'channels' },
      { field: 'bias', key: 'bias', shape: [input[0]], rows: 'channels' },
      { field: 'runningMean', key: 'running_mean', shape: [input[0]], rows: 'channels', buffer: true },
      { field: 'runningVar', key: 'running_var', shape: [input[0]], rows: 'channels', buffer: true },
      { field: 'numBatchesTracked', key: 'num_batches_tracked', shape: [], rows: 'a count', buffer: true },
    ],
    // [channels] and [channels, length] samples are BatchNorm1d's [N, C] and [N, C, L]; images BatchNorm2d's.
    build: (l, input, cx) => new (input.length === 3 ? BatchNorm2d : BatchNorm1d)(input[0], { momentum: l.momentum ?? 0.1, eps: l.eps ?? 1e-5, dtype: cx.dtype }),
    activation: () => null,
    hyper: (l) => ({ type: 'batchNorm', momentum: l.momentum ?? 0.1, eps: l.eps ?? 1e-5 }),
  },

  layerNorm: {
    fields: ['eps', 'scale', 'bias'],
    validate(l, at) {
      epsField(l.eps, at);
    },
    outputShape: (_, input) => [...input],
    tensors: (_, input) => [
      { field: 'scale', key: 'weight', shape: [input[input.length - 1]], rows: 'features' },
      { field: 'bias', key: 'bias', shape: [input[input.length - 1]], rows: 'features' },
    ],
    build: (l, input, cx) => new LayerNorm(input[input.length - 1], { eps: l.eps ?? 1e-5, dtype: cx.dtype }),
    activation: () => null,
    hyper: (l) => ({ type: 'layerNorm', eps: l.eps ?? 1e-5 }),
  },

  embedding: {
    fields: ['vocabulary', 'dim', 'weights'],
    validate(l, at) {
      whole(l.vocabulary, `${at}.vocabulary`, 1);
      whole(l.dim, `${at}.dim`, 1);
    },
    outputShape: (l, input) => [...input, l.dim],
    tensors: (l) => [{ field: 'weights', key: 'weight', shape: [l.vocabulary, l.dim], rows: 'vocabulary', rowIs: `dim = ${l.dim}` }],
    build: (l, _, cx) => new Embedding(l.vocabulary, l.dim, { random: cx.random, dtype: cx.dtype }),
    activation: () => null,
    hyper: (l) => ({ type: 'embedding', vocabulary: l.vocabulary, dim: l.dim }),
  },

  attention: {
    fields: ['heads', 'dim', 'causal', 'inProjWeight', 'inProjBias', 'outProjWeight', 'outProjBias'],
    validate(l, at) {
      whole(l.heads, `${at}.heads`, 1);
      whole(l.dim, `${at}.dim`, 1);
      if (l.dim % l.heads !== 0) throw new ValueError(`${at}: dim (${l.dim}) must be divisible by heads (${l.heads}), e.g. dim ${l.heads * Math.max(1, Math.round(l.dim / l.heads))}`);
      if (l.causal !== undefined && typeof l.causal !== 'boolean') throw new ValueError(`${at}.causal must be true or false, got ${JSON.stringify(l.causal)}`);
    },
    outputShape(l, input) {
      if (input.length !== 2) throw new ShapeError(`attention takes a sequence [time, dim] (self-attention over time), not ${fmtShape(input)}; give inputs as [time, features] or start with an embedding`);
      if (input[1] !== l.dim) throw new ShapeError(`attention's dim is ${l.dim} but its input has ${input[1]} features per step; set "dim": ${input[1]}`);
      return [...input];
    },
    tensors: (l) => [
      { field: 'inProjWeight', key: 'in_proj_weight', shape: [3 * l.dim, l.dim], rows: 'query, key and value rows (3·dim)', rowIs: `dim = ${l.dim}` },
      { field: 'inProjBias', key: 'in_proj_bias', shape: [3 * l.dim], rows: '3·dim' },
      { field: 'outProjWeight', key: 'out_proj.weight', shape: [l.dim, l.dim], rows: 'dim', rowIs: `dim = ${l.dim}` },
      { field: 'outProjBias', key: 'out_proj.bias', shape: [l.dim], rows: 'dim' },
    ],
    build: (l, _, cx) => new MultiHeadAttention(l.dim, l.heads, { causal: l.causal ?? false, random: cx.random, dtype: cx.dtype }),
    activation: () => null,
    hyper: (l) => ({ type: 'attention', heads: l.heads, dim: l.dim, causal: l.causal ?? false }),
  },
  /* issue 12, recurrent: */
  lstm: recurrentRow('lstm'),
  gru: recurrentRow('gru'),
  rnn: recurrentRow('rnn'),
};

function epsField(eps: unknown, at: string): void {
  if (eps !== undefined && (typeof eps !== 'number' || !Number.isFinite(eps) || eps <= 0)) throw new ValueError(`${at}.eps must be a finite number > 0, got ${JSON.stringify(eps)}`);
}

/** globalAvgPool2d as a module: [batch, c, h, w] → [batch, c]. @example new GlobalAvgPool2d().forward(x) */
export class GlobalAvgPool2d extends Module {
  forward(x: Tensor): Tensor {
    if (x.rank !== 4) throw new ShapeError(`GlobalAvgPool2d: expected input [batch, channels, height, width], got ${fmtShape(x.shape)}`);
    return globalAvgPool2dOp(x);
  }
}

/** The row of a type, typed for a layer of that type. */
export function layerEntry<T extends LayerTypeName>(type: T): LayerTypeEntry<LayerSpecs[T]> {
  return LAYER_TYPE_TABLE[type] as LayerTypeEntry<LayerSpecs[T]>;
}

/** A checked layer with its shapes: what Network and the exporters read. */
export interface ResolvedLayer<T extends LayerTypeName = LayerTypeName> {
  index: number;
  type: T;
  /** The layer's spec (as given: the tensors' values included, when it has them). */
  spec: LayerSpecs[T];
  input: number[];
  output: number[];
  tensors: LayerTensor[];
}

/** The sample shape of a spec's `inputs`: a number n is [n]. @example inputShape({ inputs: [1, 28, 28] }) // [1, 28, 28] */
export function inputShape(spec: { inputs: number | number[] }): number[] {
  return typeof spec.inputs === 'number' ? [spec.inputs] : [...spec.inputs];
}

/** The number of values in one sample. @example sampleSize([1, 28, 28]) // 784 */
export function sampleSize(shape: SampleShape): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Checks each layer's fields and follows the shapes through the layers: one error naming the
 * layer's index, its type and the shapes when one does not fit. Does not check tensor values.
 * @example resolveLayers({ inputs: [1, 28, 28], layers: [{ type: 'flatten' }, { units: 10 }] })[1].input // [784]
 */
export function resolveLayers(spec: { inputs: number | number[]; layers: readonly LayerSpec[] }, where = 'network'): ResolvedLayer[] {
  let shape = inputShape(spec);
  return spec.layers.map((raw, index) => {
    const at = `${where}.layers[${index}]`;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ValueError(`${at}: expected an object like { units: 4, activation: 'relu' } or { type: 'conv2d', filters: 8, kernelSize: 3 }`);
    const type = layerType(raw);
    if (!(LAYER_TYPES as readonly unknown[]).includes(type)) throw new ValueError(`${at}.type is ${JSON.stringify(raw.type)}; expected one of ${LAYER_TYPES.join(', ')}`);
    const entry = LAYER_TYPE_TABLE[type] as LayerTypeEntry<LayerSpec>;
    for (const k of Object.keys(raw)) {
      if (k !== 'type' && !entry.fields.includes(k)) throw new ValueError(`${at}: unknown field '${k}' (known for ${type}: ${['type', ...entry.fields].join(', ')})`);
    }
    entry.validate(raw, at);
    const input = shape;
    try {
      shape = entry.outputShape(raw, input);
    } catch (err) {
      if (err instanceof ShapeError) throw new ShapeError(`${at} (${type}): input shape ${fmtShape(input)} does not fit: ${err.message}`);
      throw err;
    }
    return { index, type, spec: raw as LayerSpecs[typeof type], input, output: shape, tensors: entry.tensors(raw, input) };
  });
}
