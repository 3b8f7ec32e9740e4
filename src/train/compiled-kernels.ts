/**
 * The compiled path's plain-JS kernels (per-layer loops for any size, either dtype), the loss
 * gradients, and the optimizer plumbing shared by every engine of src/train/compiled.ts. Each loop
 * follows the arithmetic of the op it replaces (the linear op, the activation ops, the losses) in
 * the same order, so float64 results match the autograd path to rounding.
 */
import { Tensor } from '../tensor/tensor.js';
import type { TypedArray } from '../tensor/dtype.js';
import type { Backend } from '../tensor/kernels/backend.js';
import { BCE_EPSILON } from '../losses/index.js';
import type { Optimizer } from '../optim/optimizer.js';

// Activation and loss codes: small integers so the hot loops switch on numbers.
export const LINEAR = 0, SIGMOID = 1, TANH = 2, RELU = 3, LEAKY = 4, SOFTMAX = 5, STEP = 6;
export const MSE = 0, SSE = 1, MAE = 2, BCE = 3, BCE_LOGITS = 4, CE = 5;

/** Below this many multiply-adds a layer's products run as inline loops (a backend call costs more). */
export const INLINE_MACS = 4096;

/** One parameter the optimizer updates: its gradient buffer and the optimizer's group and state. */
export interface UpdateEntry {
  readonly param: Tensor;
  /** The gradient, in a JS array the engines fill (or copy into before stepping the optimizer). */
  readonly grad: TypedArray;
  /** `grad` as a tensor, for optimizers stepped through step(). */
  readonly gradTensor: Tensor;
  readonly group: object;
  state: object | null;
}

/** The optimizer's update rule called directly, (param, grad, state, group). */
export type UpdateRule = (param: TypedArray, grad: ArrayLike<number>, state: never, hyper: never) => void;

/** Re-reads the optimizer's per-parameter state objects (created on a parameter's first step). */
export function refreshStates(optimizer: Optimizer, entries: readonly UpdateEntry[]): boolean {
  const states = optimizer.state as ReadonlyMap<Tensor, object>;
  let ready = true;
  for (const e of entries) {
    e.state = states.get(e.param) ?? null;
    if (e.state === null) ready = false;
  }
  return ready;
}

/**
 * A parameter group's hyper-parameters copied into an object whose hidden class stays alive:
 * the optimizer builds its groups by object spread, and once every optimizer of a kind is
 * garbage-collected V8 forgets that shape, so each new optimizer's groups get a new one and
 * the update rule's loads go megamorphic (measured: 3-4× slower XOR steps after a full GC).
 * Copies are refreshed whenever the loop may have changed the group (each epoch, after callbacks).
 */
export function hyperCopy(group: object): Record<string, unknown> {
  const keys = Object.keys(group).filter((k) => k !== 'params');
  const signature = keys.join(',');
  if (!shapeKeepers.has(signature)) shapeKeepers.set(signature, refreshHyper(group, {}, keys));
  return refreshHyper(group, {}, keys);
}

/** Copies the group's current options into `copy` (made by hyperCopy; `keys` defaults to its own). */
export function refreshHyper(group: object, copy: Record<string, unknown>, keys: readonly string[] = Object.keys(copy)): Record<string, unknown> {
  const g = group as Record<string, unknown>;
  for (let i = 0; i < keys.length; i++) copy[keys[i]] = g[keys[i]];
  return copy;
}
const shapeKeepers = new Map<string, object>();

/**
 * One optimizer step through its own step(), with the entries' gradients attached to the
 * parameters: how the first step creates the optimizer's state, and how optimizers whose rule is
 * not called directly run.
 */
export function stepThroughOptimizer(optimizer: Optimizer, entries: readonly UpdateEntry[]): void {
  for (let i = 0; i < entries.length; i++) entries[i].param.grad = entries[i].gradTensor;
  optimizer.step();
  for (let i = 0; i < entries.length; i++) entries[i].param.grad = null;
}

/**
 * All of a tiny network's parameters in one flat array, updated by ONE call of the optimizer's
 * rule per step instead of one per tensor (four calls for XOR's 2-4-1, most of its step time).
 * Exact: every rule is element-wise with one step count per parameter, and the parameters all
 * step together. The flat copies of the parameters and of the optimizer's state (moments, momentum
 * buffers) are written back by `store` and read again by `load`, which the step calls whenever
 * something outside it can look or may have changed them (see TrainStep.flush/reload).
 */
