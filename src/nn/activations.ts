/**
 * The activation table: every activation the library names (src/spec's ACTIVATIONS), each one row
 * holding its op, the formula text the explainer prints, and the names exporters write. Everything
 * that handles activations reads this table — Dense and the activation modules, Network, the
 * explainer, the exporters, the playground's labels — so a new activation is one row here (and its
 * name in ACTIVATIONS): the table's type makes a missing row a compile error, and its derivative
 * comes from the ops it is built of, so it trains correctly on every path, compiled or eager.
 */
import type { Tensor } from '../tensor/tensor.js';
import type { ActivationName } from '../spec/index.js';
import { elu, gelu, leakyRelu, relu, sigmoid, silu, softmax, softplus, step, tanh } from '../ops/index.js';
import { ValueError } from '../tensor/errors.js';
import { ACTIVATIONS } from '../spec/index.js';

export interface ActivationEntry {
  readonly name: ActivationName;
  /** How people write it (the playground's menus): 'ReLU'. */
  readonly label: string;
  /** a = f(z) with backprop's ops (alpha: leakyRelu's slope below 0); autograd and jit derive f′ from them. */
  readonly apply: (z: Tensor, alpha: number) => Tensor;
  /** f in the explainer's notation (z the pre-activation). */
  readonly formula: string;
  /** f′ in the explainer's notation, from z and a = f(z) (the form the chain rule uses). */
  readonly derivative: string;
  /** f′ acts element by element (false for softmax, whose every output depends on every input). */
  readonly elementwise: boolean;
  /** The ONNX operator exporters emit (null: composed there, as step is). */
  readonly onnx: string | null;
  /** The Keras/TensorFlow.js Dense activation name (null: a separate layer, as LeakyReLU, or none). */
  readonly tfjs: string | null;
  /** Useful in hidden layers (a gradient that trains, not an output-only map): what the CLI and playground offer. */
  readonly hidden: boolean;
}

export const ACTIVATION_TABLE: { readonly [K in ActivationName]: ActivationEntry & { readonly name: K } } = {
  linear: { name: 'linear', label: 'linear', apply: (z) => z, formula: 'z', derivative: '1', elementwise: true, onnx: null, tfjs: 'linear', hidden: true },
  sigmoid: { name: 'sigmoid', label: 'sigmoid', apply: (z) => sigmoid(z), formula: '1 / (1 + e^−z)', derivative: 'a(1 − a)', elementwise: true, onnx: 'Sigmoid', tfjs: 'sigmoid', hidden: true },
  tanh: { name: 'tanh', label: 'tanh', apply: (z) => tanh(z), formula: 'tanh(z)', derivative: '1 − a²', elementwise: true, onnx: 'Tanh', tfjs: 'tanh', hidden: true },
  relu: { name: 'relu', label: 'ReLU', apply: (z) => relu(z), formula: 'max(0, z)', derivative: 'z > 0 ? 1 : 0', elementwise: true, onnx: 'Relu', tfjs: 'relu', hidden: true },
  leakyRelu: { name: 'leakyRelu', label: 'leaky ReLU', apply: (z, alpha) => leakyRelu(z, alpha), formula: 'z > 0 ? z : α·z', derivative: 'z > 0 ? 1 : α', elementwise: true, onnx: 'LeakyRelu', tfjs: null, hidden: true },
  softmax: { name: 'softmax', label: 'softmax', apply: (z) => softmax(z, -1), formula: 'e^zᵢ / Σⱼ e^zⱼ', derivative: 'aᵢ(δᵢⱼ − aⱼ)', elementwise: false, onnx: 'Softmax', tfjs: 'softmax', hidden: false },
  step: { name: 'step', label: 'step', apply: (z) => step(z), formula: 'z > 0 ? 1 : 0', derivative: '0', elementwise: true, onnx: null, tfjs: null, hidden: false },
  // softplus is composed overflow-free in src/ops/compose.ts.
  softplus: {
    name: 'softplus', label: 'softplus',
    apply: (z) => softplus(z),
    formula: 'ln(1 + e^z)', derivative: '1 / (1 + e^−z)', elementwise: true, onnx: 'Softplus', tfjs: 'softplus', hidden: true,
  },
  // issue 12: GELU in its exact erf form (PyTorch's default; TF.js 'gelu'; ONNX has Gelu only from
  // opset 20, so the exporter composes it from Erf), ELU with α = 1 (the default of PyTorch, TF.js and
  // ONNX; the layer's alpha is leakyRelu's slope only) and SiLU (TF.js 'swish'; ONNX composes x·σ(x)).
  gelu: {
    name: 'gelu', label: 'GELU', apply: (z) => gelu(z),
    formula: 'z·Φ(z), Φ(z) = ½(1 + erf(z/√2))', derivative: 'Φ(z) + z·φ(z)', elementwise: true, onnx: null, tfjs: 'gelu', hidden: true,
  },
  elu: { name: 'elu', label: 'ELU', apply: (z) => elu(z, 1), formula: 'z > 0 ? z : e^z − 1', derivative: 'z > 0 ? 1 : a + 1', elementwise: true, onnx: 'Elu', tfjs: 'elu', hidden: true },
  silu: { name: 'silu', label: 'SiLU', apply: (z) => silu(z), formula: 'z·σ(z)', derivative: 'σ(z)(1 + z(1 − σ(z)))', elementwise: true, onnx: null, tfjs: 'swish', hidden: true },
};

/** The activations that train hidden layers, in table order. */
export const HIDDEN_ACTIVATIONS: readonly ActivationName[] = Object.values(ACTIVATION_TABLE).filter((e) => e.hidden).map((e) => e.name);

/**
 * The table row for a name, or a ValueError listing the known ones.
 * @example activationEntry('relu').apply(z, 0)
 */
export function activationEntry(name: string, where = 'activation'): ActivationEntry {
  const entry = (ACTIVATION_TABLE as Record<string, ActivationEntry | undefined>)[name];
  if (entry === undefined || !Object.prototype.hasOwnProperty.call(ACTIVATION_TABLE, name)) {
    throw new ValueError(`${where}: unknown activation '${String(name)}' (known: ${ACTIVATIONS.join(', ')})`);
  }
  return entry;
}

/** a = f(z) for the named activation. @example applyActivation('tanh', z) */
export function applyActivation(kind: ActivationName, x: Tensor, alpha = 0.01): Tensor {
  return activationEntry(kind).apply(x, alpha);
}
