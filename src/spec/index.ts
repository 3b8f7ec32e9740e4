/**
 * The plain, JSON-able description of a network: the one format shared by `Network`, the model file,
 * the CLI, the explainer and the playground. `weights[j][i]` is the weight from input i to neuron j
 * (so a layer's weight matrix has one row per neuron, PyTorch's [out, in]). Layers have a `type`
 * (LAYER_TYPES; Dense by default); `inputs` is a feature count or a sample's shape.
 */

export const ACTIVATIONS = ['linear', 'sigmoid', 'tanh', 'relu', 'leakyRelu', 'softmax', 'step', 'softplus', 'gelu', 'elu', 'silu'] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

export const LOSSES = ['mse', 'sse', 'mae', 'bce', 'crossEntropy'] as const;
export type LossName = (typeof LOSSES)[number];

export const INITS = ['zeros', 'constant', 'uniform', 'normal', 'xavier', 'glorot', 'he'] as const;
export type InitName = (typeof INITS)[number];

/**
 * The layer types of the JSON spec, by `type` (a layer with `units` and no `type` is 'dense'). Each
 * name has one spec interface in `LayerSpecs` below and one row in `LAYER_TYPE_TABLE`
 * (src/nn/layer-types.ts: fields, shape inference, the module, its weights), and one row in each
 * consumer's table (ONNX, TensorFlow.js, PyTorch, explain), typed so a missing row fails the build.
 */
export const LAYER_TYPES = [
  'dense', 'conv2d', 'conv1d', 'maxPool2d', 'avgPool2d', 'globalAvgPool2d', 'flatten', 'dropout',
  // normalisation, embedding, attention
  'batchNorm', 'layerNorm', 'embedding', 'attention',
  /* issue 12, recurrent: */ 'lstm', 'gru', 'rnn',
] as const;
export type LayerTypeName = (typeof LAYER_TYPES)[number];

/** A kernel, stride or dilation: one number for both axes or [height, width]. */
export type PairSpec = number | [number, number];

/** A fully connected layer (the default type). `weights[j][i]`: from input i to neuron j (PyTorch's [out, in]). */
export interface DenseLayerSpec {
  type?: 'dense';
  /** Number of neurons. */
  units: number;
  /** Default 'linear'. */
  activation?: ActivationName;
  /** Slope for x < 0 when activation is 'leakyRelu' (default 0.01). */
  alpha?: number;
  /** weights[j][i]: from input i to neuron j; units rows of (previous width) numbers. */
  weights?: number[][];
  /** One number per neuron. */
  bias?: number[];
}

/**
 * 2-D convolution over [channels, height, width] (PyTorch's nn.Conv2d). `weights[f]` is filter f's
 * inChannels/groups · kh · kw numbers in PyTorch's order (channel, row, column): the weight
 * [filters, inChannels/groups, kh, kw] with one row per filter.
 */
export interface Conv2dLayerSpec {
  type: 'conv2d';
  /** Output channels. */
  filters: number;
  kernelSize: PairSpec;
  /** Default 1. */
  stride?: PairSpec;
  /** A number, [height, width], 'valid' (0, the default) or 'same' (stride 1 only). */
  padding?: PairSpec | 'same' | 'valid';
  /** Default 1. */
  dilation?: PairSpec;
  /** Default 1; must divide the input channels and filters. */
  groups?: number;
  /** Default 'linear'. */
  activation?: ActivationName;
  alpha?: number;
  weights?: number[][];
  bias?: number[];
}

/** 1-D convolution over [channels, length] (PyTorch's nn.Conv1d); `weights[f]`: inChannels/groups · k numbers. */
export interface Conv1dLayerSpec {
  type: 'conv1d';
  filters: number;
  kernelSize: number;
  stride?: number;
  padding?: number | 'same' | 'valid';
  dilation?: number;
  groups?: number;
  activation?: ActivationName;
  alpha?: number;
  weights?: number[][];
  bias?: number[];
}

