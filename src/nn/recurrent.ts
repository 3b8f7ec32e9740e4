/**
 * Recurrent layers — RNN, LSTM, GRU — on batch-first sequences [batch, time, features], with
 * PyTorch's gate order, equations, initialisation (U(±1/√hidden) for every parameter) and weight
 * layouts, so weights move to and from torch.nn.RNN/LSTM/GRU unchanged. Every step is built from
 * engine ops (linear, narrow, sigmoid, tanh, mul, add, concat), so backpropagation through time comes
 * from the tape and `jit` compiles the whole unrolled sequence; there is no calculus here.
 */
import { Tensor, zeros } from '../tensor/tensor.js';
import { Random } from '../tensor/random.js';
import { ShapeError, ValueError, fmtShape } from '../tensor/errors.js';
import { add, concat, linear, mul, narrow, relu, reshape, sigmoid, sub, tanh } from '../ops/index.js';
import { Module } from './module.js';
import { uniform_ } from './init.js';

export interface RecurrentOptions {
  /** forward() returns every step's hidden state [batch, time, hidden] (true) or only the last [batch, hidden] (false, the default). */
  returnSequences?: boolean;
  /** Include bias_ih and bias_hh (default true). */
  bias?: boolean;
  /** Seed for the initialiser (default 0), or an explicit generator. */
  seed?: number;
  random?: Random;
  dtype?: 'float32' | 'float64';
}

export interface RNNOptions extends RecurrentOptions {
  /** The cell's activation, PyTorch's `nonlinearity` (default 'tanh'). */
  nonlinearity?: 'tanh' | 'relu';
}

/** The initial state of run(): each [batch, hidden]; a missing one starts at zeros (as PyTorch's default). */
export interface RecurrentState {
  /** The hidden state before the first step. */
  h0?: Tensor;
  /** LSTM only: the cell state before the first step. */
  c0?: Tensor;
}

/** What run() returns. */
export interface RecurrentRun {
  /** What forward() returns: [batch, time, hidden] with returnSequences, else the last hidden state [batch, hidden]. */
  output: Tensor;
  /** The hidden state after the last step, [batch, hidden] (PyTorch's h_n, without its layer axis). */
  h: Tensor;
  /** LSTM only: the cell state after the last step, [batch, hidden] (PyTorch's c_n). */
  c?: Tensor;
}

const OPTION_KEYS = ['returnSequences', 'bias', 'seed', 'random', 'dtype'];

/**
 * The sequence [batch, time, features] cut into its steps [batch, features] by a balanced tree of
 * narrows. Why a tree: the gradient of a narrow is its box written into zeros of the whole input, so
 * T narrows of the whole sequence would cost T full-size gradients summed (T² work); halving cuts it
 * to T·log T, and nothing when the input needs no gradient.
 */
function splitSteps(x: Tensor): Tensor[] {
  const [batch, , features] = x.shape;
  const out: Tensor[] = [];
  const cut = (part: Tensor): void => {
    const time = part.shape[1];
    if (time === 1) { out.push(reshape(part, [batch, features])); return; }
    const half = time >> 1;
    cut(narrow(part, 1, 0, half));
    cut(narrow(part, 1, half, time - half));
  };
  cut(x);
  return out;
}

/** Joins [batch, 1, hidden] steps along time as a balanced tree of concats (n log n copying, not n²). */
function stackSteps(steps: Tensor[]): Tensor {
  let level = steps;
  while (level.length > 1) {
    const next: Tensor[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? concat([level[i], level[i + 1]], 1) : level[i]);
    level = next;
  }
  return level[0];
}

/**
 * What the three layers share: the parameters (`weight_ih` [G·hidden, input], `weight_hh`
 * [G·hidden, hidden], `bias_ih` and `bias_hh` [G·hidden], G gates stacked in PyTorch's order), the
 * checks, the up-front input projection of all time steps as one product, and the loop over time.
 * A subclass writes only its cell.
 */
abstract class RecurrentBase extends Module {
  readonly weight_ih: Tensor;
  readonly weight_hh: Tensor;
  readonly bias_ih: Tensor | null;
  readonly bias_hh: Tensor | null;
  readonly returnSequences: boolean;

