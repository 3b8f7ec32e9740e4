/**
 * A fully-connected network worked in plain float64 numbers, the way the articles work it by hand:
 * every z, every activation, every δ and every ∂L/∂w is an ordinary number the explainer can print.
 * The tests check these numbers against the engine's autograd on the same network, so the hand
 * calculation shown to users is the one the library actually performs.
 *
 * Loss conventions (shared with src/losses): over a batch of N samples with m outputs,
 *   mse = mean of (y − t)² over all N·m elements   (for seed 004's 2 outputs ∂L/∂y = y − t exactly,
 *         which is the article's E = ½Σ(t − y)² gradient, −(0.9 − 0.7164) = −0.1836),
 *   sse = Σ (y − t)²,  mae = mean |y − t|,
 *   bce = −mean[t·ln p + (1 − t)·ln(1 − p)], p = y clamped to [1e-7, 1 − 1e-7],
 *   crossEntropy = −(1/N) Σ t·ln p over classes (softmax outputs; class-index or one-hot targets).
 */
import type { ActivationName, LayerSpec, LossName, NetworkSpec } from '../spec/index.js';
import { ACTIVATIONS, LOSSES } from '../spec/index.js';
import { ShapeError, ValueError } from '../tensor/errors.js';
import { Network } from '../train/network.js';

/** Anything that is, or can describe itself as, a NetworkSpec (a `Network` has `toJSON()`). */
export type NetworkLike = NetworkSpec | { toJSON(): NetworkSpec };

export const BCE_EPS = 1e-7;

