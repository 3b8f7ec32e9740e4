/**
 * explain(): one sample through a network, forward and backward, with every number a person would
 * write down when working backpropagation by hand (seed 004's 2-2-2 example is the model): the
 * weighted sums written out, z, a = f(z), the loss and ∂L/∂y, each neuron's δ, each parameter's
 * gradient as the product of its chain-rule factors, and old → new for a learning rate.
 * The trace is plain data (JSON-able); src/explain/render.ts turns it into text or Markdown.
 */
import type { ActivationName, LossName, NetworkSpec } from '../spec/index.js';
import { ValueError } from '../tensor/errors.js';
import { checkDigits, fmt, fmtFactor } from './format.js';
import { ACTIVATION_TABLE } from '../nn/activations.js';
import { LOSS_TABLE } from '../losses/index.js';
import { cloneSpec, fusedOutput, normalizeTarget, resolveSpec, toNetworkSpec, type FullSpec, type NetworkLike } from './spec.js';
import { SpecEngine } from './engine.js';
import { SGD_DEFAULTS, sgdUpdate } from '../optim/sgd.js';

/** One plain gradient-descent step on one number, by the SGD optimizer's own rule (w − η·g). */
function descend(w: number, g: number, eta: number): number {
  const p = new Float64Array([w]);
  sgdUpdate(p, [g], { step: 0, momentumBuffer: null }, { ...SGD_DEFAULTS, lr: eta });
  return p[0];
}

export interface ExplainOptions {
  /** η in w ← w − η·∂L/∂w (default 0.1). */
  learningRate?: number;
  /** Overrides the network's loss (default: the spec's, else 'mse'). */
  loss?: LossName;
  /** How many update steps to trace on the same sample (default 1). */
  steps?: number;
  /** Significant digits of the written-out sums (default 4); the numbers themselves stay exact. */
  digits?: number;
}

/** One term w·input of a weighted sum. */
export interface SumTerm {
  param: string;
  weight: number;
  from: string;
  input: number;
  product: number;
}

/** One neuron of a gradient sum ∂L/∂a = Σ δ·w over the neurons this one feeds. */
export interface FeedTerm {
  to: string;
  delta: number;
  weight: number;
  product: number;
}

export interface NeuronTrace {
  /** x1…, h1… (hK_J with several hidden layers), y1… for outputs. */
  name: string;
  layer: number;
  index: number;
  terms: SumTerm[];
  bias: number;
  biasParam: string;
  /** The weighted sum written out, e.g. '0.1·0.5 + (-0.2)·(-0.5) + 0.01'. */
  sum: string;
  z: number;
  a: number;
  /** ∂L/∂a. */
  dLda: number;
  /** How ∂L/∂a was summed from the next layer (null for outputs: it comes from the loss). */
  dLdaTerms: FeedTerm[] | null;
  /** ∂a/∂z = f'(z) (null for softmax, and for a fused output pair, whose δ = y − t directly). */
  dadz: number | null;
  /** δ = ∂L/∂z. */
  delta: number;
}

export interface LayerTrace {
  index: number;
  role: 'hidden' | 'output';
  activation: ActivationName;
  /** f'(z) as a formula, e.g. 'a(1 − a)'. */
  derivative: string;
  neurons: NeuronTrace[];
}

export interface OutputLossTrace {
  name: string;
  y: number;
  t: number;
  /** This output's term of the loss before averaging, e.g. (y − t)². */
  term: number;
  dLdy: number;
}

/** One chain-rule factor, e.g. { symbol: '∂y1/∂z', value: 0.2031 }. */
export interface Factor {
  symbol: string;
  value: number;
}

export interface ParamTrace {
  /** 'layers.1.weight[0][0]' (from input 0 to neuron 0 of layer 1). */
  param: string;
  /** 'w(h1→y1)' or 'b(y1)'. */
  label: string;
  /** Their product is the gradient. */
  factors: Factor[];
  gradient: number;
  before: number;
  after: number;
}