/** Max pooling over [channels, height, width] (PyTorch's nn.MaxPool2d: stride defaults to poolSize). */
export interface MaxPool2dLayerSpec {
  type: 'maxPool2d';
  poolSize: PairSpec;
  /** Default: poolSize. */
  stride?: PairSpec;
  /** Default 0; at most half the pool size. */
  padding?: PairSpec;
}

/** Average pooling (PyTorch's nn.AvgPool2d, count_include_pad). */
export interface AvgPool2dLayerSpec {
  type: 'avgPool2d';
  poolSize: PairSpec;
  stride?: PairSpec;
  padding?: PairSpec;
}

/** The mean of each channel: [channels, height, width] → [channels]. */
export interface GlobalAvgPool2dLayerSpec {
  type: 'globalAvgPool2d';
}

/** Everything after the batch axis as one axis: [c, h, w] → [c·h·w]. */
export interface FlattenLayerSpec {
  type: 'flatten';
}

/** Inverted dropout while training, the identity in evaluation. */
export interface DropoutLayerSpec {
  type: 'dropout';
  /** The probability of zeroing each value, in [0, 1). */
  rate: number;
  /** Seed of the masks (default: derived from the network's seed and the layer index). */
  seed?: number;
}

// ---- normalisation, embedding, attention ------------------------------------------------------

/**
 * Batch normalisation over the channel axis (PyTorch's nn.BatchNorm1d for [channels] or
 * [channels, length] samples, nn.BatchNorm2d for [channels, height, width]): batch statistics while
 * training, the running statistics in evaluation. Tensors: `scale` (PyTorch's `weight`) and `bias`
 * (one number per channel), the buffers `runningMean`, `runningVar` and `numBatchesTracked`.
 */
