/**
 * The explainer's plain-data view of a network, with no arithmetic in it: spec validation (a deep
 * copy with defaults filled in), the parameters' names (`layers.0.weight[0][1]`, alias `w2`), targets
 * as vectors, and the dataset shape. Every number the explainer prints is computed by the engine
 * (src/explain/engine.ts runs a float64 Network on these specs).
 */
import type { ActivationName, DenseLayerSpec, LossName, NetworkSpec } from '../spec/index.js';
import { ACTIVATIONS, LOSSES } from '../spec/index.js';
import { LOSS_TABLE } from '../losses/index.js';
import { ShapeError, ValueError } from '../tensor/errors.js';
import { Network } from '../train/network.js';

/** Anything that is, or can describe itself as, a NetworkSpec (a `Network` has `toJSON()`). */
export type NetworkLike = NetworkSpec | { toJSON(): NetworkSpec };

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
  refuseLayerTypes(where, spec);
  if (typeof spec.inputs !== 'number' || !Number.isInteger(spec.inputs) || spec.inputs < 1) throw new ValueError(`${where}: 'inputs' must be a positive integer, got ${JSON.stringify(spec.inputs)}`);
  if (!Array.isArray(spec.layers) || spec.layers.length === 0) throw new ValueError(`${where}: 'layers' must be a non-empty array of layers`);
  const loss = lossOverride ?? spec.loss ?? 'mse';
  if (!(LOSSES as readonly string[]).includes(loss)) throw new ValueError(`${where}: unknown loss '${String(loss)}' (known: ${LOSSES.join(', ')})`);
  let width: number = spec.inputs;
  const layers = (spec.layers as DenseLayerSpec[]).map((l, k) => {
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

/**
 * The explainer traces Dense layers (neurons, weights, sums); another layer type is refused by name
 * rather than drawn wrong.
 */
function refuseLayerTypes(where: string, spec: NetworkSpec): void {
  if (!Array.isArray(spec.layers)) return;
  spec.layers.forEach((l, k) => {
    if (l && typeof l === 'object' && l.type !== undefined && l.type !== 'dense') {
      throw new ValueError(`${where}: layers[${k}] is a ${String(l.type)} layer; this explainer traces dense layers only (give a network of dense layers)`);
    }
  });
  if (Array.isArray(spec.inputs)) throw new ValueError(`${where}: inputs is the shape ${JSON.stringify(spec.inputs)}; this explainer traces dense layers on a number of inputs`);
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

/**
 * A target as a vector of the output's width. For crossEntropy a single whole number with several
 * outputs is a class index and becomes one-hot.
 */
export function normalizeTarget(s: FullSpec, t: readonly number[], where = 'target'): number[] {
  const m = s.layers[s.layers.length - 1].units;
  if (LOSS_TABLE[s.loss].classIndexTargets && m > 1 && t.length === 1) {
    const c = t[0];
    if (!Number.isInteger(c) || c < 0 || c >= m) throw new ValueError(`${where}: class index ${c} is not a whole number from 0 to ${m - 1}`);
    return Array.from({ length: m }, (_, k) => (k === c ? 1 : 0));
  }
  if (t.length !== m) throw new ShapeError(`${where} has ${t.length} values, but the network has ${m} outputs${LOSS_TABLE[s.loss].classIndexTargets ? ' (or give one class index)' : ''}`);
  t.forEach((v, k) => {
    if (!Number.isFinite(v)) throw new ValueError(`${where}[${k}] must be a finite number, got ${v}`);
  });
  return [...t];
}

/**
 * Which output layer and loss pair a Network trains in its fused, stable form (LOSS_TABLE's `fused`
 * row: sigmoid + bce, softmax + crossEntropy, on the logits z), or null.
 */
export function fusedOutput(s: FullSpec): 'sigmoid-bce' | 'softmax-crossEntropy' | null {
  const act = s.layers[s.layers.length - 1].activation;
  const fused = LOSS_TABLE[s.loss].fused;
  return fused !== null && fused.activation === act ? (`${act}-${s.loss}` as 'sigmoid-bce' | 'softmax-crossEntropy') : null;
}

/** A dataset as plain rows: inputs [n][features], targets [n][outputs or 1 class index]. */
export interface Samples {
  inputs: readonly (readonly number[])[];
  targets: readonly (readonly number[])[];
}
