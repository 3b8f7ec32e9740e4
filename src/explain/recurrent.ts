/**
 * The explainer's view of a recurrent layer (rnn, lstm, gru): backpropagation through time step by
 * step, every number read off the engine's tape. The sequence is run one step at a time through the
 * layer's own `run` (so no cell equation is written here), each step with its own copy of the
 * weights: the unrolled network's picture of BPTT. A copy's gradient is that step's share of the
 * weight's gradient, its bias gradient is the step's δ, and the shares add up to the gradient the
 * layer itself gets (read off a second, ordinary pass).
 */
import { Tensor } from '../tensor/tensor.js';
import { concat, narrow, reshape } from '../ops/index.js';
import { GRU, LSTM, RNN } from '../nn/recurrent.js';
import type { Module } from '../nn/module.js';

type Recurrent = RNN | LSTM | GRU;

/** Whether the module is one of the recurrent layers. */
export function isRecurrent(m: Module): m is Recurrent {
  return m instanceof RNN || m instanceof LSTM || m instanceof GRU;
}

const PARAMS = ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'] as const;
type ParamName = (typeof PARAMS)[number];

/** One time step of the pass, all read off the tape. */
export interface RecurrentStep {
  /** 1-based. */
  t: number;
  x: number[];
  /** The hidden state after the step, h_t (and the LSTM's cell state c_t). */
  h: number[];
  c?: number[];
  /** ∂L/∂h_t (everything flowing into it: later steps and, with returnSequences, the output); LSTM: ∂L/∂c_t. */
  dLdh: number[];
  dLdc?: number[];
  /** ∂L/∂h_t straight from the layer's output (returnSequences, or the last step), before later steps add theirs. */
  dLdhOutput: number[];
  /** δ of the input side (∂L/∂(W_ih·x_t + b_ih), one per gate row) and of the recurrent side (∂L/∂(W_hh·h + b_hh)): the gradients of this step's bias copies. */
  deltaIh: number[];
  deltaHh: number[];
  /** This step's share of each parameter's gradient (the gradient of its copy; zeros where the step does not use it). */
  share: Record<ParamName, number[]>;
}

export interface RecurrentTape {
  kind: 'rnn' | 'lstm' | 'gru';
  nonlinearity?: 'tanh' | 'relu';
  gates: string[];
  inputSize: number;
  hiddenSize: number;
  returnSequences: boolean;
  steps: RecurrentStep[];
  /** Each parameter: shape, values and its gradient (from the ordinary pass through the layer). */
  params: Record<ParamName, { shape: number[]; values: number[]; grad: number[] }>;
}

/** The forward pass of one recurrent layer, one step at a time, and what reading its tape needs. */
export interface RecurrentPass {
  output: Tensor;
  read(gradOf: (name: ParamName) => Tensor | null): RecurrentTape;
}

const values = (t: Tensor | null | undefined, size: number): number[] => (t ? Array.from(t.data) : new Array<number>(size).fill(0));

/** A copy of the layer (same kind, options and weight values) whose parameters are new leaves. */
function copyOf(m: Recurrent): Recurrent {
  const options = { dtype: m.weight_ih.dtype as 'float32' | 'float64', bias: m.bias_ih !== null };
  const copy = m instanceof RNN ? new RNN(m.inputSize, m.hiddenSize, { ...options, nonlinearity: m.nonlinearity })
    : m instanceof LSTM ? new LSTM(m.inputSize, m.hiddenSize, options) : new GRU(m.inputSize, m.hiddenSize, options);
  const own = new Map(m.namedParameters());
  for (const [name, p] of copy.namedParameters()) p.data.set(own.get(name)!.data);
  return copy;
}

/**
 * Runs x [1, time, features] through the layer step by step, each step through a fresh copy of
 * the layer's weights (run(x_t, { h0, c0 }): the layer's own cell), keeping every state on the tape.
 * @example const pass = recurrentPass(new RNN(1, 1), x); backward(loss(pass.output)); pass.read(...)
 */
