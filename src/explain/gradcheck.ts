/**
 * Gradient checks a person can read: every parameter's analytic gradient (the engine's autograd)
 * next to its numerical one (central differences of the loss, in float64) and their relative error;
 * and seed 003's table, the loss at W and at W + δW and the rate between them, sample by sample.
 * A check passes when |analytic − numerical| ≤ atol + rtol·|numerical| for every parameter.
 */
import { Tensor } from '../tensor/tensor.js';
import { ValueError } from '../tensor/errors.js';
import { backward, noGrad } from '../autograd/graph.js';
import type { LossName } from '../spec/index.js';
import { fmt, textTable, markdownTable } from './format.js';
import { findParam, getParam, listParams, normalizeTarget, resolveSpec, type NetworkLike, type Samples } from './spec.js';
import { checkSamples, engineLoss, engineNetwork, sampleTensors, SpecEngine } from './engine.js';

export interface GradientCheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-7). */
  atol?: number;
  /** Relative tolerance (default 1e-5). */
  rtol?: number;
}

export interface GradientCheckRow {
  /** 'layers.0.weight[0][1]'; for a plain tensor list, `name[j][i]`. */
  param: string;
  value: number;
  analytic: number;
  numerical: number;
  /** |a − n| / max(|a|, |n|), 0 when both are 0. */
  relError: number;
  ok: boolean;
}

export interface GradientCheckReport {
  kind: 'backprop-gradcheck';
  loss: number;
  eps: number;
  atol: number;
  rtol: number;
  rows: GradientCheckRow[];
  ok: boolean;
}

function elementName(name: string, shape: readonly number[], k: number): string {
  if (shape.length === 0) return name;
  const idx: number[] = [];
  let rest = k;
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(rest % shape[d]);
    rest = Math.floor(rest / shape[d]);
  }
  return `${name}${idx.map((i) => `[${i}]`).join('')}`;
}

function options3(where: string, o: GradientCheckOptions): { eps: number; atol: number; rtol: number } {
  const unknown = Object.keys(o).filter((k) => !['eps', 'atol', 'rtol'].includes(k));
  if (unknown.length) throw new ValueError(`${where}: unknown option '${unknown[0]}' (known: eps, atol, rtol)`);
  const eps = o.eps ?? 1e-6, atol = o.atol ?? 1e-7, rtol = o.rtol ?? 1e-5;
  for (const [k, v] of [['eps', eps], ['atol', atol], ['rtol', rtol]] as const) {
    if (!(Number.isFinite(v) && v > 0)) throw new ValueError(`${where}: ${k} must be a number > 0, got ${v}`);
  }
  return { eps, atol, rtol };
}

/**
 * Checks the autograd gradient of a scalar loss with respect to named float64 parameter tensors,
 * element by element, against central differences (lossFn is re-run with each element nudged ±eps).
 * @example
 * const w = tensor([2], { dtype: 'float64', requiresGrad: true });
 * checkGradients(() => w.mul(w).sum(), [['w', w]]).ok // true
 */
export function checkGradients(lossFn: () => Tensor, params: readonly (readonly [string, Tensor])[], options: GradientCheckOptions = {}): GradientCheckReport {
  const { eps, atol, rtol } = options3('checkGradients', options);
  for (const [name, t] of params) {
    if (t.dtype !== 'float64') throw new ValueError(`checkGradients: parameter '${name}' is ${t.dtype}; numerical gradients need float64 parameters`);
  }
  for (const [, t] of params) t.zeroGrad();
  const L = lossFn();
  if (L.size !== 1) throw new ValueError(`checkGradients: the loss must be a scalar, got ${L.size} elements`);
  if (L.requiresGrad) backward(L);
  const loss = L.data[0];
  const rows: GradientCheckRow[] = [];
  noGrad(() => {
    for (const [name, t] of params) {
      for (let k = 0; k < t.size; k++) {
        const orig = t.data[k];
        t.data[k] = orig + eps;
        const plus = lossFn().data[0];
        t.data[k] = orig - eps;
        const minus = lossFn().data[0];
        t.data[k] = orig;
        const numerical = (plus - minus) / (2 * eps);
        const analytic = t.grad ? t.grad.data[k] : 0;
        const diff = Math.abs(analytic - numerical);
        const scale = Math.max(Math.abs(analytic), Math.abs(numerical));
        rows.push({
          param: elementName(name, t.shape, k), value: orig, analytic, numerical,
          relError: scale === 0 ? 0 : diff / scale, ok: diff <= atol + rtol * Math.abs(numerical),
        });
      }
    }
  });
  return { kind: 'backprop-gradcheck', loss, eps, atol, rtol, rows, ok: rows.every((r) => r.ok) };
}

