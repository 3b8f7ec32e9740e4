/**
 * The compiled path's WebAssembly engine for float32 networks of useful size: weights, gradients,
 * Adam's moments and every activation of the batch live in wasm memory, so a training step is a
 * handful of SIMD kernel calls (gemm, bias + activation, activation backward, row sums, Adam) with
 * no copy between them. The model's tensors and the optimizer's state stay the source of truth:
 * `reload` copies them in and `flush` copies them back whenever anything outside the step can look
 * (trainLoop calls both around epochs and batch callbacks, and `finish` flushes on every exit).
 */
import { Tensor } from '../tensor/tensor.js';
import type { TypedArray } from '../tensor/dtype.js';
import { backend, type KernelActivation } from '../tensor/kernels/backend.js';
import { WasmKernels, wasmKernels, type WasmArray } from '../tensor/kernels/wasm.js';
import type { Optimizer } from '../optim/optimizer.js';
import { adamUpdate, adamwUpdate, type AdamState } from '../optim/adam.js';
import type { TrainStep } from './fit.js';
import {
  LEAKY, LINEAR, RELU, SIGMOID, TANH, hyperCopy, lossGradient, refreshHyper, refreshStates, stepThroughOptimizer,
  type UpdateEntry, type UpdateRule,
} from './compiled-kernels.js';

const KERNEL_ACT: Record<number, KernelActivation | undefined> = { [LINEAR]: 'linear', [RELU]: 'relu', [LEAKY]: 'leakyRelu', [SIGMOID]: 'sigmoid', [TANH]: 'tanh' };

export interface WasmLayer {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly k: number;
  readonly n: number;
  readonly act: number;
  readonly alpha: number;
}

/**
 * The wasm kernels behind the active backend, or null when it is not a wasm backend (setBackend('js')
 * keeps the compiled path in plain JS too). A backend may expose its kernels as `kernels` (e.g. the
 * multi-threaded one); the registered 'wasm' backend uses the shared instance.
 */
export function activeWasmKernels(): WasmKernels | null {
  const be = backend() as { name: string; kernels?: unknown };
  if (be.kernels instanceof WasmKernels) return be.kernels;
  return be.name === 'wasm' ? wasmKernels() : null;
}

/** Whether the wasm engine can run these layers (float32, activations the kernels have). */
export function wasmSupports(layers: readonly WasmLayer[]): boolean {
  for (const l of layers) {
    if (l.weight.dtype !== 'float32' || KERNEL_ACT[l.act] === undefined) return false;
    // The kernels take leakyRelu's derivative from the output's sign, which needs alpha > 0.
    if (l.act === LEAKY && !(l.alpha > 0)) return false;
  }
  return true;
}

interface Batch {
  readonly rows: number;
  readonly x: WasmArray;
  readonly z: WasmArray[];
  readonly a: WasmArray[];
  readonly d: WasmArray[];
  /** JS copies for output()/target() and the loss's targets. */
  readonly out: Float32Array;
  readonly y: Float32Array;
  readonly output: Tensor;
  readonly target: Tensor;
}

/** The wasm TrainStep: build with `new WasmStep(...)`, driven by trainLoop. */
export class WasmStep implements TrainStep {
  private readonly allocated: WasmArray[] = [];
  private readonly w: WasmArray[] = [];
  private readonly b: (WasmArray | null)[] = [];
  private readonly gw: WasmArray[] = [];
  private readonly gb: (WasmArray | null)[] = [];
  /** Per update entry: its parameter and gradient in wasm memory, and Adam's moments when the kernel runs it. */
  private readonly entryParam: WasmArray[] = [];
  private readonly entryGrad: WasmArray[] = [];
  private readonly entryMoments: ({ m: WasmArray; v: WasmArray; decoupled: boolean } | null)[] = [];
  /** The groups' options, copied (see hyperCopy) and refreshed on reload. */
  private readonly groups: Record<string, unknown>[];
  private readonly batches = new Map<number, Batch>();
  private batch: Batch;
  private readonly xs: TypedArray;
  private readonly ys: TypedArray;
  private readonly xw: number;
  private readonly yw: number;
  private readonly classIndices: boolean;
  private rows = 0;
  private outputReady = false;
  private ready = false;
  private finished = false;