/** A network whose every weight and bias is a number: what the explainer works on. */
export interface FullSpec {
  inputs: number;
  layers: { units: number; activation: ActivationName; alpha: number; weights: number[][]; bias: number[] }[];
  loss: LossName;
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/**
 * Validates a network (or spec) and returns a deep copy with defaults filled in: biases left out are
 * 0, weights left out are initialised by `Network` (seeded, so the same every time).
 * @example resolveSpec('explain', { inputs: 1, layers: [{ units: 1, weights: [[2]], bias: [0] }] })
 */
export function resolveSpec(where: string, net: NetworkLike, lossOverride?: LossName): FullSpec {
  if (net === null || typeof net !== 'object') throw new ValueError(`${where}: expected a NetworkSpec or a Network, got ${net === null ? 'null' : typeof net}`);
  let spec: NetworkSpec = typeof (net as { toJSON?: unknown }).toJSON === 'function' ? (net as { toJSON(): NetworkSpec }).toJSON() : (net as NetworkSpec);
  // Weights left out are initialised the way Network does it (its `init` and `seed`), so a bare
  // architecture explains the same network that `new Network(spec)` would build.
  if (Array.isArray(spec.layers) && spec.layers.some((l) => l && typeof l === 'object' && l.weights === undefined)) spec = new Network(spec).toJSON();
  if (!Number.isInteger(spec.inputs) || spec.inputs < 1) throw new ValueError(`${where}: 'inputs' must be a positive integer, got ${JSON.stringify(spec.inputs)}`);
  if (!Array.isArray(spec.layers) || spec.layers.length === 0) throw new ValueError(`${where}: 'layers' must be a non-empty array of layers`);
  const loss = lossOverride ?? spec.loss ?? 'mse';
  if (!(LOSSES as readonly string[]).includes(loss)) throw new ValueError(`${where}: unknown loss '${String(loss)}' (known: ${LOSSES.join(', ')})`);
  let width = spec.inputs;
  const layers = spec.layers.map((l: LayerSpec, k) => {
    const at = `${where}: layers[${k}]`;
    if (l === null || typeof l !== 'object') throw new ValueError(`${at} must be an object`);
    if (!Number.isInteger(l.units) || l.units < 1) throw new ValueError(`${at}.units must be a positive integer, got ${JSON.stringify(l.units)}`);
    const activation = l.activation ?? 'linear';
    if (!(ACTIVATIONS as readonly string[]).includes(activation)) throw new ValueError(`${at}.activation '${String(activation)}' is unknown (known: ${ACTIVATIONS.join(', ')})`);
    if (!Array.isArray(l.weights)) throw new ValueError(`${at}.weights must be an array of ${l.units} rows (one per neuron)`);
    if (l.weights.length !== l.units) throw new ShapeError(`${at}.weights has ${l.weights.length} rows, expected ${l.units} (one per neuron)`);
    const weights = l.weights.map((row, j) => {
      if (!Array.isArray(row) || row.length !== width) throw new ShapeError(`${at}.weights[${j}] has ${Array.isArray(row) ? row.length : 'no'} entries, expected ${width} (one per input of the layer)`);
      return row.map((v, i) => {
        if (!isFiniteNumber(v)) throw new ValueError(`${at}.weights[${j}][${i}] must be a finite number, got ${JSON.stringify(v)}`);
        return v;
      });
    });
    const bias = l.bias === undefined ? new Array<number>(l.units).fill(0) : l.bias;
    if (!Array.isArray(bias) || bias.length !== l.units) throw new ShapeError(`${at}.bias must have ${l.units} numbers (one per neuron)`);
    bias.forEach((v, j) => {
      if (!isFiniteNumber(v)) throw new ValueError(`${at}.bias[${j}] must be a finite number, got ${JSON.stringify(v)}`);
    });
    const alpha = l.alpha ?? 0.01;
    if (!isFiniteNumber(alpha)) throw new ValueError(`${at}.alpha must be a finite number`);
    width = l.units;
    return { units: l.units, activation: activation as ActivationName, alpha, weights, bias: [...bias] };
  });
  layers.slice(0, -1).forEach((l, k) => {
    if (l.activation === 'softmax') throw new ValueError(`${where}: layers[${k}] uses softmax, which only the output layer may use`);
  });
  return { inputs: spec.inputs, layers, loss: loss as LossName };
}

/** A deep copy (parameters are edited on copies, never on the caller's spec). */
export function cloneSpec(s: FullSpec): FullSpec {
  return { inputs: s.inputs, loss: s.loss, layers: s.layers.map((l) => ({ ...l, weights: l.weights.map((r) => [...r]), bias: [...l.bias] })) };
}

/** Back to the shared JSON format. */
export function toNetworkSpec(s: FullSpec): NetworkSpec {
  return {
    inputs: s.inputs,
    layers: s.layers.map((l) => ({ units: l.units, activation: l.activation, ...(l.activation === 'leakyRelu' ? { alpha: l.alpha } : {}), weights: l.weights.map((r) => [...r]), bias: [...l.bias] })),
    loss: s.loss,
  };
}

// ---------------------------------------------------------------- parameters and their names

/** One scalar parameter: `layers.0.weight[j][i]` (from input i to neuron j) or `layers.0.bias[j]`. */
export interface ParamRef {
  /** The state-dict style name, e.g. 'layers.1.weight[0][1]'. */
  name: string;
  /** Short name: wK is the K-th weight, bK the K-th bias, counting layer by layer, row by row from 1. */
  alias: string;
  layer: number;
  kind: 'weight' | 'bias';
  /** Neuron (row) index j. */
  row: number;
  /** Input (column) index i; -1 for a bias. */
  col: number;
}

/** Every parameter in order: per layer, its weights row by row, then its biases. */
export function listParams(s: FullSpec): ParamRef[] {
  const out: ParamRef[] = [];
  let w = 0, b = 0;
  s.layers.forEach((l, k) => {
    l.weights.forEach((row, j) => row.forEach((_, i) => out.push({ name: `layers.${k}.weight[${j}][${i}]`, alias: `w${++w}`, layer: k, kind: 'weight', row: j, col: i })));
    l.bias.forEach((_, j) => out.push({ name: `layers.${k}.bias[${j}]`, alias: `b${++b}`, layer: k, kind: 'bias', row: j, col: -1 }));
  });
  return out;
}

/**
 * Finds a parameter by its full name (`layers.0.weight[0][1]`, also `layers.0.weight.0.1`) or its
 * alias (`w1`, `b1`).
 * @example findParam(spec, 'w2').name // 'layers.0.weight[0][1]'
 */
export function findParam(s: FullSpec, name: string): ParamRef {
  const all = listParams(s);
  const key = name.trim().replace(/\.(\d+)\.(\d+)$/, '[$1][$2]').replace(/\.bias\.(\d+)$/, '.bias[$1]');
  const hit = all.find((p) => p.name === key || p.alias === key);
  if (!hit) {
    const examples = all.slice(0, 3).map((p) => `${p.name} (${p.alias})`).join(', ');
    throw new ValueError(`parameter '${name}' does not exist in this network; names look like ${examples}, … (${all.length} in all)`);
  }
  return hit;
}

export function getParam(s: FullSpec, p: ParamRef): number {
  const l = s.layers[p.layer];
  return p.kind === 'weight' ? l.weights[p.row][p.col] : l.bias[p.row];
}

export function setParam(s: FullSpec, p: ParamRef, v: number): void {
  const l = s.layers[p.layer];
  if (p.kind === 'weight') l.weights[p.row][p.col] = v;
  else l.bias[p.row] = v;
}

// ---------------------------------------------------------------- activations

/** f(z) for one neuron (softmax is handled per layer). */
export function activate(name: ActivationName, z: number, alpha = 0.01): number {
  switch (name) {
    case 'linear': return z;
    case 'sigmoid': return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    case 'tanh': return Math.tanh(z);
    case 'relu': return z > 0 ? z : 0;
    case 'leakyRelu': return z > 0 ? z : alpha * z;
    case 'step': return z > 0 ? 1 : 0;
    case 'softmax': throw new ValueError('activate: softmax acts on a whole layer, not one neuron');
  }
}

/** f'(z) given z and a = f(z), for element-wise activations (the engine's conventions at kinks). */
export function activationDerivative(name: ActivationName, z: number, a: number, alpha = 0.01): number {
  switch (name) {
    case 'linear': return 1;
    case 'sigmoid': return a * (1 - a); // σ' = σ(1 − σ)
    case 'tanh': return 1 - a * a; // tanh' = 1 − tanh²
    case 'relu': return z > 0 ? 1 : 0;
    case 'leakyRelu': return z > 0 ? 1 : z < 0 ? alpha : 0;
    case 'step': return 0; // flat everywhere: why the articles leave the perceptron's step for σ
    case 'softmax': throw new ValueError('activationDerivative: softmax has a Jacobian, not a derivative per neuron');
  }
}

/** Formula of f'(z) for the renderers. */
export function derivativeFormula(name: ActivationName): string {
  switch (name) {
    case 'linear': return '1';
    case 'sigmoid': return 'a(1 − a)';
    case 'tanh': return '1 − a²';
    case 'relu': return 'z > 0 ? 1 : 0';
    case 'leakyRelu': return 'z > 0 ? 1 : α';
    case 'step': return '0';
    case 'softmax': return 'softmax Jacobian';
  }
}

function softmaxOf(z: readonly number[]): number[] {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((p, q) => p + q, 0);
  return e.map((v) => v / s);
}

// ---------------------------------------------------------------- forward, loss, backward

export interface ForwardPass {
  /** a[0] is the input; a[k+1] the output of layer k. */
  a: number[][];
  /** z[k]: the weighted sums of layer k. */
  z: number[][];
}

/** One sample forward. @example forward(spec, [0.5, -0.5]).a.at(-1) // the outputs */
export function forward(s: FullSpec, x: readonly number[]): ForwardPass {
  if (x.length !== s.inputs) throw new ShapeError(`input has ${x.length} values, but the network takes ${s.inputs}`);
  const a: number[][] = [[...x]];
  const z: number[][] = [];
  for (const l of s.layers) {
    const prev = a[a.length - 1];
    const zs = l.weights.map((row, j) => {
      let sum = 0;
      for (let i = 0; i < row.length; i++) sum += row[i] * prev[i];
      return sum + l.bias[j];
    });
    z.push(zs);
    a.push(l.activation === 'softmax' ? softmaxOf(zs) : zs.map((v) => activate(l.activation, v, l.alpha)));
  }
  return { a, z };
}

/**
 * A target as a vector of the output's width. For crossEntropy a single whole number with several
 * outputs is a class index and becomes one-hot.
 */
export function normalizeTarget(s: FullSpec, t: readonly number[], where = 'target'): number[] {
  const m = s.layers[s.layers.length - 1].units;
  if (s.loss === 'crossEntropy' && m > 1 && t.length === 1) {
    const c = t[0];
    if (!Number.isInteger(c) || c < 0 || c >= m) throw new ValueError(`${where}: class index ${c} is not a whole number from 0 to ${m - 1}`);
    return Array.from({ length: m }, (_, k) => (k === c ? 1 : 0));
  }
  if (t.length !== m) throw new ShapeError(`${where} has ${t.length} values, but the network has ${m} outputs${s.loss === 'crossEntropy' ? ' (or give one class index)' : ''}`);
  t.forEach((v, k) => {
    if (!Number.isFinite(v)) throw new ValueError(`${where}[${k}] must be a finite number, got ${v}`);
  });
  return [...t];
}

const clampP = (y: number, lo = BCE_EPS, hi = 1 - BCE_EPS): number => (y < lo ? lo : y > hi ? hi : y);

/**
 * Which output layer and loss pair is computed in its fused, stable form (as Network trains it):
 * sigmoid + bce from the logits z, softmax + crossEntropy by log-softmax of z. Either way δ = y − t.
 */
export function fusedOutput(s: FullSpec): 'sigmoid-bce' | 'softmax-crossEntropy' | null {
  const act = s.layers[s.layers.length - 1].activation;
  if (s.loss === 'bce' && act === 'sigmoid') return 'sigmoid-bce';
  if (s.loss === 'crossEntropy' && act === 'softmax') return 'softmax-crossEntropy';
  return null;
}

function logSoftmaxOf(v: readonly number[]): number[] {
  const m = Math.max(...v);
  const lse = m + Math.log(v.reduce((acc, x) => acc + Math.exp(x - m), 0));
  return v.map((x) => x - lse);
}

/**
 * Each output's term of one sample's loss, before the batch divisor: (y − t)², |y − t|, the bce term,
 * or −t·ln p for cross-entropy. crossEntropy on a non-softmax output treats the outputs as logits
 * (p = softmax(y)), as Network does.
 */
export function lossTerms(s: FullSpec, z: readonly number[], y: readonly number[], t: readonly number[]): number[] {
  const fused = fusedOutput(s);
  switch (s.loss) {
    case 'mse':
    case 'sse': return y.map((v, k) => (v - t[k]) ** 2);
    case 'mae': return y.map((v, k) => Math.abs(v - t[k]));
    case 'bce':
      // from logits: max(z, 0) − z·t + ln(1 + e^−|z|), exact where σ(z) rounds to 0 or 1
      if (fused) return z.map((v, k) => Math.max(v, 0) - v * t[k] + Math.log1p(Math.exp(-Math.abs(v))));
      return y.map((v, k) => { const p = clampP(v); return -(t[k] * Math.log(p) + (1 - t[k]) * Math.log(1 - p)); });
    case 'crossEntropy': {
      const logp = logSoftmaxOf(fused ? z : y);
      return t.map((tk, k) => (tk === 0 ? 0 : -tk * logp[k]));
    }
  }
}

/** What the terms are divided by over a batch of `n` samples with `m` outputs. */
export function lossDivisor(loss: LossName, n: number, m: number): number {
  return loss === 'sse' ? 1 : loss === 'crossEntropy' ? n : n * m;
}

/** The loss of one sample (n = 1). */
export function sampleLoss(s: FullSpec, fp: ForwardPass, t: readonly number[]): number {
  const L = s.layers.length;
  const terms = lossTerms(s, fp.z[L - 1], fp.a[L], t);
  return terms.reduce((p, q) => p + q, 0) / lossDivisor(s.loss, 1, terms.length);
}

/**
 * ∂L/∂y for one sample's outputs, with the batch's divisor folded in. For a fused output pair this is
 * the unfused formula's value (for display; NaN where it is not finite), since δ = y − t is used.
 */
export function lossDerivative(s: FullSpec, z: readonly number[], y: readonly number[], t: readonly number[], divisor: number): number[] {
  switch (s.loss) {
    case 'mse':
    case 'sse': return y.map((v, k) => (2 * (v - t[k])) / divisor);
    case 'mae': return y.map((v, k) => Math.sign(v - t[k]) / divisor);
    case 'bce':
      return y.map((v, k) => {
        if (!fusedOutput(s) && (v < BCE_EPS || v > 1 - BCE_EPS)) return 0; // clamped: flat
        const d = (v - t[k]) / (v * (1 - v)) / divisor;
        return Number.isFinite(d) ? d : NaN;
      });
    case 'crossEntropy': {
      if (fusedOutput(s)) return y.map((v, k) => (v === 0 ? NaN : -t[k] / v / divisor));
      // outputs are logits: ∂/∂y_k of −Σ t·logsoftmax(y) = softmax(y)_k·Σt − t_k
      const p = softmaxOf(y);
      const sumT = t.reduce((a, b) => a + b, 0);
      return p.map((pk, k) => (pk * sumT - t[k]) / divisor);
    }
  }
}

/** Formula of ∂L/∂y for the renderers (m outputs, one sample). */
export function lossDerivativeFormula(s: FullSpec): string {
  const m = s.layers[s.layers.length - 1].units;
  const per = m === 1 ? '' : `/${m}`;
  switch (s.loss) {
    case 'mse': return `2(y − t)${per}`;
    case 'sse': return '2(y − t)';
    case 'mae': return `sign(y − t)${per}`;
    case 'bce': return m === 1 ? '(y − t)/(y(1 − y))' : `(y − t)/(y(1 − y))/${m}`;
    case 'crossEntropy': return fusedOutput(s) ? '−t/y' : 'softmax(y) − t';
  }
}

export function lossFormula(s: FullSpec): string {
  const m = s.layers[s.layers.length - 1].units;
  switch (s.loss) {
    case 'mse': return m === 1 ? 'L = (y − t)²' : `L = mean over the ${m} outputs of (y − t)²`;
    case 'sse': return 'L = Σ (y − t)²';
    case 'mae': return m === 1 ? 'L = |y − t|' : `L = mean over the ${m} outputs of |y − t|`;
    case 'bce': return `L = −${m === 1 ? '' : 'mean '}[t·ln y + (1 − t)·ln(1 − y)]`;
    case 'crossEntropy': return fusedOutput(s) ? 'L = −Σ t·ln y' : 'L = −Σ t·ln softmax(y)';
  }
}

export interface BackwardPass {
  /** dLda[k][j] = ∂L/∂a for neuron j of layer k. */
  dLda: number[][];
  /** delta[k][j] = ∂L/∂z for neuron j of layer k. */
  delta: number[][];
  /** gradW[k][j][i], gradB[k][j]. */
  gradW: number[][][];
  gradB: number[][];
}

/**
 * One sample backward, given its forward pass and target; `divisor` is the batch's (see lossDivisor),
 * so summing the returned gradients over a batch gives the batch loss's gradient.
 */
export function backward(s: FullSpec, fp: ForwardPass, t: readonly number[], divisor: number): BackwardPass {
  const L = s.layers.length;
  const dLda: number[][] = new Array(L);
  const delta: number[][] = new Array(L);
  const y = fp.a[L];
  dLda[L - 1] = lossDerivative(s, fp.z[L - 1], y, t, divisor);
  const fused = fusedOutput(s);
  for (let k = L - 1; k >= 0; k--) {
    const l = s.layers[k];
    const a = fp.a[k + 1];
    if (k < L - 1) {
      const next = s.layers[k + 1];
      // ∂L/∂a_j = Σ_n δ_n · w_nj: the gradients from every neuron a feeds are summed
      dLda[k] = a.map((_, j) => next.weights.reduce((acc, row, n) => acc + delta[k + 1][n] * row[j], 0));
    }
    const g = dLda[k];
    if (k === L - 1 && fused) {
      delta[k] = a.map((v, j) => (v - t[j]) / divisor);
    } else if (l.activation === 'softmax') {
      const dot = g.reduce((acc, gv, n) => acc + gv * a[n], 0);
      delta[k] = a.map((v, j) => v * (g[j] - dot)); // ∂a_n/∂z_j = a_n(δ_nj − a_j)
    } else {
      delta[k] = a.map((v, j) => g[j] * activationDerivative(l.activation, fp.z[k][j], v, l.alpha));
    }
  }
  const gradW = s.layers.map((l, k) => l.weights.map((row, j) => row.map((_, i) => delta[k][j] * fp.a[k][i])));
  const gradB = s.layers.map((_, k) => [...delta[k]]);
  return { dLda, delta, gradW, gradB };
}

/** A dataset as plain rows: inputs [n][features], targets [n][outputs or 1 class index]. */
export interface Samples {
  inputs: readonly (readonly number[])[];
  targets: readonly (readonly number[])[];
}

/**
 * The loss over a whole batch and its gradient for every parameter (listParams order).
 * @example lossAndGradient(spec, { inputs: [[1, 0]], targets: [[1]] }).loss
 */
export function lossAndGradient(s: FullSpec, data: Samples, withGradient = true): { loss: number; gradient: number[] } {
  const n = data.inputs.length;
  if (n === 0) throw new ValueError('the dataset is empty');
  if (data.targets.length !== n) throw new ShapeError(`${n} inputs but ${data.targets.length} targets`);
  const m = s.layers[s.layers.length - 1].units;
  const div = lossDivisor(s.loss, n, m);
  let loss = 0;
  const gW = s.layers.map((l) => l.weights.map((r) => r.map(() => 0)));
  const gB = s.layers.map((l) => l.bias.map(() => 0));
  for (let r = 0; r < n; r++) {
    const fp = forward(s, data.inputs[r]);
    const t = normalizeTarget(s, data.targets[r], `target of row ${r + 1}`);
    const L = s.layers.length;
    for (const v of lossTerms(s, fp.z[L - 1], fp.a[L], t)) loss += v;
    if (!withGradient) continue;
    const bp = backward(s, fp, t, div);
    bp.gradW.forEach((lw, k) => lw.forEach((row, j) => row.forEach((v, i) => { gW[k][j][i] += v; })));
    bp.gradB.forEach((lb, k) => lb.forEach((v, j) => { gB[k][j] += v; }));
  }
  const gradient: number[] = [];
  if (withGradient) s.layers.forEach((_, k) => { gW[k].forEach((row) => gradient.push(...row)); gradient.push(...gB[k]); });
  return { loss: loss / div, gradient };
}
