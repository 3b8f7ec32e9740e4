/**
 * The compiled fast path: a whole training step of a stack of Dense layers (a Network, or any
 * Sequential of Dense and activation modules) without an autograd graph, on buffers made once per
 * batch size: generated straight-line code for tiny networks, wasm kernels on wasm-resident buffers
 * for float32 networks of useful size, plain-JS loops otherwise. The optimizer's own update rule
 * and state are used, inside fit's loop (trainLoop), so history, callbacks, early stopping and
 * divergence behave exactly as in fit(), and the model's tensors hold every update whenever
 * anything outside the step looks. It computes the autograd path's numbers: to rounding in
 * float64 (~1e-12), closely in float32 (~1e-5).
 */
import { Tensor } from '../tensor/tensor.js';
import { ValueError } from '../tensor/errors.js';
import type { TypedArray } from '../tensor/dtype.js';
import { backend } from '../tensor/kernels/backend.js';
import { Module } from '../nn/module.js';
import { Activation, Dense, Sequential } from '../nn/layers.js';
import { binaryCrossEntropy, binaryCrossEntropyWithLogits, crossEntropy, mae, mse, sse } from '../losses/index.js';
import { Optimizer } from '../optim/optimizer.js';
import { SGD, sgdUpdate } from '../optim/sgd.js';
import { Adam, AdamW, adamUpdate, adamwUpdate } from '../optim/adam.js';
import { RMSProp, rmspropUpdate } from '../optim/rmsprop.js';
import { Adagrad, adagradUpdate } from '../optim/adagrad.js';
import type { ActivationName } from './spec.js';
import { checkFitOptions, fit, trainLoop, type FitOptions, type History, type OptimizerLike, type Trainable, type TrainStep } from './fit.js';
import {
  BCE, BCE_LO, BCE_LOGITS, CE, LEAKY, LINEAR, MAE, MSE, RELU, SIGMOID, SOFTMAX, SSE, STEP, TANH,
  FlatUpdate, activate, activationBackward, denseBackward, denseForward, hyperCopy, lossGradient, refreshHyper, refreshStates, stepThroughOptimizer,
  type UpdateEntry, type UpdateRule,
} from './compiled-kernels.js';
import { fusable, fusedKernel, type FusedKernel } from './compiled-codegen.js';
import { activeWasmKernels, wasmSupports, WasmStep } from './compiled-wasm.js';

const ACT_CODES: Record<ActivationName, number> = { linear: LINEAR, sigmoid: SIGMOID, tanh: TANH, relu: RELU, leakyRelu: LEAKY, softmax: SOFTMAX, step: STEP };
const LOSS_CODES = new Map<unknown, number>([[mse, MSE], [sse, SSE], [mae, MAE], [binaryCrossEntropy, BCE], [binaryCrossEntropyWithLogits, BCE_LOGITS], [crossEntropy, CE]]);
const LOSS_BY_CODE = [mse, sse, mae, binaryCrossEntropy, binaryCrossEntropyWithLogits, crossEntropy];

/** Networks with at least this many multiply-adds per row use the wasm engine (when it is active). */
export const WASM_MIN_MACS = 2048;

/** The optimizer classes whose rule is called directly; others that extend Optimizer go through step(). */
const RULES = new Map<unknown, UpdateRule>([
  [SGD, sgdUpdate as UpdateRule], [Adam, adamUpdate as UpdateRule], [AdamW, adamwUpdate as UpdateRule],
  [RMSProp, rmspropUpdate as UpdateRule], [Adagrad, adagradUpdate as UpdateRule],
]);

