/**
 * exportOnnx: a backprop network (and the preprocessing `backprop train` saved with it) as the bytes
 * of an ONNX model that onnxruntime runs unchanged. Dense layers become Gemm, convolutions Conv,
 * pooling MaxPool/AveragePool/GlobalAveragePool (ONNX_LAYERS, one row per layer type), activations their ONNX
 * ops; the standardisation, one-hot encoding and output decoding of `backprop predict` are emitted
 * as ops, so the model takes the same raw values and gives the same numbers (to float32 rounding).
 * Browser-safe: protobufjs/light with a JSON schema, no file access.
 */
import { ACTIVATION_TABLE } from '../../nn/activations.js';
import protobuf from 'protobufjs/light.js';
import { ValueError } from '../../tensor/errors.js';
import { Network } from '../../train/network.js';
import type { ActivationName, LayerTypeName, PairSpec } from '../../spec/index.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Module } from '../../nn/module.js';
import type { Dense } from '../../nn/layers.js';
import type { ResolvedLayer } from '../../nn/layer-types.js';
import type { FeatureSpec, Preprocessor } from '../../data/tabular.js';
import { ONNX_ATTRIBUTE, ONNX_DESCRIPTOR, ONNX_TYPE } from './schema.js';

export interface OnnxExportOptions {
  /** The model file's preprocessing; when given, the ONNX model takes raw values and decodes its outputs as predict does. */
  preprocessing?: Preprocessor;
  /** Extra metadata_props (values that are not strings are written as JSON). */
  metadata?: Record<string, unknown>;
  /** Graph name (default 'backprop'). */
  name?: string;
}

/** What an exported model's inputs and outputs are; also stored as JSON in metadata_props ('inputs', 'outputs'). */
export interface OnnxTensorInfo {
  name: string;
  type: 'float32' | 'string' | 'int64';
  /** 'batch' is the symbolic batch dimension. */
  shape: (number | 'batch')[];
  /** What the tensor holds, for people. */
  description: string;
  /** For a numeric input: the CSV columns its values come from, in order. */
  columns?: string[];
  /** For a categorical input: the known categories. */
  categories?: string[];
}

/** The version of the ONNX standard operator set exportOnnx writes (19 when a model has categorical string inputs). */
export const ONNX_OPSET = 13;
const ONNX_OPSET_STRINGS = 19;
const BATCH = 'batch';
/** The names of the graph's own inputs and outputs; a categorical column named so gets a suffix. */
const RESERVED_NAMES = ['input', 'output', 'probabilities', 'label', 'value'];

let modelType: protobuf.Type | null = null;
/** The ModelProto codec, built once from the JSON schema. */
export function onnxModelType(): protobuf.Type {
  modelType ??= protobuf.Root.fromJSON(ONNX_DESCRIPTOR).lookupType('onnx.ModelProto');
  return modelType;
}

interface Attr { name: string; type: number; i?: number; f?: number; s?: string; ints?: number[]; strings?: string[] }
interface Node { input: string[]; output: string[]; name: string; opType: string; attribute: Attr[] }
interface Initializer { name: string; dims: number[]; dataType: number; rawData?: Uint8Array; int64Data?: number[]; stringData?: string[] }
interface ValueInfo { name: string; docString: string; type: { tensorType: { elemType: number; shape: { dim: ({ dimValue: number } | { dimParam: string })[] } } } }

const ELEM: Record<OnnxTensorInfo['type'], number> = { float32: ONNX_TYPE.FLOAT, string: ONNX_TYPE.STRING, int64: ONNX_TYPE.INT64 };

/** Little-endian float32 bytes whatever the platform's byte order, as ONNX raw_data requires. */
function float32Bytes(values: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return bytes;
}

/** Collects nodes and constants with unique names, in topological order (the order they are added). */
class GraphBuilder {
  readonly nodes: Node[] = [];
  readonly initializers: Initializer[] = [];
  private readonly used = new Set<string>();

  constructor(reserved: readonly string[]) {
    for (const n of reserved) this.used.add(n);
  }

  fresh(base: string): string {
    let name = base;
    for (let k = 1; this.used.has(name); k++) name = `${base}_${k}`;
    this.used.add(name);
    return name;
  }

  floats(base: string, dims: number[], values: ArrayLike<number>): string {
    const name = this.fresh(base);
    this.initializers.push({ name, dims, dataType: ONNX_TYPE.FLOAT, rawData: float32Bytes(values) });
    return name;
  }