export function recurrentPass(m: Recurrent, x: Tensor): RecurrentPass {
  const [, time] = x.shape;
  const H = m.hiddenSize;
  const copies: Recurrent[] = [];
  const hs: Tensor[] = [], cs: Tensor[] = [];
  let h: Tensor | undefined, c: Tensor | undefined;
  for (let t = 0; t < time; t++) {
    const copy = copyOf(m);
    copies.push(copy);
    const r = copy.run(narrow(x, 1, t, 1), { ...(h ? { h0: h } : {}), ...(c ? { c0: c } : {}) });
    h = r.h.retainGrad();
    hs.push(h);
    if (r.c) { c = r.c.retainGrad(); cs.push(c); }
  }
  const output = (m.returnSequences ? concat(hs.map((s) => reshape(s, [1, 1, H])), 1) : hs[time - 1]).retainGrad();
  const kind = m instanceof RNN ? 'rnn' : m instanceof LSTM ? 'lstm' : 'gru';
  return {
    output,
    read(gradOf) {
      const G = m.weight_ih.shape[0] / H;
      const fromOutput = (t: number): number[] => {
        if (!output.grad) return new Array<number>(H).fill(0);
        if (m.returnSequences) return Array.from(output.grad.data.subarray(t * H, (t + 1) * H));
        return t === time - 1 ? Array.from(output.grad.data) : new Array<number>(H).fill(0);
      };
      const steps = copies.map((copy, t): RecurrentStep => {
        const own = new Map(copy.namedParameters());
        const share = Object.fromEntries(PARAMS.map((p) => [p, values(own.get(p)?.grad, own.get(p)?.size ?? G * H)])) as Record<ParamName, number[]>;
        const step: RecurrentStep = {
          t: t + 1,
          x: Array.from(x.data.subarray(t * m.inputSize, (t + 1) * m.inputSize)),
          h: Array.from(hs[t].data),
          dLdh: values(hs[t].grad, H),
          dLdhOutput: fromOutput(t),
          deltaIh: share.bias_ih,
          deltaHh: share.bias_hh,
          share,
        };
        if (cs[t]) { step.c = Array.from(cs[t].data); step.dLdc = values(cs[t].grad, H); }
        return step;
      });
      const params = Object.fromEntries(PARAMS.map((p) => {
        const w = (m as unknown as Record<ParamName, Tensor>)[p];
        return [p, { shape: [...w.shape], values: Array.from(w.data), grad: values(gradOf(p), w.size) }];
      })) as RecurrentTape['params'];
      return {
        kind, gates: kind === 'lstm' ? ['i', 'f', 'g', 'o'] : kind === 'gru' ? ['r', 'z', 'n'] : [''],
        ...(m instanceof RNN ? { nonlinearity: m.nonlinearity } : {}),
        inputSize: m.inputSize, hiddenSize: H, returnSequences: m.returnSequences, steps, params,
      };
    },
  };
}

const SUB = '₀₁₂₃₄₅₆₇₈₉';
const SYMBOL: Record<ParamName, string> = { weight_ih: 'W_ih', weight_hh: 'W_hh', bias_ih: 'b_ih', bias_hh: 'b_hh' };
/** A step number as a subscript: 12 → ₁₂. */
const sub = (t: number): string => String(t).split('').map((d) => SUB[Number(d)]).join('');

/**
 * The recurrent layer's forward pass as text lines: each step's input and state, and for an rnn
 * each hidden unit's sum with its numbers (the weights' values, x_t and h_{t−1}; h_t itself from the tape).
 */