  constructor(
    private readonly kernels: WasmKernels,
    private readonly layers: readonly WasmLayer[],
    private readonly lossCode: number,
    private readonly entries: readonly UpdateEntry[],
    private readonly optimizer: Optimizer,
    private readonly rule: UpdateRule | null,
    trainX: Tensor,
    trainY: Tensor,
  ) {
    this.xs = trainX.data;
    this.ys = trainY.data;
    this.xw = trainX.shape[1];
    this.classIndices = trainY.rank === 1;
    this.yw = this.classIndices ? 1 : trainY.shape[1];
    const where = new Map<Tensor, [WasmArray, WasmArray]>();
    for (const l of layers) {
      const w = this.alloc(l.weight.size), gw = this.alloc(l.weight.size);
      this.w.push(w); this.gw.push(gw);
      where.set(l.weight, [w, gw]);
      if (l.bias) {
        const b = this.alloc(l.bias.size), gb = this.alloc(l.bias.size);
        this.b.push(b); this.gb.push(gb);
        where.set(l.bias, [b, gb]);
      } else { this.b.push(null); this.gb.push(null); }
    }
    for (const e of entries) {
      const [p, g] = where.get(e.param)!;
      this.entryParam.push(p);
      this.entryGrad.push(g);
      const group = e.group as { amsgrad?: boolean };
      const adamKind = (rule === adamUpdate || rule === adamwUpdate) && group.amsgrad === false;
      this.entryMoments.push(adamKind ? { m: this.alloc(e.param.size), v: this.alloc(e.param.size), decoupled: rule === adamwUpdate } : null);
    }
    this.groups = entries.map((e) => hyperCopy(e.group));
    this.batch = this.batchFor(Math.min(1, trainX.shape[0]));
    this.reload();
  }

  private alloc(n: number): WasmArray {
    const a = this.kernels.alloc(n);
    this.allocated.push(a);
    return a;
  }

  private batchFor(rows: number): Batch {
    let b = this.batches.get(rows);
    if (b) return b;
    const z: WasmArray[] = [], a: WasmArray[] = [], d: WasmArray[] = [];
    for (const l of this.layers) {
      const zl = this.alloc(rows * l.n);
      z.push(zl);
      a.push(l.act === LINEAR ? zl : this.alloc(rows * l.n));
      d.push(this.alloc(rows * l.n));
    }
    const nOut = this.layers[this.layers.length - 1].n;
    const out = new Float32Array(rows * nOut), y = new Float32Array(rows * this.yw);
    b = {
      rows, x: this.alloc(rows * this.layers[0].k), z, a, d, out, y,
      output: new Tensor(out, [rows, nOut]),
      target: new Tensor(y, this.classIndices ? [rows] : [rows, this.yw]),
    };
    this.batches.set(rows, b);
    return b;
  }

  /** Parameters and the optimizer's moments from their JS homes into wasm memory. */
  reload(): void {
    for (let i = 0; i < this.entries.length; i++) refreshHyper(this.entries[i].group, this.groups[i]);
    for (let i = 0; i < this.layers.length; i++) {
      const l = this.layers[i];
      this.w[i].data.set(l.weight.data);
      if (l.bias) this.b[i]!.data.set(l.bias.data);
    }
    this.ready = this.rule !== null && refreshStates(this.optimizer, this.entries);
    if (!this.ready) return;
    for (let i = 0; i < this.entries.length; i++) {
      const mo = this.entryMoments[i];
      if (mo === null) continue;
      const s = this.entries[i].state as AdamState;
      mo.m.data.set(s.expAvg);
      mo.v.data.set(s.expAvgSq);
    }
  }

  /** Parameters (and with `withState` the moments) back to the tensors and the optimizer's state. */
  flush(withState = true): void {
    if (this.finished) return;
    for (let i = 0; i < this.layers.length; i++) {
      const l = this.layers[i];
      l.weight.data.set(this.w[i].data);
      if (l.bias) l.bias.data.set(this.b[i]!.data);
    }
    if (!this.ready || !withState) return;
    for (let i = 0; i < this.entries.length; i++) {
      const mo = this.entryMoments[i];
      if (mo === null) continue;
      const s = this.entries[i].state as AdamState;
      s.expAvg.set(mo.m.data);
      s.expAvgSq.set(mo.v.data);
    }
  }