  int64s(base: string, dims: number[], values: number[]): string {
    const name = this.fresh(base);
    this.initializers.push({ name, dims, dataType: ONNX_TYPE.INT64, int64Data: values });
    return name;
  }

  strings(base: string, dims: number[], values: string[]): string {
    const name = this.fresh(base);
    this.initializers.push({ name, dims, dataType: ONNX_TYPE.STRING, stringData: values });
    return name;
  }

  /** Adds a node; `output` is the wanted name of its (single) output, made unique unless `exact`. */
  op(opType: string, input: string[], output: string, attribute: Attr[] = [], exact = false): string {
    const out = exact ? output : this.fresh(output);
    if (exact) this.used.add(out);
    this.nodes.push({ input, output: [out], name: this.fresh(`${opType}_${this.nodes.length}`), opType, attribute });
    return out;
  }

  /** Adds a node with several outputs: each wanted name made unique, '' for an output not asked for (ONNX's optional outputs). */
  opOutputs(opType: string, input: string[], outputs: string[], attribute: Attr[] = []): string[] {
    const outs = outputs.map((o) => (o === '' ? '' : this.fresh(o)));
    this.nodes.push({ input, output: outs, name: this.fresh(`${opType}_${this.nodes.length}`), opType, attribute });
    return outs;
  }
}

const int = (name: string, i: number): Attr => ({ name, type: ONNX_ATTRIBUTE.INT, i });
const float = (name: string, f: number): Attr => ({ name, type: ONNX_ATTRIBUTE.FLOAT, f });

function valueInfo(t: OnnxTensorInfo): ValueInfo {
  return {
    name: t.name,
    docString: t.description,
    type: { tensorType: { elemType: ELEM[t.type], shape: { dim: t.shape.map((d) => (d === BATCH ? { dimParam: BATCH } : { dimValue: d as number })) } } },
  };
}

/** Activations the table gives no ONNX operator that are composed of others here (their `onnx` is null). */
export const ONNX_COMPOSED: readonly ActivationName[] = ['linear', 'step', 'gelu', 'silu'];

/** Emits the activation after a layer's Gemm: the activation table's ONNX operator, or its composition. */
function activation(g: GraphBuilder, act: ActivationName, alpha: number, x: string, li: number): string {
  const at = `layers${li}`;
  const entry = ACTIVATION_TABLE[act];
  if (act === 'linear') return x;
  if (act === 'step') {
    // step(x) = 1 where x > 0, else 0 (0 at 0), as backprop's step op.
    const zero = g.floats(`${at}_zero`, [], [0]);
    const above = g.op('Greater', [x, zero], `${at}_above`);
    return g.op('Cast', [above], `${at}_step`, [int('to', ONNX_TYPE.FLOAT)]);
  }
  if (act === 'gelu') {
    // gelu(x) = x·½(1 + erf(x/√2)): ONNX's Gelu needs opset 20, so it is composed of Erf (opset 9).
    const erf = g.op('Erf', [g.op('Mul', [x, g.floats(`${at}_inv_sqrt2`, [], [Math.SQRT1_2])], `${at}_scaled`)], `${at}_erf`);
    const cdf = g.op('Mul', [g.op('Add', [erf, g.floats(`${at}_one`, [], [1])], `${at}_erf1`), g.floats(`${at}_half`, [], [0.5])], `${at}_cdf`);
    return g.op('Mul', [x, cdf], `${at}_gelu`);
  }
  if (act === 'silu') {
    // silu(x) = x·σ(x) (ONNX has no SiLU operator).
    return g.op('Mul', [x, g.op('Sigmoid', [x], `${at}_sigmoid`)], `${at}_silu`);
  }
  if (entry === undefined || entry.onnx === null) {
    const known = Object.values(ACTIVATION_TABLE).filter((e) => e.onnx !== null || ONNX_COMPOSED.includes(e.name)).map((e) => e.name);
    throw new ValueError(`exportOnnx: layers[${li}] has activation '${String(act)}', which has no ONNX form here (supported: ${known.join(', ')})`);
  }
  const attrs = act === 'leakyRelu' ? [float('alpha', alpha)] : act === 'softmax' ? [int('axis', -1)] : [];
  return g.op(entry.onnx, [x], `${at}_${act.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`, attrs);
}

/** A layer's tensor by its state-dict name ('weight', 'bias', or a buffer: 'running_mean'). */
function param(m: Module, key: string): Tensor {
  const t = new Map([...m.namedParameters(), ...m.namedBuffers()]).get(key);
  if (!t) throw new ValueError(`exportOnnx: the layer has no '${key}'`);
  return t;
}