  protected constructor(
    protected readonly layer: string, gates: number,
    readonly inputSize: number, readonly hiddenSize: number, options: RecurrentOptions, extraKeys: readonly string[] = [],
  ) {
    super();
    const known = [...OPTION_KEYS, ...extraKeys];
    for (const k of Object.keys(options)) if (!known.includes(k)) throw new ValueError(`${layer}: unknown option '${k}' (known: ${known.join(', ')})`);
    for (const [name, v] of [['inputSize', inputSize], ['hiddenSize', hiddenSize]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new ValueError(`${layer}: ${name} must be a whole number ≥ 1, got ${String(v)}`);
    }
    if (options.returnSequences !== undefined && typeof options.returnSequences !== 'boolean') {
      throw new ValueError(`${layer}: returnSequences must be true or false, got ${String(options.returnSequences)}`);
    }
    this.returnSequences = options.returnSequences ?? false;
    const random = options.random ?? new Random(options.seed ?? 0);
    const dtype = options.dtype ?? 'float32';
    // PyTorch's reset_parameters: every parameter U(±1/√hidden), in this order.
    const bound = 1 / Math.sqrt(hiddenSize);
    const param = (name: string, shape: number[]) => this.registerParameter(name, uniform_(zeros(shape, { dtype }), -bound, bound, random));
    this.weight_ih = param('weight_ih', [gates * hiddenSize, inputSize]);
    this.weight_hh = param('weight_hh', [gates * hiddenSize, hiddenSize]);
    this.bias_ih = options.bias === false ? null : param('bias_ih', [gates * hiddenSize]);
    this.bias_hh = options.bias === false ? null : param('bias_hh', [gates * hiddenSize]);
  }

  /** How the layer names itself in errors: `LSTM(8 → 32)`. */
  protected get what(): string {
    return `${this.layer}(${this.inputSize} → ${this.hiddenSize})`;
  }

  /** The bias of the input projection: RNN and LSTM fold bias_hh into it (one add per sequence, not one per step); GRU keeps it apart. */
  protected inputBias(): Tensor | null {
    return this.bias_ih && this.bias_hh ? add(this.bias_ih, this.bias_hh) : this.bias_ih;
  }

  /**
   * One time step: xt is this step's projected input [batch, G·hidden] (x·W_ihᵀ + biases), h and c the
   * state before it (null: zeros, so the h·W_hh term is skipped rather than computed on zeros).
   */
  protected abstract cell(xt: Tensor, h: Tensor | null, c: Tensor | null): { h: Tensor; c: Tensor | null };

  protected checkState(name: string, t: Tensor | undefined, batch: number): Tensor | null {
    if (t === undefined || t === null) return null;
    if (!(t instanceof Tensor)) throw new ValueError(`${this.what}: ${name} must be a Tensor [batch, hidden], got ${typeof t}`);
    if (t.rank !== 2 || t.shape[0] !== batch || t.shape[1] !== this.hiddenSize) {
      throw new ShapeError(`${this.what}: ${name} must be [batch, hidden] = [${batch}, ${this.hiddenSize}], got ${fmtShape(t.shape)}`);
    }
    return t;
  }

  /**
   * Runs the sequence x [batch, time, inputSize] from an initial state (zeros where not given) and
   * returns the output, the final hidden state and (LSTM) the final cell state.
   * @example const { output, h, c } = new LSTM(8, 32).run(x, { h0, c0 }) // x [4, 20, 8] → output [4, 32]
   */
  run(x: Tensor, state: RecurrentState = {}): RecurrentRun {
    if (!(x instanceof Tensor)) throw new ValueError(`${this.what}: expected a Tensor [batch, time, ${this.inputSize}], got ${typeof x}`);
    if (x.rank !== 3 || x.shape[2] !== this.inputSize) {
      throw new ShapeError(`${this.what}: expected input of shape [batch, time, ${this.inputSize}], got ${fmtShape(x.shape)}`);
    }
    const [batch, time] = x.shape;
    if (time < 1) throw new ShapeError(`${this.what}: the sequence has no time steps (input ${fmtShape(x.shape)}); give at least one`);
    for (const k of Object.keys(state)) if (k !== 'h0' && k !== 'c0') throw new ValueError(`${this.what}: unknown state '${k}' (known: h0${this.layer === 'LSTM' ? ', c0' : ''})`);
    if (state.c0 !== undefined && this.layer !== 'LSTM') throw new ValueError(`${this.what}: c0 is an LSTM's cell state; ${this.layer} has only h0`);
    let h = this.checkState('h0', state.h0, batch);
    let c = this.checkState('c0', state.c0, batch);
    const inputBias = this.inputBias();
    const steps: Tensor[] = [];
    for (const xt of splitSteps(x)) {
      ({ h, c } = this.cell(linear(xt, this.weight_ih, inputBias), h, c));
      if (this.returnSequences) steps.push(reshape(h!, [batch, 1, this.hiddenSize]));
    }
    const output = this.returnSequences ? stackSteps(steps) : h!;
    return this.layer === 'LSTM' ? { output, h: h!, c: c! } : { output, h: h! };
  }

  /** The last hidden state [batch, hidden], or every step's [batch, time, hidden] with returnSequences. */
  forward(x: Tensor): Tensor {
    return this.run(x).output;
  }
}

/**
 * Elman RNN, PyTorch's nn.RNN(inputSize, hiddenSize, nonlinearity, bias, batch_first=True), one layer:
 * h' = act(W_ih·x + b_ih + W_hh·h + b_hh), act tanh or relu. Parameters `weight_ih` [H, F],
 * `weight_hh` [H, H], `bias_ih`, `bias_hh` [H] are PyTorch's weight_ih_l0, weight_hh_l0, bias_ih_l0,
 * bias_hh_l0 one to one.
 * @example new RNN(8, 16, { nonlinearity: 'relu', seed: 1 }).forward(x) // x [4, 10, 8] → [4, 16]
 */
export class RNN extends RecurrentBase {
  readonly nonlinearity: 'tanh' | 'relu';