export interface CompileOptions {
  /** The loss, one of the library's: mse, sse, mae, binaryCrossEntropy, binaryCrossEntropyWithLogits, crossEntropy. */
  loss: FitOptions['loss'];
  /** An optimizer over (a subset of) the model's parameters: SGD, Adam, AdamW, RMSProp, Adagrad or another Optimizer subclass. */
  optimizer: OptimizerLike;
  /**
   * Train on the last layer's pre-activation outputs (Network's fused sigmoid + bce and softmax +
   * crossEntropy): the loss receives logits, as from Network.logits(). Default false.
   */
  logits?: boolean;
  /**
   * Which engine runs the step: 'fused' (generated code for tiny networks), 'wasm' (float32 on the
   * active wasm backend's kernels, buffers kept in wasm memory), 'layers' (plain-JS loops, any size
   * and dtype), or 'auto' (default: fused when tiny, wasm when big enough and available, else
   * layers). An engine that cannot run this model falls back to 'layers'.
   */
  engine?: CompiledEngine;
}

export type CompiledEngine = 'auto' | 'fused' | 'wasm' | 'layers';
const ENGINES: readonly CompiledEngine[] = ['auto', 'fused', 'wasm', 'layers'];

function isCompiledModule(m: Module): boolean {
  return m instanceof Dense || m instanceof Activation || m instanceof Sequential;
}

/** Dense and activation modules in order, nested Sequentials flattened; null if something else is inside. */
function flatten(model: Module | readonly Module[], out: Module[] = []): Module[] | null {
  const list: readonly Module[] = Array.isArray(model) ? model : [model as Module];
  for (const m of list) {
    if (!(m instanceof Module) || !isCompiledModule(m)) return null;
    if (m instanceof Sequential) {
      if (m.constructor !== Sequential || flatten(m.layers, out) === null) return null;
    } else if (m.constructor !== Dense && !(m instanceof Activation)) {
      return null; // a subclass may override forward()
    } else out.push(m);
  }
  return out;
}

/**
 * Why `model` with these options cannot be compiled (null when it can): a one-line reason.
 * @example whyNotCompiled(new Sequential(new Dense(2, 1)), { loss: mse, optimizer }) // null
 */
export function whyNotCompiled(model: Module | readonly Module[], options: CompileOptions): string | null {
  const plan = makePlan(model, options);
  return typeof plan === 'string' ? plan : null;
}

/**
 * A compiled trainer for a stack of Dense layers (activation modules after a linear Dense are
 * folded into it), or null when some layer, the loss or the optimizer is not supported.
 * @example
 * const model = new Sequential(new Dense(2, 4, { activation: 'tanh' }), new Dense(4, 1));
 * const trainer = compileTrainer(model, { loss: mse, optimizer: new SGD(model.parameters(), { lr: 0.1 }) });
 * trainer?.fit(x, y, { epochs: 100, batchSize: 4 });
 */
export function compileTrainer(model: Module | readonly Module[], options: CompileOptions): CompiledTrainer | null {
  const plan = makePlan(model, options);
  return typeof plan === 'string' ? null : plan;
}

/**
 * fit() through the compiled path when the model, loss and optimizer allow it, else fit() itself:
 * the same history and the same weights either way.
 * @example fitCompiled(model, x, y, { loss: mse, optimizer, epochs: 100 })
 */
export function fitCompiled(model: Module, inputs: Tensor, targets: Tensor, options: FitOptions): History {
  checkFitOptions('fit', options);
  const trainer = compileTrainer(model, { loss: options.loss, optimizer: options.optimizer });
  return trainer ? trainer.fit(inputs, targets, options, model) : fit(model, inputs, targets, options);
}

const COMPILE_OPTIONS = ['loss', 'optimizer', 'logits', 'engine'];

