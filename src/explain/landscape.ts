/**
 * Loss landscapes (seed 000's picture): the loss over a grid of two parameters with every other one
 * held fixed, the current point, and optionally the route an optimizer takes from it (moving only
 * those two parameters, so the route lies on the drawn surface). Losses and gradients are the
 * engine's: a float64 Network's training loss and its backward; the route's update rule is
 * src/optim's own (SGD, Adam, …), fed those gradients.
 */
import { tensor } from '../tensor/tensor.js';
import { ValueError } from '../tensor/errors.js';
import { optimizerByName, OPTIMIZER_NAMES } from '../optim/index.js';
import type { LossName, NetworkSpec } from '../spec/index.js';
import { findParam, getParam, listParams, resolveSpec, toNetworkSpec, type NetworkLike, type ParamRef, type Samples } from './spec.js';
import { checkSamples, sampleTensors, SpecEngine } from './engine.js';

export interface LandscapePathOptions {
  /** 'sgd', 'momentum', 'adam', 'adamw', 'rmsprop' or 'adagrad'. */
  optimizer: string;
  /** Default 1 for sgd/momentum, 0.1 for the adaptive ones (the route should be visible on a ±10 map). */
  learningRate?: number;
  /** Number of steps (default 100). */
  steps?: number;
}

export interface LandscapeOptions {
  /** The two parameters: full names ('layers.0.weight[0][1]') or aliases ('w1', 'b1'). Default: the first two weights. */
  params?: readonly [string, string];
  /** Range of both axes (default [-10, 10]); or one range per axis. */
  range?: readonly [number, number] | { x: readonly [number, number]; y: readonly [number, number] };
  /** Points per axis (default 61). */
  grid?: number;
  /** Set every bias to 0 first (seed 000 fixes the bias at zero to draw its picture). */
  fixBias?: boolean;
  /** Overrides the network's loss. */
  loss?: LossName;
  path?: LandscapePathOptions;
  /** The dataset's name, for titles (e.g. 'or'). */
  dataName?: string;
}

export interface LandscapePoint {
  x: number;
  y: number;
  loss: number;
}

export interface Landscape {
  kind: 'backprop-landscape';
  version: 1;
  loss: LossName;
  /** Full names of the x and y parameters. */
  params: [string, string];
  /** Their short names (w1, w2 …). */
  aliases: [string, string];
  xs: number[];
  ys: number[];
  /** values[r * xs.length + c] is the loss at (xs[c], ys[r]). */
  values: number[];
  min: LandscapePoint;
  max: LandscapePoint;
  /** The network's own values of the two parameters. */
  current: LandscapePoint;
  path: { optimizer: string; learningRate: number; points: LandscapePoint[] } | null;
  fixedBias: boolean;
  /** The network the landscape was drawn for (biases zeroed under fixBias). */
  network: NetworkSpec;
  samples: number;
  dataName: string | null;
}

function checkRange(what: string, r: unknown): [number, number] {
  if (!Array.isArray(r) || r.length !== 2 || !r.every((v) => Number.isFinite(v)) || !(r[0] < r[1])) {
    throw new ValueError(`landscape: ${what} must be two finite numbers, low < high, got ${JSON.stringify(r)}`);
  }
  return [r[0], r[1]];
}

function linspace(lo: number, hi: number, n: number): number[] {
  return Array.from({ length: n }, (_, k) => (n === 1 ? (lo + hi) / 2 : lo + ((hi - lo) * k) / (n - 1)));
}

/**
 * The loss over a grid of two parameters, the rest held fixed.
 * @example
 * // seed 000: MSE of the OR neuron over (w1, w2), bias fixed at 0, from (−4, −4)
 * const land = landscape(orNeuron, builtinDataset('or'), { fixBias: true, path: { optimizer: 'adam' } });
 */
