/**
 * The plain, JSON-able description of a network: the one format shared by `Network`, the model file,
 * the CLI, the explainer and the playground. `weights[j][i]` is the weight from input i to neuron j
 * (so a layer's weight matrix has one row per neuron, PyTorch's [out, in]).
 */

export const ACTIVATIONS = ['linear', 'sigmoid', 'tanh', 'relu', 'leakyRelu', 'softmax', 'step', 'softplus', 'gelu', 'elu', 'silu'] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

export const LOSSES = ['mse', 'sse', 'mae', 'bce', 'crossEntropy'] as const;
export type LossName = (typeof LOSSES)[number];

export const INITS = ['zeros', 'constant', 'uniform', 'normal', 'xavier', 'glorot', 'he'] as const;
export type InitName = (typeof INITS)[number];

export interface LayerSpec {
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

export interface NetworkSpec {
  /** Number of input features. */
  inputs: number;
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