export class FlatUpdate {
  readonly params: TypedArray;
  readonly grads: TypedArray;
  private readonly offsets = new Map<Tensor, number>();
  private readonly offsetList: number[] = [];
  private readonly hyper: Record<string, unknown>;
  private state: Record<string, unknown> | null = null;
  /** False once the optimizer's state turns out not to be flattenable: the caller steps per tensor. */
  usable = true;

  constructor(private readonly entries: readonly UpdateEntry[], private readonly optimizer: Optimizer, private readonly rule: UpdateRule) {
    let total = 0;
    for (const e of entries) { this.offsets.set(e.param, total); this.offsetList.push(total); total += e.param.size; }
    const f64 = entries[0].param.data instanceof Float64Array;
    this.params = f64 ? new Float64Array(total) : new Float32Array(total);
    this.grads = f64 ? new Float64Array(total) : new Float32Array(total);
    this.hyper = hyperCopy(entries[0].group);
  }

  /** Whether these entries can share one update: one parameter group, a known rule. */
  static fits(entries: readonly UpdateEntry[], rule: UpdateRule | null): boolean {
    return rule !== null && entries.length > 0 && entries.every((e) => e.group === entries[0].group);
  }

  /** The flat parameters (or gradients) of one tensor, or null when the optimizer does not hold it. */
  view(param: Tensor, grads = false): TypedArray | null {
    const off = this.offsets.get(param);
    if (off === undefined) return null;
    return (grads ? this.grads : this.params).subarray(off, off + param.size);
  }

  /** Tensors and the optimizer's state → flat copies. Returns whether a flat step can run now. */
  load(): boolean {
    const entries = this.entries;
    for (const e of entries) this.params.set(e.param.data, this.offsets.get(e.param));
    refreshHyper(entries[0].group, this.hyper);
    this.state = null;
    if (!this.usable) return false;
    const states = entries.map((e) => (this.optimizer.state as ReadonlyMap<Tensor, Record<string, unknown>>).get(e.param));
    if (states.some((st) => st === undefined)) return false; // before the first step
    const flat: Record<string, unknown> = {};
    for (const key of Object.keys(states[0]!)) {
      const v0 = states[0]![key];
      if (typeof v0 === 'number') {
        if (!states.every((st) => st![key] === v0)) return (this.usable = false);
        flat[key] = v0;
      } else if (v0 === null) {
        if (!states.every((st) => st![key] === null)) return (this.usable = false);
        flat[key] = null;
      } else if (v0 instanceof Float32Array || v0 instanceof Float64Array) {
        const arr = v0 instanceof Float64Array ? new Float64Array(this.params.length) : new Float32Array(this.params.length);
        for (let i = 0; i < entries.length; i++) {
          const v = states[i]![key];
          if (!(v instanceof v0.constructor) || (v as TypedArray).length !== entries[i].param.size) return (this.usable = false);
          arr.set(v as TypedArray, this.offsets.get(entries[i].param));
        }
        flat[key] = arr;
      } else return (this.usable = false);
    }
    this.state = flat;
    return true;
  }

  /** Flat copies → tensors, and (withState) the optimizer's per-tensor state. */
  store(withState = true): void {
    const entries = this.entries, params = this.params;
    for (let i = 0; i < entries.length; i++) {
      const data = entries[i].param.data;
      const off = this.offsetList[i];
      for (let j = 0; j < data.length; j++) data[j] = params[off + j];
    }
    const flat = this.state;
    if (flat === null || !withState) return;
    for (const e of entries) {
      const st = (this.optimizer.state as ReadonlyMap<Tensor, Record<string, unknown>>).get(e.param)!;
      const off = this.offsets.get(e.param)!;
      for (const key of Object.keys(flat)) {
        const v = flat[key];
        if (v === null || typeof v === 'number') st[key] = v;
        else {
          // A buffer the rule created lazily (e.g. a momentum buffer) appears here first.
          const a = v as TypedArray;
          if (!(st[key] instanceof a.constructor)) st[key] = a instanceof Float64Array ? new Float64Array(e.param.size) : new Float32Array(e.param.size);
          (st[key] as TypedArray).set(a.subarray(off, off + e.param.size));
        }
      }
    }
  }

  /** Whether load() found a state to step with. */
  get ready(): boolean {
    return this.state !== null;
  }

  /** One update of every parameter: the optimizer's own rule, once, over the flat arrays. */
  step(): void {
    this.rule(this.params, this.grads, this.state as never, this.hyper as never);
  }
}

export const BCE_LO = BCE_EPSILON, BCE_HI = 1 - BCE_EPSILON;

/**
 * The batch's loss from outputs `o` [rows, n] and targets `t` ([rows, n], or [rows] class indices
 * for crossEntropy), and ∂loss/∂o into `g`: the loss ops' arithmetic, in their order.
 */