export function landscape(network: NetworkLike, data: Samples, options: LandscapeOptions = {}): Landscape {
  const unknown = Object.keys(options).filter((k) => !['params', 'range', 'grid', 'fixBias', 'loss', 'path', 'dataName'].includes(k));
  if (unknown.length) throw new ValueError(`landscape: unknown option '${unknown[0]}' (known: params, range, grid, fixBias, loss, path, dataName)`);
  const s = resolveSpec('landscape', network, options.loss);
  if (options.fixBias) for (const l of s.layers) l.bias.fill(0);
  const all = listParams(s);
  let refs: [ParamRef, ParamRef];
  if (options.params) {
    if (!Array.isArray(options.params) || options.params.length !== 2) throw new ValueError('landscape: params must name exactly two parameters, e.g. ["w1", "w2"]');
    refs = [findParam(s, options.params[0]), findParam(s, options.params[1])];
    if (refs[0].name === refs[1].name) throw new ValueError(`landscape: the two parameters must differ (both are ${refs[0].name})`);
  } else {
    const weights = all.filter((p) => p.kind === 'weight');
    if (weights.length < 2) {
      if (all.length < 2) throw new ValueError('landscape: the network has fewer than two parameters');
      refs = [all[0], all[1]];
    } else refs = [weights[0], weights[1]];
  }
  if (options.fixBias && refs.some((r) => r.kind === 'bias')) throw new ValueError(`landscape: fixBias holds every bias at 0, so ${refs.find((r) => r.kind === 'bias')!.name} cannot be an axis`);
  const n = options.grid ?? 61;
  if (!Number.isInteger(n) || n < 2 || n > 1001) throw new ValueError(`landscape: grid must be a whole number from 2 to 1001, got ${n}`);
  const rr = options.range ?? [-10, 10];
  const [xr, yr] = Array.isArray(rr) ? [checkRange('range', rr), checkRange('range', rr)] : [checkRange('range.x', (rr as { x: unknown }).x), checkRange('range.y', (rr as { y: unknown }).y)];
  const xs = linspace(xr[0], xr[1], n), ys = linspace(yr[0], yr[1], n);
  checkSamples(s, data);
  const work = new SpecEngine(s);
  const batch = sampleTensors(s, data);
  const lossAt = (x: number, y: number): number => {
    work.set(refs[0], x);
    work.set(refs[1], y);
    return work.loss(batch.x, batch.y);
  };
  const values: number[] = new Array(n * n);
  let min: LandscapePoint = { x: NaN, y: NaN, loss: Infinity }, max: LandscapePoint = { x: NaN, y: NaN, loss: -Infinity };
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const v = lossAt(xs[c], ys[r]);
      values[r * n + c] = v;
      if (v < min.loss) min = { x: xs[c], y: ys[r], loss: v };
      if (v > max.loss) max = { x: xs[c], y: ys[r], loss: v };
    }
  }
  const cx = getParam(s, refs[0]), cy = getParam(s, refs[1]);
  const current = { x: cx, y: cy, loss: lossAt(cx, cy) };
  return {
    kind: 'backprop-landscape', version: 1, loss: s.loss, params: [refs[0].name, refs[1].name], aliases: [refs[0].alias, refs[1].alias],
    xs, ys, values, min, max, current, path: options.path ? descentPath(s, data, refs, options.path) : null,
    fixedBias: Boolean(options.fixBias), network: toNetworkSpec(s), samples: data.inputs.length, dataName: options.dataName ?? null,
  };
}

/** The route of an optimizer over the two parameters (full-batch gradients, the rest fixed). */
function descentPath(s: ReturnType<typeof resolveSpec>, data: Samples, refs: [ParamRef, ParamRef], o: LandscapePathOptions): NonNullable<Landscape['path']> {
  const unknown = Object.keys(o).filter((k) => !['optimizer', 'learningRate', 'steps'].includes(k));
  if (unknown.length) throw new ValueError(`landscape: unknown path option '${unknown[0]}' (known: optimizer, learningRate, steps)`);
  const name = String(o.optimizer).toLowerCase();
  if (!(OPTIMIZER_NAMES as readonly string[]).includes(name)) throw new ValueError(`landscape: unknown optimizer '${o.optimizer}' for the path (known: ${OPTIMIZER_NAMES.join(', ')})`);
  const lr = o.learningRate ?? (name === 'sgd' || name === 'momentum' ? 1 : 0.1);
  const steps = o.steps ?? 100;
  if (!Number.isInteger(steps) || steps < 1 || steps > 100000) throw new ValueError(`landscape: path steps must be a whole number from 1 to 100000, got ${steps}`);
  const work = new SpecEngine(s);
  const batch = sampleTensors(s, data);
  const all = listParams(s);
  const idx = refs.map((r) => all.findIndex((p) => p.name === r.name));
  const px = tensor([getParam(s, refs[0])], { dtype: 'float64', requiresGrad: true });
  const py = tensor([getParam(s, refs[1])], { dtype: 'float64', requiresGrad: true });
  const opt = optimizerByName(name, [px, py], { lr });
  const points: LandscapePoint[] = [];
  for (let k = 0; k <= steps; k++) {
    work.set(refs[0], px.data[0]);
    work.set(refs[1], py.data[0]);
    const { loss, gradient } = work.lossAndGradient(batch.x, batch.y);
    points.push({ x: px.data[0], y: py.data[0], loss });
    if (k === steps || !Number.isFinite(loss)) break;
    px.grad = tensor([gradient[idx[0]]], { dtype: 'float64' });
    py.grad = tensor([gradient[idx[1]]], { dtype: 'float64' });
    opt.step();
  }
  return { optimizer: name, learningRate: lr, points };
}