/**
 * Checks every parameter of a network (all weights given) on a batch: the engine's autograd through
 * a float64 `Network` and its training loss, against central differences.
 * @example gradcheckNetwork(spec, { inputs: [[0.5, -0.5]], targets: [[0.9, 0.1]] }).ok // true
 */
export function gradcheckNetwork(network: NetworkLike, data: Samples, options: GradientCheckOptions & { loss?: LossName } = {}): GradientCheckReport {
  const { loss, ...rest } = options;
  const s = resolveSpec('gradcheck', network, loss);
  const net = engineNetwork(s);
  const { x, y } = sampleTensors(s, data);
  if (x.shape[1] !== s.inputs) throw new ValueError(`gradcheck: the data has ${x.shape[1]} input columns, but the network takes ${s.inputs}`);
  return checkGradients(() => engineLoss(net, x, y), net.namedParameters(), rest);
}

/** One sample's row of seed 003's table. */
export interface PerturbationRow {
  input: number[];
  target: number[];
  output: number[];
  term: number;
  outputNudged: number[];
  termNudged: number;
}

export interface PerturbationTable {
  kind: 'backprop-perturbation';
  param: string;
  alias: string;
  loss: LossName;
  value: number;
  delta: number;
  rows: PerturbationRow[];
  /** L at W, W + δW and W − δW. */
  lossAt: number;
  lossNudged: number;
  lossBack: number;
  /** (L(W + δW) − L(W)) / δW: seed 003's "rate". */
  rate: number;
  /** The analytic ∂L/∂W (backpropagation). */
  derivative: number;
}

/**
 * Seed 003's table: nudge one parameter by δW and watch the loss, sample by sample.
 * @example perturbationTable(lineY3x, builtinDataset('double'), 'w1', 1e-4).rate // 60.003 (seed 003: y = 3·x, sse)
 */
export function perturbationTable(network: NetworkLike, data: Samples, param = 'w1', delta = 1e-4, loss?: LossName): PerturbationTable {
  if (!(Number.isFinite(delta) && delta !== 0)) throw new ValueError(`perturbationTable: delta must be a non-zero number, got ${delta}`);
  const s = resolveSpec('perturbationTable', network, loss);
  const ref = findParam(s, param);
  const w = getParam(s, ref);
  checkSamples(s, data);
  // The same network three times, the parameter at W, W + δW and W − δW, each run by the engine.
  const at = (v: number): SpecEngine => {
    const e = new SpecEngine(s);
    e.set(ref, v);
    return e;
  };
  const here = new SpecEngine(s), nudged = at(w + delta), back = at(w - delta);
  const batch = sampleTensors(s, data);
  const sum = (v: number[]) => v.reduce((p, q) => p + q, 0);
  const rows = data.inputs.map((x, r): PerturbationRow => {
    const t = normalizeTarget(s, data.targets[r], `target of row ${r + 1}`);
    const f0 = here.outputTerms(x, t), f1 = nudged.outputTerms(x, t);
    return { input: [...x], target: t, output: f0.y, term: sum(f0.terms), outputNudged: f1.y, termNudged: sum(f1.terms) };
  });
  const lossAt = here.loss(batch.x, batch.y);
  const lossNudged = nudged.loss(batch.x, batch.y);
  const lossBack = back.loss(batch.x, batch.y);
  const index = listParams(s).findIndex((p) => p.name === ref.name);
  return {
    kind: 'backprop-perturbation', param: ref.name, alias: ref.alias, loss: s.loss, value: w, delta, rows,
    lossAt, lossNudged, lossBack, rate: (lossNudged - lossAt) / delta, derivative: here.lossAndGradient(batch.x, batch.y).gradient[index],
  };
}