export interface StepTrace {
  step: number;
  layers: LayerTrace[];
  outputs: OutputLossTrace[];
  loss: number;
  params: ParamTrace[];
  /** The outputs and loss on the same sample once every parameter has been updated. */
  outputsAfter: number[];
  lossAfter: number;
}

export interface Trace {
  kind: 'backprop-trace';
  version: 1;
  network: NetworkSpec;
  inputNames: string[];
  input: number[];
  target: number[];
  loss: LossName;
  lossFormula: string;
  lossDerivative: string;
  /** Set when the output layer and loss are computed fused (then the output δ is y − t). */
  fused: 'sigmoid-bce' | 'softmax-crossEntropy' | null;
  learningRate: number;
  digits: number;
  steps: StepTrace[];
  /** The network after the last step's update. */
  updated: NetworkSpec;
}

/** Names of every neuron: x for inputs, h for hidden layers, y for outputs (1-based). */
export function neuronNames(s: FullSpec): string[][] {
  const hidden = s.layers.length - 1;
  return [
    Array.from({ length: s.inputs }, (_, i) => `x${i + 1}`),
    ...s.layers.map((l, k) =>
      Array.from({ length: l.units }, (_, j) => (k === s.layers.length - 1 ? `y${j + 1}` : hidden === 1 ? `h${j + 1}` : `h${k + 1}_${j + 1}`)),
    ),
  ];
}

function traceStep(s: FullSpec, x: readonly number[], t: readonly number[], eta: number, digits: number, step: number, names: string[][]): { trace: StepTrace; next: FullSpec } {
  const L = s.layers.length;
  // Every number below is read off the engine's tape (src/explain/engine.ts).
  const tp = new SpecEngine(s).tape(x, t);
  const y = tp.a[L];
  const fused = fusedOutput(s);

  const layers: LayerTrace[] = s.layers.map((l, k) => ({
    index: k,
    role: k === L - 1 ? 'output' : 'hidden',
    activation: l.activation,
    derivative: ACTIVATION_TABLE[l.activation].derivative,
    neurons: l.weights.map((row, j): NeuronTrace => {
      const terms = row.map((w, i): SumTerm => ({ param: `layers.${k}.weight[${j}][${i}]`, weight: w, from: names[k][i], input: tp.a[k][i], product: w * tp.a[k][i] }));
      const sum = [...terms.map((tm) => `${fmtFactor(tm.weight, digits)}·${fmtFactor(tm.input, digits)}`), fmtFactor(l.bias[j], digits)].join(' + ');
      const slope = tp.dadz[k];
      const dadz = slope === null || (k === L - 1 && fused) ? null : slope[j];
      const dLdaTerms = k === L - 1 ? null : s.layers[k + 1].weights.map((nrow, n): FeedTerm => ({ to: names[k + 2][n], delta: tp.delta[k + 1][n], weight: nrow[j], product: tp.delta[k + 1][n] * nrow[j] }));
      return {
        name: names[k + 1][j], layer: k, index: j, terms, bias: l.bias[j], biasParam: `layers.${k}.bias[${j}]`, sum,
        z: tp.z[k][j], a: tp.a[k + 1][j], dLda: tp.dLda[k][j], dLdaTerms, dadz, delta: tp.delta[k][j],
      };
    }),
  }));

  const outputs = y.map((v, k): OutputLossTrace => ({ name: names[L][k], y: v, t: t[k], term: tp.terms[k], dLdy: tp.dLda[L - 1][k] }));

  const next = cloneSpec(s);
  const params: ParamTrace[] = [];
  s.layers.forEach((l, k) => {
    const lt = layers[k];
    const chain = (j: number): Factor[] => {
      const n = lt.neurons[j];
      if (n.dadz === null) return [{ symbol: fused && k === L - 1 ? `δ(${n.name}) = y − t` : `δ(${n.name})`, value: n.delta }];
      return [{ symbol: `∂L/∂${n.name}`, value: n.dLda }, { symbol: `∂${n.name}/∂z`, value: n.dadz }];
    };
    l.weights.forEach((row, j) => {
      row.forEach((w, i) => {
        const g = tp.gradW[k][j][i];
        const after = descend(w, g, eta);
        next.layers[k].weights[j][i] = after;
        params.push({
          param: `layers.${k}.weight[${j}][${i}]`, label: `w(${names[k][i]}→${names[k + 1][j]})`,
          factors: [...chain(j), { symbol: `∂z/∂w = ${names[k][i]}`, value: tp.a[k][i] }], gradient: g, before: w, after,
        });
      });
    });
    l.bias.forEach((b, j) => {
      const g = tp.gradB[k][j];
      const after = descend(b, g, eta);
      next.layers[k].bias[j] = after;
      params.push({
        param: `layers.${k}.bias[${j}]`, label: `b(${names[k + 1][j]})`,
        factors: [...chain(j), { symbol: '∂z/∂b', value: 1 }], gradient: g, before: b, after,
      });
    });
  });
  const after = new SpecEngine(next).tape(x, t);
  return { trace: { step, layers, outputs, loss: tp.loss, params, outputsAfter: after.a[L], lossAfter: after.loss }, next };
}