function makePlan(model: Module | readonly Module[], options: CompileOptions): CompiledTrainer | string {
  if (options === null || typeof options !== 'object') throw new ValueError('compileTrainer: options must be an object { loss, optimizer }');
  for (const key of Object.keys(options)) {
    if (!COMPILE_OPTIONS.includes(key)) throw new ValueError(`compileTrainer: unknown option '${key}' (known: ${COMPILE_OPTIONS.join(', ')})`);
  }
  const modules = flatten(model);
  if (modules === null) return 'only Dense layers, activation modules and Sequentials of them are compiled';
  const lossCode = LOSS_CODES.get(options.loss);
  if (lossCode === undefined) return 'the loss is not one of the library\'s (mse, sse, mae, bce, bceWithLogits, crossEntropy)';
  const layers: { dense: Dense; act: ActivationName; alpha: number }[] = [];
  for (const m of modules) {
    if (m instanceof Dense) layers.push({ dense: m, act: m.activation, alpha: m.alpha });
    else {
      const a = m as Activation;
      const last = layers[layers.length - 1];
      if (a.kind === 'linear') continue;
      if (!last || last.act !== 'linear') return 'an activation module must follow a Dense layer without an activation of its own';
      last.act = a.kind;
      last.alpha = a.alpha;
    }
  }
  if (layers.length === 0) return 'the model has no Dense layer';
  if (options.logits) layers[layers.length - 1].act = 'linear';
  const dtype = layers[0].dense.weight.dtype;
  const seen = new Set<Tensor>();
  for (let i = 0; i < layers.length; i++) {
    const d = layers[i].dense;
    if (i > 0 && d.inFeatures !== layers[i - 1].dense.outFeatures) return `layer ${i} takes ${d.inFeatures} inputs but layer ${i - 1} gives ${layers[i - 1].dense.outFeatures}`;
    for (const p of [d.weight, d.bias]) {
      if (p === null) continue;
      if (p.dtype !== dtype) return 'the layers mix float32 and float64 parameters';
      if (seen.has(p)) return 'a parameter is shared between layers';
      seen.add(p);
    }
    if (!(ACT_CODES[layers[i].act] >= 0)) return `activation '${layers[i].act}' is not compiled`;
  }
  const opt = options.optimizer;
  if (!(opt instanceof Optimizer)) return 'the optimizer is not one of the library\'s Optimizer classes';
  for (const g of opt.paramGroups) for (const p of g.params) if (!seen.has(p)) return 'the optimizer holds a parameter that is not the model\'s';
  const engine = options.engine ?? 'auto';
  if (!ENGINES.includes(engine)) throw new ValueError(`compileTrainer: unknown engine '${String(engine)}' (known: ${ENGINES.join(', ')})`);
  return new CompiledTrainer(layers.map((l) => ({ dense: l.dense, act: ACT_CODES[l.act], alpha: l.alpha })), lossCode, opt, modules, options.logits ?? false, engine);
}

/** Below this many elements (parameters + input values) the last training's objects are retained. */
const RETAIN_MAX_ELEMENTS = 1 << 16;
let retained: unknown = null;

/**
 * Keeps the most recent small training's objects (trainer, step, options, model, optimizer)
 * reachable until the next one. Why: V8's optimised code for the shared training loop checks the
 * hidden classes of these objects, and a hidden class dies with the last object that has it. A
 * benchmark that trains fresh tiny networks with a full GC in between (as bench/ does) would
 * otherwise throw that code away and re-optimise it for every network: measured 3× slower XOR.
 * Bounded to one small model and dataset (≤ 64 Ki elements), so the memory cost is negligible.
 */
function retainIfSmall(layers: readonly Layer[], inputs: Tensor, objects: unknown[]): void {
  let elements = inputs.size;
  for (const l of layers) elements += l.weight.size + (l.bias ? l.bias.size : 0);
  if (elements <= RETAIN_MAX_ELEMENTS) retained = objects;
}

/** One dense layer as the engines see it: weight [n, k], bias [n], the activation after it, gradient buffers. */
interface Layer {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly k: number;
  readonly n: number;
  readonly act: number;
  readonly alpha: number;
  readonly gw: TypedArray;
  readonly gb: TypedArray | null;
}

/** The JS engine's buffers for one batch size. */
interface Buffers {
  readonly rows: number;
  readonly x: TypedArray;
  readonly y: TypedArray;
  /** Pre-activations per layer (the same array as `a` for linear layers). */
  readonly z: TypedArray[];
  /** Activations (outputs) per layer. */
  readonly a: TypedArray[];
  /** ∂L/∂a, turned into ∂L/∂z in place, per layer. */
  readonly d: TypedArray[];
  readonly output: Tensor;
  readonly target: Tensor;
}