const ints = (name: string, v: readonly number[]): Attr => ({ name, type: ONNX_ATTRIBUTE.INTS, ints: [...v] });
const pairOf = (p: PairSpec | undefined, d: number): [number, number] => (p === undefined ? [d, d] : Array.isArray(p) ? [p[0], p[1]] : [p, p]);

/** A convolution's padding as ONNX attributes: 'same' is SAME_UPPER (the odd pixel after, as PyTorch), numbers as pads. */
function convPadding(padding: PairSpec | 'same' | 'valid' | undefined, rank: 1 | 2): Attr[] {
  if (padding === 'same') return [{ name: 'auto_pad', type: ONNX_ATTRIBUTE.STRING, s: 'SAME_UPPER' }];
  const p = padding === undefined || padding === 'valid' ? [0, 0] : pairOf(padding, 0);
  return [ints('pads', rank === 2 ? [p[0], p[1], p[0], p[1]] : [p[1], p[1]])];
}

/** A convolution: Conv (weights in PyTorch's layout, which is ONNX's) then the activation. */
function conv(g: GraphBuilder, layer: ResolvedLayer<'conv2d'> | ResolvedLayer<'conv1d'>, m: Module, x: string, rank: 1 | 2): string {
  const li = layer.index, l = layer.spec;
  const w = param(m, 'weight'), b = param(m, 'bias');
  const one = (v: PairSpec | undefined, d: number): number[] => (rank === 2 ? pairOf(v, d) : [v === undefined ? d : (v as number)]);
  const attrs = [
    ints('kernel_shape', w.shape.slice(2)), ints('strides', one(l.stride, 1)), ints('dilations', one(l.dilation, 1)), int('group', l.groups ?? 1),
    ...convPadding(l.padding as PairSpec | 'same' | 'valid' | undefined, rank),
  ];
  const y = g.op('Conv', [x, g.floats(`layers${li}_weight`, [...w.shape], w.data), g.floats(`layers${li}_bias`, [...b.shape], b.data)], `layers${li}_conv`, attrs);
  return activation(g, l.activation ?? 'linear', l.alpha ?? 0.01, y, li);
}

function pool(g: GraphBuilder, opType: 'MaxPool' | 'AveragePool', layer: ResolvedLayer<'maxPool2d'> | ResolvedLayer<'avgPool2d'>, x: string): string {
  const l = layer.spec;
  const k = pairOf(l.poolSize, 1), st = l.stride === undefined ? k : pairOf(l.stride, 1), p = pairOf(l.padding, 0);
  const attrs = [ints('kernel_shape', k), ints('strides', st), ints('pads', [p[0], p[1], p[0], p[1]])];
  if (opType === 'AveragePool') attrs.push(int('count_include_pad', 1)); // PyTorch's default: the divisor is always kh·kw
  return g.op(opType, [x], `layers${layer.index}_${opType === 'MaxPool' ? 'max' : 'avg'}pool`, attrs);
}

// ---- issue 12, recurrent layers: the ONNX LSTM, GRU and RNN operators ------------------------------

/**
 * Where each ONNX gate block comes from in PyTorch's stacking: ONNX's LSTM stacks i, o, f, c
 * (PyTorch i, f, g, o), its GRU z, r, h (PyTorch r, z, n).
 */
const ONNX_GATE_ORDER = { lstm: [0, 3, 1, 2], gru: [1, 0, 2], rnn: [0] } as const;
const STRINGS_ATTRIBUTE = 8; // AttributeProto.AttributeType.STRINGS

/** A [G·H, …] tensor (or [G·H]) with its G blocks of H rows put in ONNX's gate order. */
function gateBlocks(t: Tensor, order: readonly number[], H: number): Float32Array {
  const block = H * (t.size / t.shape[0]);
  const out = new Float32Array(t.size);
  order.forEach((from, k) => out.set(t.data.subarray(from * block, (from + 1) * block), k * block));
  return out;
}

/**
 * A recurrent layer as the ONNX operator of its kind, batch-first around it: x [batch, time,
 * features] → Transpose → LSTM/GRU/RNN (W, R, B in ONNX's gate order; GRU with linear_before_reset=1,
 * PyTorch's equation) → Y_h [1, batch, units] reshaped to [batch, units], or with returnSequences
 * Y [time, 1, batch, units] → [batch, time, units].
 */