/** The loss's formula and its ∂L/∂y as the trace prints them: LOSS_TABLE's text (the fused row's for a fused output pair). */
function lossText(s: FullSpec): { formula: string; derivative: string } {
  const entry = LOSS_TABLE[s.loss];
  return { formula: `L = ${entry.formula}`, derivative: fusedOutput(s) ? entry.fused!.derivative : entry.derivative };
}

/**
 * Runs `steps` forward/backward/update passes of one sample through a network whose weights are all
 * given, recording every number. The numbers are exact float64; only the written-out sums use `digits`.
 * @example
 * const trace = explain(spec004, [0.5, -0.5], [0.9, 0.1], { learningRate: 1.2 });
 * trace.steps[0].layers[0].neurons[0].a // 0.5399…
 * console.log(renderText(trace));
 */
export function explain(network: NetworkLike, input: readonly number[], target: readonly number[], options: ExplainOptions = {}): Trace {
  const unknown = Object.keys(options).filter((k) => !['learningRate', 'loss', 'steps', 'digits'].includes(k));
  if (unknown.length) throw new ValueError(`explain: unknown option '${unknown[0]}' (known: learningRate, loss, steps, digits)`);
  const eta = options.learningRate ?? 0.1;
  if (!Number.isFinite(eta) || eta < 0) throw new ValueError(`explain: learningRate must be a finite number ≥ 0, got ${eta}`);
  const steps = options.steps ?? 1;
  if (!Number.isInteger(steps) || steps < 1 || steps > 1000) throw new ValueError(`explain: steps must be a whole number from 1 to 1000, got ${steps}`);
  const digits = checkDigits('explain', options.digits ?? 4);
  let s = resolveSpec('explain', network, options.loss);
  if (!Array.isArray(input) || input.length !== s.inputs) throw new ValueError(`explain: input has ${Array.isArray(input) ? input.length : 'no'} values, but the network takes ${s.inputs}`);
  input.forEach((v, i) => {
    if (!Number.isFinite(v)) throw new ValueError(`explain: input[${i}] must be a finite number, got ${v}`);
  });
  const t = normalizeTarget(s, target, 'explain: target');
  const names = neuronNames(s);
  const initial = toNetworkSpec(s);
  const traces: StepTrace[] = [];
  for (let k = 1; k <= steps; k++) {
    const { trace, next } = traceStep(s, input, t, eta, digits, k, names);
    traces.push(trace);
    s = next;
  }
  return {
    kind: 'backprop-trace', version: 1, network: initial, inputNames: names[0], input: [...input], target: t,
    loss: s.loss, lossFormula: lossText(s).formula, lossDerivative: lossText(s).derivative, fused: fusedOutput(s),
    learningRate: eta, digits, steps: traces, updated: toNetworkSpec(s),
  };
}

/** fmt with the trace's digits (for renderers). */
export function traceFmt(trace: Pick<Trace, 'digits'>): (x: number) => string {
  return (x: number) => fmt(x, trace.digits);
}