/**
 * A compiled training step for one model, loss and optimizer. Buffers are made once per batch size
 * and reused; the parameters' own typed arrays are updated in place (the wasm engine keeps copies
 * in wasm memory that it writes back before anything else can look), so the model, and Network's
 * toJSON/predict, see every update. Build with compileTrainer().
 */
export class CompiledTrainer {
  readonly dtype: 'float32' | 'float64';
  private readonly layers: Layer[];
  private readonly entries: UpdateEntry[];
  private readonly rule: UpdateRule | null;

  /** @internal use compileTrainer(). */
  constructor(
    specs: { dense: Dense; act: number; alpha: number }[],
    private readonly lossCode: number,
    private readonly optimizer: Optimizer,
    private readonly modules: Module[],
    private readonly logits: boolean,
    private readonly engine: CompiledEngine,
  ) {
    const dtype = specs[0].dense.weight.dtype;
    this.dtype = dtype;
    const alloc = (n: number): TypedArray => (dtype === 'float64' ? new Float64Array(n) : new Float32Array(n));
    this.layers = specs.map(({ dense, act, alpha }) => ({
      weight: dense.weight, bias: dense.bias, k: dense.inFeatures, n: dense.outFeatures, act, alpha,
      gw: alloc(dense.weight.size), gb: dense.bias ? alloc(dense.bias.size) : null,
    }));
    const gradOf = new Map<Tensor, TypedArray>();
    for (const l of this.layers) {
      gradOf.set(l.weight, l.gw);
      if (l.bias) gradOf.set(l.bias, l.gb!);
    }
    this.entries = [];
    for (const group of optimizer.paramGroups) {
      for (const p of group.params) {
        // A frozen parameter gets no gradient in fit(), so the optimizer skips it: so do we.
        if (!p.requiresGrad) continue;
        const grad = gradOf.get(p)!;
        this.entries.push({ param: p, grad, gradTensor: new Tensor(grad, p.shape), group, state: null });
      }
    }
    this.rule = RULES.get(optimizer.constructor) ?? null;
  }

  /**
   * The engine a fit would use now: 'fused', 'wasm' or 'layers' (the wasm engine needs the active
   * backend to be a wasm one, float32 parameters and activations its kernels have).
   */
  get engineInUse(): Exclude<CompiledEngine, 'auto'> {
    const fusedOk = fusable(this.layers);
    const wasmOk = this.dtype === 'float32' && wasmSupports(this.layers) && activeWasmKernels() !== null;
    switch (this.engine) {
      case 'fused': return fusedOk ? 'fused' : 'layers';
      case 'wasm': return wasmOk ? 'wasm' : 'layers';
      case 'layers': return 'layers';
      default: {
        if (fusedOk) return 'fused';
        let macs = 0;
        for (const l of this.layers) macs += l.k * l.n;
        return wasmOk && macs >= WASM_MIN_MACS ? 'wasm' : 'layers';
      }
    }
  }

  /** The modules as fit() sees them (validation forward, train/eval), on logits when training on logits. */
  private trainable(): Trainable {
    const modules = this.modules;
    const logits = this.logits;
    let last = modules.length - 1;
    if (logits) while (!(modules[last] instanceof Dense)) last--;
    return {
      forward(x: Tensor): Tensor {
        for (let i = 0; i < modules.length; i++) {
          if (logits && i === last) return (modules[i] as Dense).preActivation(x);
          x = modules[i].forward(x);
        }
        return x;
      },
      parameters: () => this.layers.flatMap((l) => (l.bias ? [l.weight, l.bias] : [l.weight])),
      train: (mode?: boolean) => { for (const m of modules) m.train(mode); },
      eval: () => { for (const m of modules) m.eval(); },
    };
  }