function recurrent(g: GraphBuilder, layer: ResolvedLayer<'lstm' | 'gru' | 'rnn'>, m: Module, x: string): string {
  const li = layer.index, H = layer.spec.units, [T, F] = layer.input;
  const order = ONNX_GATE_ORDER[layer.type], G = order.length;
  const w = param(m, 'weight_ih'), r = param(m, 'weight_hh'), bi = param(m, 'bias_ih'), bh = param(m, 'bias_hh');
  const B = new Float32Array(2 * G * H);
  B.set(gateBlocks(bi, order, H));
  B.set(gateBlocks(bh, order, H), G * H);
  const inputs = [
    g.op('Transpose', [x], `layers${li}_time_first`, [ints('perm', [1, 0, 2])]),
    g.floats(`layers${li}_W`, [1, G * H, F], gateBlocks(w, order, H)),
    g.floats(`layers${li}_R`, [1, G * H, H], gateBlocks(r, order, H)),
    g.floats(`layers${li}_B`, [1, 2 * G * H], B),
  ];
  const attrs: Attr[] = [int('hidden_size', H)];
  if (layer.type === 'gru') attrs.push(int('linear_before_reset', 1));
  if (layer.type === 'rnn') attrs.push({ name: 'activations', type: STRINGS_ATTRIBUTE, strings: [(layer.spec as { nonlinearity?: string }).nonlinearity === 'relu' ? 'Relu' : 'Tanh'] });
  const opType = layer.type === 'lstm' ? 'LSTM' : layer.type.toUpperCase();
  if (layer.spec.returnSequences) {
    const [y] = g.opOutputs(opType, inputs, [`layers${li}_Y`], attrs);
    const steps = g.op('Reshape', [y, g.int64s(`layers${li}_steps_shape`, [3], [T, -1, H])], `layers${li}_steps`);
    return g.op('Transpose', [steps], `layers${li}_sequence`, [ints('perm', [1, 0, 2])]);
  }
  const [, yh] = g.opOutputs(opType, inputs, ['', `layers${li}_Y_h`], attrs);
  return g.op('Reshape', [yh, g.int64s(`layers${li}_last_shape`, [2], [-1, H])], `layers${li}_last`);
}

type OnnxLayer<T extends LayerTypeName> = (g: GraphBuilder, layer: ResolvedLayer<T>, m: Module, x: string) => string;

/**
 * How each layer type becomes ONNX nodes (its input: the previous layer's output, batch first).
 * Typed over every layer type, so a new type without a row here fails the build; a type ONNX
 * cannot express gets a string instead: the reason export refuses it.
 */