export function lossGradient(lossCode: number, o: ArrayLike<number>, t: ArrayLike<number>, g: TypedArray, rows: number, n: number, classIndices: boolean): number {
  const size = rows * n;
  switch (lossCode) {
    case MSE: case SSE: {
      // mean(d·d) = Σd² · (1/N); its gradient arrives twice (both factors of d·d): c·d + c·d.
      const c = lossCode === MSE ? 1 / size : 1;
      let s = 0;
      for (let i = 0; i < size; i++) {
        const d = o[i] - t[i];
        s += d * d;
        const cd = c * d;
        g[i] = cd + cd;
      }
      return lossCode === MSE ? s * c : s;
    }
    case MAE: {
      const c = 1 / size;
      let s = 0;
      for (let i = 0; i < size; i++) {
        const d = o[i] - t[i];
        s += Math.abs(d);
        g[i] = c * Math.sign(d);
      }
      return s * c;
    }
    case BCE: {
      const c = 1 / size, lo = BCE_LO, hi = BCE_HI;
      let s = 0;
      for (let i = 0; i < size; i++) {
        const v = o[i], ti = t[i];
        const p = v < lo ? lo : v > hi ? hi : v;
        s += ti * Math.log(p) + (1 - ti) * Math.log(1 - p);
        const grad = (-c * ti) / p + -((-c * (1 - ti)) / (1 - p));
        g[i] = grad * (v >= lo && v <= hi ? 1 : 0);
      }
      return -(s * c);
    }
    case BCE_LOGITS: {
      // max(z, 0) − z·t + log(1 + e^−|z|); gradient c·(σ(z) − t).
      const c = 1 / size;
      let s = 0;
      for (let i = 0; i < size; i++) {
        const z = o[i], ti = t[i];
        const e = Math.exp(-Math.abs(z));
        s += ((z > 0 ? z : 0) + -(z * ti)) + Math.log(e + 1);
        const sig = z >= 0 ? 1 / (1 + e) : e / (1 + e);
        g[i] = c * (sig - ti);
      }
      return s * c;
    }
    default: {
      // crossEntropy on logits: −(Σ t·logSoftmax(z)) / rows; gradient (softmax − t) / rows per row.
      const c = 1 / rows;
      let s = 0;
      for (let r = 0; r < rows; r++) {
        const base = r * n;
        let m = -Infinity;
        for (let j = 0; j < n; j++) m = Math.max(m, o[base + j]);
        let sum = 0;
        for (let j = 0; j < n; j++) sum += Math.exp(o[base + j] - m);
        const lse = m + Math.log(sum);
        if (classIndices) {
          const cls = t[r];
          s += o[base + cls] - lse;
          for (let j = 0; j < n; j++) {
            const p = Math.exp(o[base + j] - lse);
            g[base + j] = (j === cls ? -c : 0) + -(p * -c);
          }
        } else {
          let sg = 0;
          for (let j = 0; j < n; j++) {
            const tj = t[base + j];
            s += tj * (o[base + j] - lse);
            sg += -c * tj;
          }
          for (let j = 0; j < n; j++) {
            const p = Math.exp(o[base + j] - lse);
            g[base + j] = -c * t[base + j] + -(p * sg);
          }
        }
      }
      return -(s * c);
    }
  }
  }

/** z = x·wᵀ + b for x [rows, k], w [n, k]: as the linear op does it (product, then bias). */
export function denseForward(be: Backend, x: TypedArray, w: TypedArray, b: TypedArray | null, z: TypedArray, rows: number, k: number, n: number): void {
  if (rows * k * n >= INLINE_MACS) {
    be.matmul(x, w, z, rows, k, n, false, true);
    if (b !== null) {
      for (let i = 0; i < rows; i++) {
        const zo = i * n;
        for (let j = 0; j < n; j++) z[zo + j] += b[j];
      }
    }
    return;
  }
  for (let i = 0; i < rows; i++) {
    const xo = i * k, zo = i * n;
    for (let j = 0; j < n; j++) {
      const wo = j * k;
      let s = 0;
      for (let p = 0; p < k; p++) s += x[xo + p] * w[wo + p];
      z[zo + j] = b !== null ? s + b[j] : s;
    }
  }
}

/**
 * From d = ∂L/∂z [rows, n]: gw = dᵀ·x [n, k], gb = Σ_rows d, and dx = d·w [rows, k] (∂L/∂ of the
 * layer's input, skipped for the first layer).
 */