export interface BatchNormLayerSpec {
  type: 'batchNorm';
  /** Weight of each batch in the running statistics, in [0, 1] (default 0.1). */
  momentum?: number;
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** One number per channel (PyTorch's `weight`). */
  scale?: number[];
  bias?: number[];
  runningMean?: number[];
  runningVar?: number[];
  /** Training batches seen (PyTorch's `num_batches_tracked`). */
  numBatchesTracked?: number;
}

/** Layer normalisation over the last axis (PyTorch's nn.LayerNorm(lastDim)); `scale` (PyTorch's `weight`) and `bias` per feature. */
export interface LayerNormLayerSpec {
  type: 'layerNorm';
  /** Added to the variance (default 1e-5). */
  eps?: number;
  scale?: number[];
  bias?: number[];
}

/**
 * A table of `vocabulary` vectors of `dim` numbers looked up by index (PyTorch's nn.Embedding):
 * samples hold whole-number indices 0..vocabulary−1, so inputs [T] give [T, dim].
 * `weights[i]` is row i of the table.
 */
export interface EmbeddingLayerSpec {
  type: 'embedding';
  vocabulary: number;
  dim: number;
  weights?: number[][];
}

/**
 * Multi-head self-attention over [time, dim] samples (PyTorch's nn.MultiheadAttention with
 * batch_first=True, query = key = value): `dim` is the incoming feature size, `heads` divides it;
 * `causal` masks the future (position t attends to positions ≤ t). Tensors in PyTorch's names:
 * `inProjWeight` [3·dim, dim] (query, key, value rows), `inProjBias`, `outProjWeight` [dim, dim], `outProjBias`.
 */
export interface AttentionLayerSpec {
  type: 'attention';
  heads: number;
  dim: number;
  /** Default false. */
  causal?: boolean;
  inProjWeight?: number[][];
  inProjBias?: number[];
  outProjWeight?: number[][];
  outProjBias?: number[];
}

// ---- issue 12, recurrent layers ----------------------------------------------------------------

/**
 * What the recurrent types share: samples [time, features] (rows of time·features values, reshaped
 * as shaped inputs are) → the last step's hidden state [units], or every step's [time, units] with
 * `returnSequences`. The tensors are PyTorch's (weight_ih_l0 … without `_l0`), G gates stacked in
 * PyTorch's order (G = 4 for lstm: i, f, g, o; 3 for gru: r, z, n; 1 for rnn), one row per gate unit.
 */
export interface RecurrentLayerSpec {
  /** The hidden state's size. */
  units: number;
  /** Output every step's hidden state [time, units] (true) or only the last [units] (false, the default). */
  returnSequences?: boolean;
  /** weight_ih [G·units, features]: G·units rows of (features per step) numbers. */
  weightIh?: number[][];
  /** weight_hh [G·units, units]: G·units rows of units numbers. */
  weightHh?: number[][];
  /** bias_ih: G·units numbers. */
  biasIh?: number[];
  /** bias_hh: G·units numbers. */
  biasHh?: number[];
}

/** Long short-term memory (PyTorch's nn.LSTM, batch_first, one layer; gates i, f, g, o). */
export interface LstmLayerSpec extends RecurrentLayerSpec {
  type: 'lstm';
}

/** Gated recurrent unit (PyTorch's nn.GRU, batch_first, one layer; gates r, z, n). */
export interface GruLayerSpec extends RecurrentLayerSpec {
  type: 'gru';
}

/** Elman RNN (PyTorch's nn.RNN, batch_first, one layer): h' = act(W_ih·x + b_ih + W_hh·h + b_hh). */
export interface RnnLayerSpec extends RecurrentLayerSpec {
  type: 'rnn';
  /** The cell's activation, 'tanh' (default) or 'relu'. */
  nonlinearity?: 'tanh' | 'relu';
}

/** The spec interface of each layer type. */
export interface LayerSpecs {
  dense: DenseLayerSpec;
  conv2d: Conv2dLayerSpec;
  conv1d: Conv1dLayerSpec;
  maxPool2d: MaxPool2dLayerSpec;
  avgPool2d: AvgPool2dLayerSpec;
  globalAvgPool2d: GlobalAvgPool2dLayerSpec;
  flatten: FlattenLayerSpec;
  dropout: DropoutLayerSpec;
  // normalisation, embedding, attention
  batchNorm: BatchNormLayerSpec;
  layerNorm: LayerNormLayerSpec;
  embedding: EmbeddingLayerSpec;
  attention: AttentionLayerSpec;
  /* issue 12, recurrent: */
  lstm: LstmLayerSpec;
  gru: GruLayerSpec;
  rnn: RnnLayerSpec;
}

/** Any one layer, narrowed by its `type`. */
export type AnyLayerSpec = LayerSpecs[LayerTypeName];
type KeysOfUnion<T> = T extends unknown ? keyof T : never;
type ValueAt<T, K extends PropertyKey> = T extends unknown ? (K extends keyof T ? T[K] : never) : never;

/**
 * A layer as JSON holds it: every field of every type, each optional (derived from `LayerSpecs`, so
 * a new type's fields appear here by themselves). `layerType(l)` names its type; validateSpec checks
 * that it has exactly its type's fields.
 */
export type LayerSpec = { [K in KeysOfUnion<AnyLayerSpec>]?: ValueAt<AnyLayerSpec, K> };

/** The type of a layer: its `type`, or 'dense' when it has none. @example layerType({ units: 3 }) // 'dense' */
export function layerType(l: { type?: string }): LayerTypeName {
  return (l.type ?? 'dense') as LayerTypeName;
}

/** A network of Dense layers only, with a number of inputs: what the playground and the Dense explainer draw. */
export interface DenseNetworkSpec extends NetworkSpec {
  inputs: number;
  layers: DenseLayerSpec[];
}

export interface NetworkSpec {
  /** Number of input features, or the shape of one sample without the batch axis ([channels, height, width] for images). */
  inputs: number | number[];
  layers: LayerSpec[];
  /** Default 'mse'. */
  loss?: LossName;
  /** How missing weights are initialised (default 'xavier'); biases start at 0. */
  init?: InitName;
  /** Value for init 'constant'. */
  initValue?: number;
  /** Seed for initialisation (default 0). */
  seed?: number;
  /** Element type of the parameters (default 'float32'). */
  dtype?: 'float32' | 'float64';
}