  forward(order: ArrayLike<number>, start: number, end: number): number {
    const rows = end - start;
    this.rows = rows;
    this.outputReady = false;
    let bt = this.batch;
    if (bt.rows !== rows) bt = this.batch = this.batchFor(rows);
    // Gather the rows straight into wasm memory, and the targets into a JS array for the loss.
    const xs = this.xs, ys = this.ys, xw = this.xw, yw = this.yw;
    const x = bt.x.data, y = bt.y;
    for (let r = 0; r < rows; r++) {
      const src = order[start + r];
      if (xw >= 64) x.set(xs.subarray(src * xw, src * xw + xw), r * xw);
      else for (let j = 0, from = src * xw, to = r * xw; j < xw; j++) x[to + j] = xs[from + j];
      for (let j = 0, from = src * yw, to = r * yw; j < yw; j++) y[to + j] = ys[from + j];
    }
    const k = this.kernels, layers = this.layers, L = layers.length;
    let input = bt.x;
    for (let i = 0; i < L; i++) {
      const l = layers[i];
      k.gemm(input, this.w[i], bt.z[i], rows, l.k, l.n, false, true);
      if (l.act !== LINEAR || this.b[i] !== null) k.biasActivation(bt.z[i], this.b[i], bt.a[i], rows, l.n, KERNEL_ACT[l.act]!, l.alpha);
      input = bt.a[i];
    }
    const last = layers[L - 1];
    const value = lossGradient(this.lossCode, bt.a[L - 1].data, y, bt.d[L - 1].data, rows, last.n, this.classIndices);
    // Backward now (it changes no parameter): update() then only steps the optimizer.
    for (let i = L - 1; i >= 0; i--) {
      const l = layers[i];
      const d = bt.d[i];
      if (l.act !== LINEAR) k.activationBackward(bt.a[i], d, d, KERNEL_ACT[l.act]!, l.alpha, rows * l.n);
      const inp = i === 0 ? bt.x : bt.a[i - 1];
      k.gemm(d, inp, this.gw[i], l.n, rows, l.k, true, false);
      if (this.gb[i] !== null) k.sumRows(d, this.gb[i]!, rows, l.n, false);
      if (i > 0) k.gemm(d, this.w[i], bt.d[i - 1], rows, l.n, l.k, false, false);
    }
    return value;
  }

  update(): void {
    const entries = this.entries;
    if (!this.ready) {
      // First step (the optimizer creates its state) or an optimizer stepped through step().
      this.flush();
      for (let i = 0; i < entries.length; i++) entries[i].grad.set(this.entryGrad[i].data);
      stepThroughOptimizer(this.optimizer, entries);
      this.reload();
      return;
    }
    const rule = this.rule!;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      const mo = this.entryMoments[i];
      if (mo !== null) {
        const g = this.groups[i] as { lr: number; betas: readonly [number, number]; eps: number; weightDecay: number };
        const s = e.state as AdamState;
        this.kernels.adamUpdate(this.entryParam[i], this.entryGrad[i], mo.m, mo.v, {
          lr: g.lr, beta1: g.betas[0], beta2: g.betas[1], eps: g.eps, step: ++s.step, weightDecay: g.weightDecay, decoupled: mo.decoupled,
        });
      } else {
        rule(this.entryParam[i].data, this.entryGrad[i].data, e.state as never, this.groups[i] as never);
      }
    }
  }

  output(): Tensor {
    const bt = this.batch;
    if (!this.outputReady) {
      bt.out.set(bt.a[this.layers.length - 1].data.subarray(0, bt.out.length));
      this.outputReady = true;
    }
    return bt.output;
  }

  target(): Tensor {
    return this.batch.target;
  }

  finish(): void {
    if (this.finished) return;
    this.flush();
    // fit() leaves the last batch's gradients on the parameters; so does the compiled path.
    if (this.rows > 0) {
      for (let i = 0; i < this.layers.length; i++) {
        const l = this.layers[i];
        if (l.weight.requiresGrad) l.weight.grad = new Tensor(Float32Array.from(this.gw[i].data), l.weight.shape);
        if (l.bias && l.bias.requiresGrad) l.bias.grad = new Tensor(Float32Array.from(this.gb[i]!.data), l.bias.shape);
      }
    }
    this.finished = true;
    for (const a of this.allocated) a.free();
    this.allocated.length = 0;
  }
}