export const ONNX_LAYERS: { readonly [T in LayerTypeName]: OnnxLayer<T> | string } = {
  dense(g, { index: li }, m, x) {
    const d = m as Dense;
    const w = g.floats(`layers${li}_weight`, [d.outFeatures, d.inFeatures], d.weight.data);
    const b = g.floats(`layers${li}_bias`, [d.outFeatures], d.bias ? d.bias.data : new Float32Array(d.outFeatures));
    const z = g.op('Gemm', [x, w, b], `layers${li}_gemm`, [int('transB', 1)]);
    return activation(g, d.activation, d.alpha, z, li);
  },
  conv2d: (g, layer, m, x) => conv(g, layer, m, x, 2),
  conv1d: (g, layer, m, x) => conv(g, layer, m, x, 1),
  maxPool2d: (g, layer, _, x) => pool(g, 'MaxPool', layer, x),
  avgPool2d: (g, layer, _, x) => pool(g, 'AveragePool', layer, x),
  globalAvgPool2d: (g, { index: li }, _, x) => g.op('Flatten', [g.op('GlobalAveragePool', [x], `layers${li}_gap`)], `layers${li}_flat`, [int('axis', 1)]),
  flatten: (g, { index: li }, _, x) => g.op('Flatten', [x], `layers${li}_flatten`, [int('axis', 1)]),
  // Inference only: dropout is the identity there, so it is left out.
  dropout: (_, __, ___, x) => x,
  // normalisation, embedding, attention
  batchNorm(g, { index: li, spec: l }, m, x) {
    // Inference: the running statistics (BatchNormalization's default, not training mode).
    const t = (key: string) => { const p = param(m, key); return g.floats(`layers${li}_${key}`, [...p.shape], p.data); };
    return g.op('BatchNormalization', [x, t('weight'), t('bias'), t('running_mean'), t('running_var')], `layers${li}_batchnorm`, [float('epsilon', l.eps ?? 1e-5)]);
  },
  layerNorm(g, { index: li, spec: l }, m, x) {
    // LayerNormalization is opset 17 and this export writes opset 13, so it is composed:
    // (x − mean) / √(var + eps) · weight + bias over the last axis, var the biased variance.
    const at = `layers${li}`, axes = [ints('axes', [-1]), int('keepdims', 1)];
    const centred = g.op('Sub', [x, g.op('ReduceMean', [x], `${at}_mean`, axes)], `${at}_centred`);
    const variance = g.op('ReduceMean', [g.op('Mul', [centred, centred], `${at}_squared`)], `${at}_var`, axes);
    const std = g.op('Sqrt', [g.op('Add', [variance, g.floats(`${at}_eps`, [], [l.eps ?? 1e-5])], `${at}_var_eps`)], `${at}_std`);
    const w = param(m, 'weight'), b = param(m, 'bias');
    const scaled = g.op('Mul', [g.op('Div', [centred, std], `${at}_normalized`), g.floats(`${at}_weight`, [...w.shape], w.data)], `${at}_scaled`);
    return g.op('Add', [scaled, g.floats(`${at}_bias`, [...b.shape], b.data)], `${at}_layernorm`);
  },
  embedding(g, { index: li }, m, x) {
    // The inputs are float indices: Cast to int64, then Gather rows of the table.
    const w = param(m, 'weight');
    const idx = g.op('Cast', [x], `layers${li}_indices`, [int('to', ONNX_TYPE.INT64)]);
    return g.op('Gather', [g.floats(`layers${li}_weight`, [...w.shape], w.data), idx], `layers${li}_embedding`, [int('axis', 0)]);
  },
  attention(g, { index: li, spec: l, input }, m, x) {
    // Self-attention as MatMul/Softmax/Transpose/Reshape; the causal mask is a constant [T, T] of 0 and −∞.
    const at = `layers${li}`, E = l.dim, H = l.heads, D = E / H, T = input[0];
    const w = param(m, 'in_proj_weight').data, b = param(m, 'in_proj_bias').data;
    const transposed = (data: ArrayLike<number>, rows: number, cols: number, from: number): number[] => {
      const out = new Array<number>(rows * cols);
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[(from + r) * cols + c];
      return out;
    };
    const project = (name: string, i: number): string => {
      const y = g.op('MatMul', [x, g.floats(`${at}_${name}_weight_t`, [E, E], transposed(w, E, E, i * E))], `${at}_${name}_mm`);
      return g.op('Add', [y, g.floats(`${at}_${name}_bias`, [E], Array.from(b.subarray(i * E, (i + 1) * E)))], `${at}_${name}`);
    };
    const headsShape = g.int64s(`${at}_heads_shape`, [4], [0, 0, H, D]);
    const split = (t: string, perm: number[], name: string) => g.op('Transpose', [g.op('Reshape', [t, headsShape], `${name}_split`)], `${name}_heads`, [ints('perm', perm)]);
    const q = split(project('q', 0), [0, 2, 1, 3], `${at}_q`);
    const kT = split(project('k', 1), [0, 2, 3, 1], `${at}_k`);
    const v = split(project('v', 2), [0, 2, 1, 3], `${at}_v`);
    let scores = g.op('Mul', [g.op('MatMul', [q, kT], `${at}_qk`), g.floats(`${at}_scale`, [], [1 / Math.sqrt(D)])], `${at}_scores`);
    if (l.causal) {
      const mask = new Array<number>(T * T).fill(0);
      for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) mask[i * T + j] = -Infinity;
      scores = g.op('Add', [scores, g.floats(`${at}_causal_mask`, [T, T], mask)], `${at}_masked`);
    }
    const weights = g.op('Softmax', [scores], `${at}_weights`, [int('axis', -1)]);
    const context = g.op('Transpose', [g.op('MatMul', [weights, v], `${at}_context_heads`)], `${at}_context_t`, [ints('perm', [0, 2, 1, 3])]);
    const joined = g.op('Reshape', [context, g.int64s(`${at}_join_shape`, [3], [0, 0, E])], `${at}_context`);
    const wo = param(m, 'out_proj.weight').data, bo = param(m, 'out_proj.bias').data;
    const out = g.op('MatMul', [joined, g.floats(`${at}_out_weight_t`, [E, E], transposed(wo, E, E, 0))], `${at}_out_mm`);
    return g.op('Add', [out, g.floats(`${at}_out_bias`, [E], bo)], `${at}_attention`);
  },
  /* issue 12, recurrent: */
  lstm: recurrent,
  gru: recurrent,
  rnn: recurrent,
};