  /**
   * Trains like fit() (the same options; loss and optimizer default to the trainer's): the same
   * batches in the same seeded order, the same history, callbacks, early stopping and divergence
   * errors. `model` is what validation and restoreBest use (default: the compiled modules). Falls
   * back to fit() when the data's dtype or shape does not match the parameters'.
   * @example trainer.fit(x, y, { epochs: 10, batchSize: 32, seed: 1 })
   */
  fit(inputs: Tensor, targets: Tensor, options: Omit<FitOptions, 'loss' | 'optimizer'> & Partial<Pick<FitOptions, 'loss' | 'optimizer'>> = {}, model?: Trainable): History {
    const full: FitOptions = { ...options, loss: options.loss ?? LOSS_BY_CODE[this.lossCode], optimizer: options.optimizer ?? this.optimizer };
    checkFitOptions('fit', full);
    const trainable = model ?? this.trainable();
    if (!this.accepts(inputs, targets) || full.loss !== LOSS_BY_CODE[this.lossCode] || full.optimizer !== this.optimizer) {
      return fit(trainable, inputs, targets, full);
    }
    let step: TrainStep | null = null;
    const history = trainLoop('fit', trainable, inputs, targets, full, (x, y) => (step = this.stepper(x, y)));
    retainIfSmall(this.layers, inputs, [this, step, full, trainable, options]);
    return history;
  }

  /** Whether the data fits the compiled layout (the parameters' dtype, 2-D inputs, matching targets). */
  private accepts(x: Tensor, y: Tensor): boolean {
    const first = this.layers[0], last = this.layers[this.layers.length - 1];
    if (!(x instanceof Tensor) || !(y instanceof Tensor)) return false;
    if (x.dtype !== this.dtype || y.dtype !== this.dtype || x.rank !== 2 || x.shape[1] !== first.k) return false;
    if (y.rank === 2) return y.shape[1] === last.n;
    if (y.rank !== 1 || this.lossCode !== CE) return false;
    // Class indices out of range: fit() reports them (crossEntropy's error), so let it run.
    for (let i = 0; i < y.size; i++) {
      const c = y.data[i];
      if (!Number.isInteger(c) || c < 0 || c >= last.n) return false;
    }
    return true;
  }

  /** The TrainStep that trainLoop drives, on the engine chosen for this model. */
  private stepper(trainX: Tensor, trainY: Tensor): TrainStep {
    const engine = this.engineInUse;
    if (engine === 'wasm') {
      return new WasmStep(activeWasmKernels()!, this.layers, this.lossCode, this.entries, this.optimizer, this.rule, trainX, trainY);
    }
    return new JsStep(this.layers, this.lossCode, this.entries, this.optimizer, this.rule, trainX, trainY, engine === 'fused');
  }
}

/**
 * The plain-JS step: generated code for tiny networks (`fused`), per-layer loops otherwise. A class
 * (not closures) so every network shares one set of optimised methods: fresh closures per network
 * would make V8 deoptimise the shared loop each time it met a new call target.
 */
class JsStep implements TrainStep {
  private readonly xs: TypedArray;
  private readonly ys: TypedArray;
  private readonly xw: number;
  private readonly yw: number;
  private readonly classIndices: boolean;
  private readonly kernel: FusedKernel | null;
  private readonly kernelArrays: TypedArray[];
  private readonly buffers = new Map<number, Buffers>();
  private buf: Buffers;
  // The last batch, for target(): the fused code reads targets in place, so gather them only when asked.
  private lastOrder: ArrayLike<number> = [];
  private lastStart = 0;
  private rows = 0;
  private targetReady = false;
  // The update's operands in flat arrays: four loads per parameter per step.
  private readonly params: TypedArray[];
  private readonly grads: TypedArray[];
  private readonly groups: Record<string, unknown>[];
  private readonly states: (object | null)[];
  private ready: boolean;
  private readonly flat: FlatUpdate | null;
  private flatReady: boolean;