  constructor(inputSize: number, hiddenSize: number, options: RNNOptions = {}) {
    super('RNN', 1, inputSize, hiddenSize, options, ['nonlinearity']);
    const act = options.nonlinearity ?? 'tanh';
    if (act !== 'tanh' && act !== 'relu') throw new ValueError(`RNN: nonlinearity must be 'tanh' or 'relu', got '${String(act)}'`);
    this.nonlinearity = act;
  }

  protected cell(xt: Tensor, h: Tensor | null): { h: Tensor; c: null } {
    const z = h === null ? xt : add(xt, linear(h, this.weight_hh));
    return { h: this.nonlinearity === 'tanh' ? tanh(z) : relu(z), c: null };
  }
}

/**
 * Long short-term memory, PyTorch's nn.LSTM(inputSize, hiddenSize, bias, batch_first=True), one
 * layer, gates stacked i, f, g, o:
 * i = σ(W_ii x + b_ii + W_hi h + b_hi), f = σ(…f…), g = tanh(…g…), o = σ(…o…),
 * c' = f ⊙ c + i ⊙ g, h' = o ⊙ tanh(c').
 * Parameters `weight_ih` [4H, F], `weight_hh` [4H, H], `bias_ih`, `bias_hh` [4H] are PyTorch's
 * weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0 one to one. run(x, { h0, c0 }) also returns the
 * final cell state.
 * @example new LSTM(8, 32, { returnSequences: true }).forward(x) // x [32, 20, 8] → [32, 20, 32]
 */
export class LSTM extends RecurrentBase {
  constructor(inputSize: number, hiddenSize: number, options: RecurrentOptions = {}) {
    super('LSTM', 4, inputSize, hiddenSize, options);
  }

  protected cell(xt: Tensor, h: Tensor | null, c: Tensor | null): { h: Tensor; c: Tensor } {
    const H = this.hiddenSize;
    const gates = h === null ? xt : add(xt, linear(h, this.weight_hh));
    // σ over all four gates at once (the g quarter's σ is unused): one op instead of three.
    const s = sigmoid(gates);
    const i = narrow(s, 1, 0, H), f = narrow(s, 1, H, H), o = narrow(s, 1, 3 * H, H);
    const g = tanh(narrow(gates, 1, 2 * H, H));
    const next = c === null ? mul(i, g) : add(mul(f, c), mul(i, g));
    return { h: mul(o, tanh(next)), c: next };
  }
}

/**
 * Gated recurrent unit, PyTorch's nn.GRU(inputSize, hiddenSize, bias, batch_first=True), one layer,
 * gates stacked r, z, n:
 * r = σ(W_ir x + b_ir + W_hr h + b_hr), z = σ(…z…), n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),
 * h' = (1 − z) ⊙ n + z ⊙ h.
 * Parameters `weight_ih` [3H, F], `weight_hh` [3H, H], `bias_ih`, `bias_hh` [3H] are PyTorch's
 * weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0 one to one.
 * @example new GRU(8, 16).run(x, { h0 }).h // [batch, 16]
 */
export class GRU extends RecurrentBase {
  constructor(inputSize: number, hiddenSize: number, options: RecurrentOptions = {}) {
    super('GRU', 3, inputSize, hiddenSize, options);
  }

  protected override inputBias(): Tensor | null {
    return this.bias_ih; // b_hn sits inside r ⊙ (…), so bias_hh cannot be folded into the input side
  }

  protected cell(xt: Tensor, h: Tensor | null): { h: Tensor; c: null } {
    const H = this.hiddenSize;
    // W_hh·h + b_hh; with a zero state only b_hh (a [3H] row that broadcasts), or nothing at all.
    const hh = h === null ? this.bias_hh : linear(h, this.weight_hh, this.bias_hh);
    const last = hh === null ? 0 : hh.rank - 1;
    const xrz = narrow(xt, 1, 0, 2 * H), xn = narrow(xt, 1, 2 * H, H);
    const rz = sigmoid(hh === null ? xrz : add(xrz, narrow(hh, last, 0, 2 * H)));
    const r = narrow(rz, 1, 0, H), z = narrow(rz, 1, H, H);
    const n = tanh(hh === null ? xn : add(xn, mul(r, narrow(hh, last, 2 * H, H))));
    // (1 − z) ⊙ n + z ⊙ h = n + z ⊙ (h − n); with h = 0 it is n − z ⊙ n.
    return { h: h === null ? sub(n, mul(z, n)) : add(n, mul(z, sub(h, n))), c: null };
  }
}