/** The layers, in order: a network on shaped samples first reshapes the input rows [batch, inputs] to [batch, ...inputShape]. */
function networkLayers(g: GraphBuilder, network: Network, x: string): string {
  if (network.inputShape.length > 1) x = g.op('Reshape', [x, g.int64s('input_shape', [network.inputShape.length + 1], [-1, ...network.inputShape])], 'input_shaped');
  for (const layer of network.architecture) {
    const emit = ONNX_LAYERS[layer.type];
    if (typeof emit === 'string') throw new ValueError(`exportOnnx: layers[${layer.index}] is a ${layer.type} layer, which ONNX export does not support: ${emit}`);
    x = (emit as OnnxLayer<LayerTypeName>)(g, layer, network.modules[layer.index], x);
  }
  return x;
}

interface Built {
  inputs: OnnxTensorInfo[];
  outputs: OnnxTensorInfo[];
  g: GraphBuilder;
  opset: number;
  metadata: Record<string, string>;
}

/**
 * A column name as an ONNX name: ONNX asks for C identifiers, so other characters become '_' and a
 * leading digit gets a '_' in front ('petal length' → 'petal_length'); the metadata keeps the column.
 */
function onnxName(column: string): string {
  const name = column.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[0-9]/.test(name) || name === '' ? `_${name}` : name;
}

/** Network inputs from raw tabular columns: numeric ones standardised, categorical ones one-hot. */
function tabularInputs(g: GraphBuilder, pre: Preprocessor, inputs: OnnxTensorInfo[]): string {
  const numeric = pre.features.filter((f): f is Extract<FeatureSpec, { kind: 'numeric' }> => f.kind === 'numeric');
  let standardised = '';
  if (numeric.length > 0) {
    inputs.push({
      name: 'input', type: 'float32', shape: [BATCH, numeric.length], columns: numeric.map((f) => f.name),
      description: `raw values of the numeric columns ${numeric.map((f) => f.name).join(', ')} (standardised inside the model)`,
    });
    const mean = g.floats('feature_mean', [numeric.length], numeric.map((f) => f.mean));
    const std = g.floats('feature_std', [numeric.length], numeric.map((f) => f.std));
    standardised = g.op('Div', [g.op('Sub', ['input', mean], 'centred'), std], 'standardised');
  }
  // The network sees the features in preprocessing order: runs of numeric columns (gathered from the
  // standardised block) between one-hot blocks.
  const pieces: string[] = [];
  let run: number[] = [];
  let k = 0;
  const flush = (): void => {
    if (run.length === 0) return;
    pieces.push(run.length === numeric.length ? standardised : g.op('Gather', [standardised, g.int64s('numeric_columns', [run.length], run)], 'numeric_part', [int('axis', 1)]));
    run = [];
  };
  for (const f of pre.features) {
    if (f.kind === 'numeric') { run.push(k++); continue; }
    flush();
    const name = g.fresh(onnxName(f.name));
    inputs.push({
      name, type: 'string', shape: [BATCH, 1], columns: [f.name], categories: [...f.categories],
      description: `the category of column ${f.name}, one of ${f.categories.join(', ')} (one-hot inside the model; an unknown category encodes as all zeros)`,
    });
    const cats = g.strings(`${name}_categories`, [1, f.categories.length], f.categories);
    const hit = g.op('Equal', [name, cats], `${name}_is`);
    pieces.push(g.op('Cast', [hit], `${name}_onehot`, [int('to', ONNX_TYPE.FLOAT)]));
  }
  flush();
  return pieces.length === 1 ? pieces[0] : g.op('Concat', pieces, 'features', [int('axis', 1)]);
}

/** Class probabilities and the predicted label, as predict decodes them. */
function classOutputs(g: GraphBuilder, network: Network, y: string, labels: string[], outputs: OnnxTensorInfo[]): void {
  let probs: string;
  if (network.outputs === 1 && labels.length === 2) {
    // One sigmoid output p for two classes: predict reports [1 - p, p].
    const one = g.floats('one', [], [1]);
    probs = g.op('Concat', [g.op('Sub', [one, y], 'p_first'), y], 'probabilities', [int('axis', 1)], true);
  } else {
    probs = g.op('Identity', [y], 'probabilities', [], true);
  }
  const index = g.op('ArgMax', [probs], 'class_index', [int('axis', 1), int('keepdims', 0)]);
  const names = g.strings('labels', [labels.length], labels);
  g.op('Gather', [names, index], 'label', [int('axis', 0)], true);
  outputs.push(
    { name: 'probabilities', type: 'float32', shape: [BATCH, labels.length], description: `probability (or score) of each class, in the order ${labels.join(', ')}` },
    { name: 'label', type: 'string', shape: [BATCH], description: 'the predicted class label (the most probable class)' },
  );
}