  constructor(
    private readonly layers: readonly Layer[],
    private readonly lossCode: number,
    private readonly entries: readonly UpdateEntry[],
    private readonly optimizer: Optimizer,
    private readonly rule: UpdateRule | null,
    trainX: Tensor,
    trainY: Tensor,
    useFused: boolean,
  ) {
    this.xs = trainX.data;
    this.ys = trainY.data;
    this.xw = trainX.shape[1];
    this.classIndices = trainY.rank === 1;
    this.yw = this.classIndices ? 1 : trainY.shape[1];
    // Tiny networks whose every parameter one optimizer group updates: one flat update per step.
    const covered = layers.every((l) => entries.some((e) => e.param === l.weight) && (!l.bias || entries.some((e) => e.param === l.bias)));
    const flat = useFused && covered && FlatUpdate.fits(entries, rule) ? new FlatUpdate(entries, optimizer, rule!) : null;
    const fused = useFused
      ? fusedKernel(layers.map((l) => ({
        k: l.k, n: l.n, act: l.act, alpha: l.alpha,
        w: flat ? flat.view(l.weight)! : l.weight.data, b: l.bias ? (flat ? flat.view(l.bias)! : l.bias.data) : null,
        gw: flat ? flat.view(l.weight, true)! : l.gw, gb: l.bias ? (flat ? flat.view(l.bias, true)! : l.gb) : null,
      })), lossCode, this.classIndices)
      : null;
    this.flat = fused ? flat : null;
    this.flatReady = this.flat !== null && this.flat.load();
    this.kernel = fused ? fused.kernel : null;
    this.kernelArrays = fused ? fused.arrays : [];
    this.buf = this.buffersFor(Math.min(trainX.shape[0], 1));
    this.params = entries.map((e) => e.param.data);
    this.grads = entries.map((e) => e.grad);
    this.groups = entries.map((e) => hyperCopy(e.group));
    this.states = entries.map(() => null);
    this.ready = this.refresh();
  }

  private refresh(): boolean {
    const ok = this.rule !== null && refreshStates(this.optimizer, this.entries);
    for (let i = 0; i < this.entries.length; i++) this.states[i] = this.entries[i].state;
    return ok;
  }

  private buffersFor(rows: number): Buffers {
    const b = this.buffers.get(rows);
    if (b !== undefined) return b;
    const f64 = this.xs instanceof Float64Array;
    const alloc = (n: number): TypedArray => (f64 ? new Float64Array(n) : new Float32Array(n));
    const z: TypedArray[] = [], a: TypedArray[] = [], d: TypedArray[] = [];
    for (const l of this.layers) {
      const zl = alloc(rows * l.n);
      z.push(zl);
      a.push(l.act === LINEAR ? zl : alloc(rows * l.n));
      d.push(alloc(rows * l.n));
    }
    const y = alloc(rows * this.yw);
    const nb: Buffers = {
      rows, x: alloc(rows * this.layers[0].k), y, z, a, d,
      output: new Tensor(a[a.length - 1], [rows, this.layers[this.layers.length - 1].n]),
      target: new Tensor(y, this.classIndices ? [rows] : [rows, this.yw]),
    };
    this.buffers.set(rows, nb);
    return nb;
  }