export function denseBackward(be: Backend, d: TypedArray, x: TypedArray, w: TypedArray, gw: TypedArray, gb: TypedArray | null, dx: TypedArray | null, rows: number, k: number, n: number): void {
  if (gb !== null) {
    gb.fill(0);
    for (let i = 0; i < rows; i++) {
      const o = i * n;
      for (let j = 0; j < n; j++) gb[j] += d[o + j];
    }
  }
  if (rows * k * n >= INLINE_MACS) {
    be.matmul(d, x, gw, n, rows, k, true, false);
    if (dx !== null) be.matmul(d, w, dx, rows, n, k, false, false);
    return;
  }
  if (rows === 1) {
    for (let j = 0; j < n; j++) {
      const dj = d[j], wo = j * k;
      for (let p = 0; p < k; p++) gw[wo + p] = dj * x[p];
    }
  } else {
    gw.fill(0);
    for (let i = 0; i < rows; i++) {
      const xo = i * k, dO = i * n;
      for (let j = 0; j < n; j++) {
        const dj = d[dO + j], wo = j * k;
        for (let p = 0; p < k; p++) gw[wo + p] += dj * x[xo + p];
      }
    }
  }
  if (dx === null) return;
  for (let i = 0; i < rows; i++) {
    const xo = i * k, dO = i * n;
    for (let p = 0; p < k; p++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += d[dO + j] * w[j * k + p];
      dx[xo + p] = s;
    }
  }
}

/** a = act(z), element by element as the activation ops compute it (softmax per row). */
export function activate(act: number, alpha: number, z: TypedArray, a: TypedArray, rows: number, n: number): void {
  const size = rows * n;
  switch (act) {
    case SIGMOID:
      for (let i = 0; i < size; i++) {
        const v = z[i];
        if (v >= 0) a[i] = 1 / (1 + Math.exp(-v));
        else {
          const e = Math.exp(v);
          a[i] = e / (1 + e);
        }
      }
      return;
    case TANH:
      for (let i = 0; i < size; i++) a[i] = Math.tanh(z[i]);
      return;
    case RELU:
      for (let i = 0; i < size; i++) {
        const v = z[i];
        a[i] = v > 0 ? v : 0;
      }
      return;
    case LEAKY: {
      // relu(x) + relu(−x)·(−alpha), as the leakyRelu op composes it.
      const na = -alpha;
      for (let i = 0; i < size; i++) {
        const v = z[i];
        a[i] = v > 0 ? v : v < 0 ? -v * na : 0;
      }
      return;
    }
    case STEP:
      for (let i = 0; i < size; i++) a[i] = z[i] > 0 ? 1 : 0;
      return;
    case SOFTMAX:
      for (let r = 0; r < rows; r++) {
        const base = r * n;
        let m = -Infinity;
        for (let j = 0; j < n; j++) m = Math.max(m, z[base + j]);
        let s = 0;
        for (let j = 0; j < n; j++) s += Math.exp(z[base + j] - m);
        const lse = m + Math.log(s);
        for (let j = 0; j < n; j++) a[base + j] = Math.exp(z[base + j] - lse);
      }
      return;
    default:
      if (a !== z) a.set(z);
  }
}

/** d ← d · act′ in place (∂L/∂a → ∂L/∂z), with each op's own derivative. */
export function activationBackward(act: number, alpha: number, z: TypedArray, a: TypedArray, d: TypedArray, rows: number, n: number): void {
  const size = rows * n;
  switch (act) {
    case SIGMOID:
      for (let i = 0; i < size; i++) {
        const s = a[i];
        d[i] = d[i] * (s * (1 - s));
      }
      return;
    case TANH:
      for (let i = 0; i < size; i++) {
        const t = a[i];
        d[i] = d[i] * (1 - t * t);
      }
      return;
    case RELU:
      for (let i = 0; i < size; i++) d[i] = d[i] * (z[i] > 0 ? 1 : 0);
      return;
    case LEAKY:
      for (let i = 0; i < size; i++) {
        const v = z[i], g = d[i];
        d[i] = v > 0 ? g : v < 0 ? g * alpha : 0;
      }
      return;
    case STEP:
      d.fill(0, 0, size);
      return;
    case SOFTMAX:
      // Through exp(logSoftmax(z)): gz = g·y − y·Σ(g·y) per row.
      for (let r = 0; r < rows; r++) {
        const base = r * n;
        let s = 0;
        for (let j = 0; j < n; j++) {
          const gy = d[base + j] * a[base + j];
          d[base + j] = gy;
          s += gy;
        }
        for (let j = 0; j < n; j++) d[base + j] = d[base + j] + -(a[base + j] * s);
      }
      return;
    default:
  }
}