export function renderRecurrentForward(r: RecurrentTape, f: (v: number) => string): string[] {
  const lines: string[] = [];
  const H = r.hiddenSize;
  const p = r.params;
  const row = (name: ParamName, j: number): number[] => p[name].values.slice(j * p[name].shape[1], (j + 1) * p[name].shape[1]);
  lines.push(`  W_ih = ${rows(p.weight_ih, f)}; W_hh = ${rows(p.weight_hh, f)}; b_ih = ${p.bias_ih.values.map(f).join(', ')}; b_hh = ${p.bias_hh.values.map(f).join(', ')}`);
  if (r.kind === 'lstm') lines.push('  (gate rows i, f, g, o: i = σ(…), f = σ(…), g = tanh(…), o = σ(…) of W_ih·x + b_ih + W_hh·h + b_hh; c = f⊙c + i⊙g, h = o⊙tanh(c))');
  if (r.kind === 'gru') lines.push('  (gate rows r, z, n: r, z = σ(W_ih·x + b_ih + W_hh·h + b_hh), n = tanh(W_in·x + b_in + r⊙(W_hn·h + b_hn)), h = (1 − z)⊙n + z⊙h)');
  lines.push(`  h${sub(0)} = 0${r.kind === 'lstm' ? `, c${sub(0)} = 0` : ''} (the starting state)`);
  for (const s of r.steps) {
    lines.push(`  step ${s.t}: x${sub(s.t)} = ${s.x.map(f).join(', ')}`);
    if (r.kind === 'rnn') {
      const prev = s.t === 1 ? new Array<number>(H).fill(0) : r.steps[s.t - 2].h;
      for (let j = 0; j < H; j++) {
        const ih = row('weight_ih', j).map((w, k) => `${f(w)}·${f(s.x[k])}`).join(' + ');
        const hh = s.t === 1 ? '' : ` + ${row('weight_hh', j).map((w, i) => `${f(w)}·${f(prev[i])}`).join(' + ')}`;
        lines.push(`    h${sub(s.t)}[${j}] = ${r.nonlinearity}(${ih} + ${f(p.bias_ih.values[j])} + ${f(p.bias_hh.values[j])}${hh}) = ${f(s.h[j])}`);
      }
    } else {
      lines.push(`    h${sub(s.t)} = ${s.h.map(f).join(', ')}${s.c ? `; c${sub(s.t)} = ${s.c.map(f).join(', ')}` : ''}`);
    }
  }
  const last = r.steps[r.steps.length - 1];
  lines.push(`  output = ${r.returnSequences ? `every step's h: ${r.steps.map((s) => `h${sub(s.t)}`).join(', ')}` : `h${sub(last.t)} = ${last.h.map(f).join(', ')}`}`);
  return lines;
}

function rows(t: { shape: number[]; values: number[] }, f: (v: number) => string): string {
  const w = t.shape[1];
  return `[${Array.from({ length: t.shape[0] }, (_, j) => `[${t.values.slice(j * w, (j + 1) * w).map(f).join(', ')}]`).join(', ')}]`;
}

/**
 * The recurrent layer's backward pass as text lines, last step first: ∂L/∂h_t, the step's δ,
 * how ∂L/∂h_{t−1} comes back through W_hh, then each weight's gradient as the sum of its steps' shares.
 */
export function renderRecurrentBackward(r: RecurrentTape, f: (v: number) => string): string[] {
  const lines: string[] = [];
  const H = r.hiddenSize, G = r.gates.length;
  const p = r.params;
  const gateRow = (j: number): string => (G === 1 ? `${j}` : `${r.gates[Math.floor(j / H)]}${j % H}`);
  for (const s of [...r.steps].reverse()) {
    const T = r.steps.length;
    const later = s.t < T ? r.steps[s.t] : null; // the step after this one
    if (!later) {
      lines.push(`  step ${s.t}: ∂L/∂h${sub(s.t)} = ${s.dLdh.map(f).join(', ')} (from the layer's output)`);
    } else {
      for (let i = 0; i < H; i++) {
        const through = Array.from({ length: G * H }, (_, j) => `${f(later.deltaHh[j])}·${f(p.weight_hh.values[j * H + i])}`).join(' + ');
        const direct = r.returnSequences ? ` + ${f(s.dLdhOutput[i])} (from the output)` : '';
        const gru = r.kind === 'gru' ? ` + z${sub(later.t)}⊙∂L/∂h${sub(later.t)} (h${sub(s.t)}'s own path into h${sub(later.t)})` : '';
        lines.push(`  step ${s.t}: ∂L/∂h${sub(s.t)}[${i}] = ${through} (δ${sub(later.t)} back through W_hh)${direct}${gru} = ${f(s.dLdh[i])}`);
      }
    }
    if (s.dLdc) lines.push(`    ∂L/∂c${sub(s.t)} = ${s.dLdc.map(f).join(', ')}`);
    const what = r.kind === 'rnn' ? `∂L/∂h${sub(s.t)} ⊙ ${r.nonlinearity}′` : 'per gate row';
    lines.push(`    δ${sub(s.t)} = ∂L/∂z${sub(s.t)} (${what}) = ${s.deltaIh.map((d, j) => (G === 1 ? f(d) : `${gateRow(j)}: ${f(d)}`)).join(', ')}`);
    if (r.kind === 'gru') lines.push(`    δ${sub(s.t)} of the W_hh side (the n rows times r) = ${s.deltaHh.map((d, j) => `${gateRow(j)}: ${f(d)}`).join(', ')}`);
  }
  const sumOver = (name: ParamName, term: (s: RecurrentStep, j: number, k: number) => string): void => {
    const [rowsN, cols] = p[name].shape.length === 2 ? p[name].shape : [p[name].shape[0], 1];
    for (let j = 0; j < rowsN; j++) {
      for (let k = 0; k < cols; k++) {
        const e = j * cols + k;
        const parts = r.steps.map((s) => `${term(s, j, k)} = ${f(s.share[name][e])}`);
        const idx = cols === 1 && p[name].shape.length === 1 ? `[${j}]` : `[${j}, ${k}]`;
        lines.push(`  ∂L/∂${SYMBOL[name]}${idx} = ${parts.map((x, t) => `step ${t + 1}: ${x}`).join(' + ')}; sum = ${f(p[name].grad[e])}`);
      }
    }
  };
  lines.push(`  the weight gradients, each the sum over the steps (shared weights: one copy per step)${G > 1 ? `; rows in gate order ${r.gates.join(', ')}` : ''}:`);
  sumOver('weight_ih', (s, j, k) => `δ${sub(s.t)}[${j}]·x${sub(s.t)}[${k}] = ${f(s.deltaIh[j])}·${f(s.x[k])}`);
  sumOver('weight_hh', (s, j, i) => (s.t === 1 ? `(h${sub(0)} = 0)` : `δ${sub(s.t)}[${j}]·h${sub(s.t - 1)}[${i}] = ${f(s.deltaHh[j])}·${f(r.steps[s.t - 2].h[i])}`));
  sumOver('bias_ih', (s, j) => `δ${sub(s.t)}[${j}]`);
  sumOver('bias_hh', (s, j) => (r.kind === 'gru' ? `δ${sub(s.t)}[${j}] of the W_hh side` : `δ${sub(s.t)}[${j}]`));
  return lines;
}