function checkTable(r: GradientCheckReport, digits: number): { header: string[]; rows: string[][] } {
  return {
    header: ['parameter', 'value', 'analytic (backprop)', 'numerical', 'relative error', 'ok'],
    rows: r.rows.map((x) => [x.param, fmt(x.value, digits), fmt(x.analytic, digits), fmt(x.numerical, digits), x.relError.toExponential(1), x.ok ? 'yes' : 'NO']),
  };
}

function summary(r: GradientCheckReport): string {
  const bad = r.rows.filter((x) => !x.ok).length;
  const worst = Math.max(0, ...r.rows.map((x) => x.relError));
  return bad === 0
    ? `All ${r.rows.length} gradients agree (worst relative error ${worst.toExponential(1)}; central differences with ε = ${r.eps.toExponential()}, pass when |a − n| ≤ ${r.atol.toExponential()} + ${r.rtol.toExponential()}·|n|).`
    : `${bad} of ${r.rows.length} gradients DISAGREE (worst relative error ${worst.toExponential(1)}; pass when |a − n| ≤ ${r.atol.toExponential()} + ${r.rtol.toExponential()}·|n|).`;
}

/** The check as an aligned text table with a verdict line. @example console.log(renderGradcheckText(report)) */
export function renderGradcheckText(r: GradientCheckReport, digits = 6): string {
  const t = checkTable(r, digits);
  return `Gradient check: backpropagation against central differences (loss ${fmt(r.loss, digits)})\n${textTable(t.header, t.rows, '  ')}\n${summary(r)}\n`;
}

export function renderGradcheckMarkdown(r: GradientCheckReport, digits = 6): string {
  const t = checkTable(r, digits);
  return `## Gradient check\n\nBackpropagation against central differences (loss ${fmt(r.loss, digits)}).\n\n${markdownTable(t.header, t.rows)}\n\n${summary(r)}\n`;
}

function perturbationRows(p: PerturbationTable, digits: number): { header: string[]; rows: string[][]; lines: string[] } {
  const f = (x: number) => fmt(x, digits);
  const v = (xs: number[]) => xs.map(f).join(', ');
  const termName = p.loss === 'mse' || p.loss === 'sse' ? 'square error' : 'loss term';
  const wNudged = fmt(p.value + p.delta, 8);
  const header = ['input', 'desired', `output, ${p.alias} = ${f(p.value)}`, termName, `output, ${p.alias} = ${wNudged}`, termName];
  const rows = p.rows.map((r) => [v(r.input), v(r.target), v(r.output), f(r.term), v(r.outputNudged), f(r.termNudged)]);
  const totalName = p.loss === 'sse' ? 'total' : p.loss === 'crossEntropy' ? 'mean over samples' : 'mean';
  rows.push([totalName, '', '', fmt(p.lossAt, 8), '', fmt(p.lossNudged, 8)]);
  const lines = [
    `Nudging ${p.alias} (${p.param}) from ${f(p.value)} to ${wNudged} changes the loss from ${fmt(p.lossAt, 8)} to ${fmt(p.lossNudged, 8)}:`,
    `  rate = (${fmt(p.lossNudged, 8)} − ${fmt(p.lossAt, 8)}) / ${fmt(p.delta, 8)} = ${f(p.rate)}`,
    `  the other way, ${p.alias} = ${fmt(p.value - p.delta, 8)} gives ${fmt(p.lossBack, 8)} (lower when the rate is positive)`,
    `  backpropagation's derivative ∂L/∂${p.alias} = ${f(p.derivative)}`,
  ];
  return { header, rows, lines };
}

/** Seed 003's table as text. @example console.log(renderPerturbationText(perturbationTable(spec, data))) */
export function renderPerturbationText(p: PerturbationTable, digits = 6): string {
  const t = perturbationRows(p, digits);
  return `The derivative measured: loss (${p.loss}) at ${p.alias} and at ${p.alias} + δ\n${textTable(t.header, t.rows, '  ')}\n${t.lines.join('\n')}\n`;
}

export function renderPerturbationMarkdown(p: PerturbationTable, digits = 6): string {
  const t = perturbationRows(p, digits);
  return `## The derivative measured\n\nLoss (${p.loss}) at ${p.alias} and at ${p.alias} + δ.\n\n${markdownTable(t.header, t.rows)}\n\n${t.lines.map((l) => l.trim()).join('\n\n')}\n`;
}