  forward(order: ArrayLike<number>, start: number, end: number): number {
    const rows = end - start;
    this.rows = rows;
    let buf = this.buf;
    if (buf.rows !== rows) buf = this.buf = this.buffersFor(rows);
    this.lastOrder = order;
    this.lastStart = start;
    const xs = this.xs, ys = this.ys;
    if (this.kernel !== null) {
      this.targetReady = false;
      return this.kernel(this.kernelArrays, BCE_LO, xs, ys, order, start, end, buf.output.data);
    }
    const xw = this.xw, yw = this.yw;
    const x = buf.x, y = buf.y;
    for (let r = 0; r < rows; r++) {
      const src = order[start + r];
      for (let j = 0, from = src * xw, to = r * xw; j < xw; j++) x[to + j] = xs[from + j];
      for (let j = 0, from = src * yw, to = r * yw; j < yw; j++) y[to + j] = ys[from + j];
    }
    this.targetReady = true;
    const layers = this.layers, L = layers.length;
    const be = backend();
    let input = x;
    for (let i = 0; i < L; i++) {
      const l = layers[i];
      denseForward(be, input, l.weight.data, l.bias ? l.bias.data : null, buf.z[i], rows, l.k, l.n);
      if (l.act !== LINEAR) activate(l.act, l.alpha, buf.z[i], buf.a[i], rows, l.n);
      input = buf.a[i];
    }
    const value = lossGradient(this.lossCode, buf.a[L - 1], y, buf.d[L - 1], rows, layers[L - 1].n, this.classIndices);
    // Backward now (it changes no parameter): update() then only steps the optimizer.
    for (let i = L - 1; i >= 0; i--) {
      const l = layers[i];
      const d = buf.d[i];
      if (l.act !== LINEAR) activationBackward(l.act, l.alpha, buf.z[i], buf.a[i], d, rows, l.n);
      denseBackward(be, d, i === 0 ? x : buf.a[i - 1], l.weight.data, l.gw, l.gb, i === 0 ? null : buf.d[i - 1], rows, l.k, l.n);
    }
    return value;
  }

  update(): void {
    const flat = this.flat;
    if (flat !== null) {
      if (this.flatReady) {
        flat.step();
        return;
      }
      // First step (the optimizer creates its state) or a state we cannot flatten: per tensor.
      flat.store();
      for (const e of this.entries) e.grad.set(flat.view(e.param, true)!);
      if (flat.usable) {
        stepThroughOptimizer(this.optimizer, this.entries);
      } else {
        this.stepPerTensor();
      }
      this.flatReady = flat.load();
      return;
    }
    this.stepPerTensor();
  }

  private stepPerTensor(): void {
    if (this.ready) {
      const r = this.rule!, params = this.params, grads = this.grads, states = this.states, groups = this.groups;
      for (let i = 0; i < params.length; i++) r(params[i], grads[i], states[i] as never, groups[i] as never);
      return;
    }
    // The first step creates the optimizer's state; optimizers without a known rule always step themselves.
    stepThroughOptimizer(this.optimizer, this.entries);
    this.ready = this.refresh();
  }

  flush(withState = true): void {
    this.flat?.store(withState);
  }

  reload(): void {
    if (this.flat !== null) this.flatReady = this.flat.load();
    // A scheduler or a callback may have changed a group's options, or loaded another optimizer
    // state (loadStateDict replaces every entry).
    for (let i = 0; i < this.entries.length; i++) refreshHyper(this.entries[i].group, this.groups[i]);
    const e = this.entries[0];
    if (e !== undefined && (this.optimizer.state as ReadonlyMap<Tensor, object>).get(e.param) !== this.states[0]) this.ready = this.refresh();
  }

  output(): Tensor {
    return this.buf.output;
  }

  target(): Tensor {
    const buf = this.buf;
    if (!this.targetReady) {
      const y = buf.y, ys = this.ys, yw = this.yw;
      for (let r = 0; r < this.rows; r++) {
        for (let j = 0, from = this.lastOrder[this.lastStart + r] * yw, to = r * yw; j < yw; j++) y[to + j] = ys[from + j];
      }
      this.targetReady = true;
    }
    return buf.target;
  }

  finish(): void {
    this.flush();
    // fit() leaves the last batch's gradients on the parameters; so does the compiled path.
    if (this.rows === 0) return;
    const flat = this.flat;
    for (const l of this.layers) {
      const gw = flat ? flat.view(l.weight, true)! : l.gw;
      if (l.weight.requiresGrad) l.weight.grad = new Tensor(gw.slice(), l.weight.shape);
      if (l.bias && l.bias.requiresGrad) l.bias.grad = new Tensor((flat ? flat.view(l.bias, true)! : l.gb!).slice(), l.bias.shape);
    }
  }
}