function build(network: Network, options: OnnxExportOptions): Built {
  const pre = options.preprocessing;
  const inputs: OnnxTensorInfo[] = [];
  const outputs: OnnxTensorInfo[] = [];
  const metadata: Record<string, string> = {};
  const g = new GraphBuilder(RESERVED_NAMES);
  let opset = ONNX_OPSET;

  if (!pre) {
    inputs.push({ name: 'input', type: 'float32', shape: [BATCH, network.inputs], description: `the network's ${network.inputs} inputs` });
    const y = networkLayers(g, network, 'input');
    g.op('Identity', [y], 'output', [], true);
    outputs.push({ name: 'output', type: 'float32', shape: [BATCH, network.outputs], description: `the network's ${network.outputs} outputs` });
    return { inputs, outputs, g, opset, metadata };
  }

  let width = 0;
  for (const f of pre.features) width += f.kind === 'numeric' ? 1 : f.categories.length;
  if (width !== network.inputs) throw new ValueError(`exportOnnx: the preprocessing encodes ${width} inputs but the network takes ${network.inputs}; pass the model's own preprocessing`);
  if (pre.features.some((f) => f.kind === 'categorical')) opset = ONNX_OPSET_STRINGS; // Equal on strings needs opset 19
  const y = networkLayers(g, network, tabularInputs(g, pre, inputs));
  const t = pre.target;
  metadata.target = t.name;
  metadata.task = t.kind;
  if (t.kind === 'classify') {
    checkClassWidth(network, t.labels);
    classOutputs(g, network, y, t.labels, outputs);
    metadata.labels = JSON.stringify(t.labels);
  } else {
    if (network.outputs !== 1) throw new ValueError(`exportOnnx: a regression model has 1 output, this network has ${network.outputs}; pass the model's own preprocessing`);
    // predict reports values in the target's units: network output × std + mean.
    const scaled = g.op('Mul', [y, g.floats('target_std', [], [t.std])], 'value_scaled');
    g.op('Add', [scaled, g.floats('target_mean', [], [t.mean])], 'value', [], true);
    outputs.push({ name: 'value', type: 'float32', shape: [BATCH, 1], description: `the predicted ${t.name}, in its original units` });
  }
  return { inputs, outputs, g, opset, metadata };
}

function checkClassWidth(network: Network, labels: string[]): void {
  if (network.outputs === labels.length || (network.outputs === 1 && labels.length === 2)) return;
  throw new ValueError(`exportOnnx: the network has ${network.outputs} outputs but the target has ${labels.length} classes; pass the model's own preprocessing`);
}

function isModel(x: unknown): x is { network: Network; preprocessing?: OnnxExportOptions['preprocessing']; metadata?: Record<string, unknown> } {
  return x !== null && typeof x === 'object' && (x as { network?: unknown }).network instanceof Network;
}

const OPTION_KEYS = ['preprocessing', 'metadata', 'name'];

/**
 * Exports a network (or a loaded model file, which brings its preprocessing) as ONNX model bytes:
 * opset 13 (19 with categorical inputs), a symbolic batch dimension 'batch', Gemm layers, and the
 * input/output descriptions, label names and preprocessing as metadata_props.
 *
 * Inputs and outputs: a bare network takes `input` [batch, inputs] and gives `output`. A model
 * trained on a CSV takes `input` [batch, numeric columns] (raw values) plus one string input
 * [batch, 1] per categorical column, named after the column (as a C identifier: 'petal length' →
 * 'petal_length'; 'label' → 'label_1', the output's name being taken); a classifier gives `probabilities`
 * and `label`, a regressor `value` in the target's units. (An image model's input holds the pixels
 * as the IDX reader scales them: bytes / 255.)
 *
 * @example
 * const bytes = exportOnnx(net);                                   // Uint8Array
 * const session = await ort.InferenceSession.create(bytes);
 * const { output } = await session.run({ input: new ort.Tensor('float32', [0, 1], [1, 2]) });
 * @example
 * const model = parseModel(text);                                  // a `backprop train` model file
 * const bytes = exportOnnx(model);                                 // preprocessing folded in
 */
export function exportOnnx(network: Network | { network: Network; preprocessing?: OnnxExportOptions['preprocessing']; metadata?: Record<string, unknown> }, options: OnnxExportOptions = {}): Uint8Array {
  if (options === null || typeof options !== 'object') throw new ValueError('exportOnnx: options must be an object');
  for (const k of Object.keys(options)) if (!OPTION_KEYS.includes(k)) throw new ValueError(`exportOnnx: unknown option '${k}' (known: ${OPTION_KEYS.join(', ')})`);
  let extra: Record<string, unknown> = {};
  if (isModel(network)) {
    options = { ...options, preprocessing: options.preprocessing ?? network.preprocessing };
    if (network.metadata) extra = { training: network.metadata };
    network = network.network;
  } else if (!(network instanceof Network)) {
    throw new ValueError('exportOnnx: expected a Network or a model ({ network, preprocessing }) as the first argument');
  }
  const { inputs, outputs, g, opset, metadata } = build(network, options);
  const props: Record<string, string> = {
    inputs: JSON.stringify(inputs),
    outputs: JSON.stringify(outputs),
    ...metadata,
  };
  if (options.preprocessing) props.preprocessing = JSON.stringify(options.preprocessing);
  for (const [k, v] of Object.entries({ ...extra, ...(options.metadata ?? {}) })) props[k] = typeof v === 'string' ? v : JSON.stringify(v);
  const message = {
    irVersion: opset >= 19 ? 9 : 7,
    producerName: 'backprop',
    producerVersion: '1',
    docString: 'Exported by backprop: dense layers as Gemm, convolutions as Conv, preprocessing and output decoding as ops.',
    opsetImport: [{ domain: '', version: opset }],
    graph: {
      name: options.name ?? 'backprop',
      node: g.nodes,
      initializer: g.initializers,
      input: inputs.map(valueInfo),
      output: outputs.map(valueInfo),
    },
    metadataProps: Object.entries(props).map(([key, value]) => ({ key, value })),
  };
  const type = onnxModelType();
  return type.encode(type.fromObject(message)).finish();
}

/** A summary of ONNX model bytes: opset, inputs, outputs, metadata_props and the op types in order. */
export interface OnnxSummary {
  irVersion: number;
  opset: number;
  producer: string;
  inputs: { name: string; elemType: number; shape: (number | string)[] }[];
  outputs: { name: string; elemType: number; shape: (number | string)[] }[];
  metadata: Record<string, string>;
  ops: string[];
}

interface DecodedValueInfo { name: string; type?: { tensorType?: { elemType: number; shape?: { dim?: { dimValue?: number; dimParam?: string }[] } } } }
interface DecodedModel {
  irVersion: number;
  producerName: string;
  opsetImport: { domain: string; version: number }[];
  graph?: { input?: DecodedValueInfo[]; output?: DecodedValueInfo[]; node?: { opType: string }[] };
  metadataProps: { key: string; value: string }[];
}

function decodedInfo(v: DecodedValueInfo): OnnxSummary['inputs'][number] {
  const dims = v.type?.tensorType?.shape?.dim ?? [];
  return { name: v.name, elemType: v.type?.tensorType?.elemType ?? 0, shape: dims.map((d) => (d.dimParam ? d.dimParam : d.dimValue ?? 0)) };
}

/**
 * Decodes ONNX bytes (written by exportOnnx or anything else) far enough to show what the model expects.
 * @example JSON.parse(inspectOnnx(exportOnnx(net)).metadata.inputs)[0].name // 'input'
 */
export function inspectOnnx(bytes: Uint8Array): OnnxSummary {
  const type = onnxModelType();
  let m: DecodedModel;
  try {
    m = type.toObject(type.decode(bytes), { longs: Number, defaults: true }) as DecodedModel;
  } catch (err) {
    throw new ValueError(`inspectOnnx: not an ONNX model (${(err as Error).message})`);
  }
  return {
    irVersion: m.irVersion,
    opset: m.opsetImport.find((o) => o.domain === '')?.version ?? 0,
    producer: m.producerName,
    inputs: (m.graph?.input ?? []).map(decodedInfo),
    outputs: (m.graph?.output ?? []).map(decodedInfo),
    metadata: Object.fromEntries(m.metadataProps.map((p) => [p.key, p.value])),
    ops: (m.graph?.node ?? []).map((n) => n.opType),
  };
}
