/**
 * `jit`: trace once, replay fast. The first call of a jitted function for given input shapes and
 * dtypes runs it eagerly while recording every prim it applies (forward, loss, backward — backward
 * is prims too), every gradient stored on a leaf and every optimizer update; later calls replay
 * that record as a plan: buffers allocated once and reused by liveness, no Tensor objects, closures
 * or Maps per op, element-wise chains fused into one loop, each prim's own kernel (`run`) on the
 * planned buffers; for tiny graphs, one straight-line function with every element in a local.
 * Nothing here knows a formula: it reads the prims' table entries (src/ops/prim.ts).
 */
import { isGradEnabled } from '../autograd/graph.js';
import { setTracer, type Tracer } from '../autograd/trace.js';
import { allocate, type DType, type TypedArray } from '../tensor/dtype.js';
import { TraceError, ValueError, fmtShape } from '../tensor/errors.js';
import { sameShape, sizeOf, type Shape } from '../tensor/shape.js';
import { Tensor, traceGuard } from '../tensor/tensor.js';
import { backend } from '../tensor/kernels/backend.js';
import { residentAllocate, residentOf } from '../tensor/resident.js';
import { generateShared, isPerTrace, perTraceFunction, type Prim, type Runner, type TraceNode, type UnrollContext } from '../ops/prim.js';

/** A host call the replay makes with a value's storage: an optimizer update (recorded by Optimizer.step while tracing) or a hostCall. */
export interface TraceUpdate {
  /** Runs the update (the optimizer's own rule and state) or the host function on `grad`'s storage. */
  readonly apply: (grad: TypedArray) => void;
  /** The tensor whose storage is passed: the gradient, or the value handed to the host. */
  readonly grad: Tensor;
  /** False once the plan no longer matches what was traced (an optimizer given new parameters): the next call re-traces. */
  readonly valid?: () => boolean;
  /** The same update as an optimizer's rule (UpdateRule, src/optim/optimizer.ts), for straight-line code to inline. */
  readonly inline?: InlineUpdate;
  /** A host call that straight-line code skips while |grad[0]| ≤ within.value (see hostCall). */
  readonly within?: { readonly value: number };
}

/**
 * An optimizer update that straight-line code inlines instead of calling `apply`: the rule's parts
 * (module-level functions, the same for every trace: see UpdateRule in src/optim/optimizer.ts), the
 * parameter's state as `state(cell)` reads it at each step, the group's live options, the parameter,
 * and the scratch numbers begin hands to the formulas.
 */
export interface InlineUpdate {
  /** Returns which form runs: 0 element per index, 1 nothing (begin did it all), 2 scalar per index. */
  readonly begin: (param: TypedArray, grad: TypedArray, state: unknown, hyper: unknown, c: Float64Array) => number;
  readonly element: (i: number, param: TypedArray, grad: TypedArray, state: unknown, c: Float64Array) => void;
  /** The stateless form, new p from (p, g, c[0], c[1], …) (as many c as it has parameters after p and g). */
  readonly scalar: ((p: number, g: number, ...c: number[]) => number) | undefined;
  /**
   * Where the parameter's state is read at each step: `cell.state` while `cell.version` equals
   * `cell.owner.stateVersion`, else `refresh(cell)` (after loadStateDict: the loaded or a fresh state).
   */
  readonly cell: { readonly owner: { readonly stateVersion: number }; readonly version: number; readonly state: unknown };
  readonly refresh: (cell: unknown) => unknown;
  readonly hyper: unknown;
  readonly param: TypedArray;
  readonly scratch: Float64Array;
}

interface Recorder extends Tracer {
  nodes: TraceNode[];
  /** Position in `nodes` after which each update ran, and the update. */
  updates: { at: number; update: TraceUpdate }[];
  leaves: Set<Tensor>;
  /** Conditions the trace depends on besides its inputs (traceCondition). */
  conditions: (() => boolean)[];
}

let recording: Recorder | null = null;

/** @internal Optimizer.step calls this while tracing; false when no trace is in progress. */
export function traceUpdate(update: TraceUpdate): boolean {
  if (recording === null) return false;
  recording.updates.push({ at: recording.nodes.length, update });
  return true;
}

/**
 * Calls fn with t's values — now, and at this point of every replay when traced: how a jitted
 * function hands a value to the host without reading it (a training step's divergence check sees
 * the loss before the optimizer's update). fn may throw to stop the replay there.
 * `within`: a check that usually passes can say so: straight-line replays then skip the call while
 * t's first element x has |x| ≤ within.value (never for NaN), read live at each replay — fn must do
 * nothing for such values (it may change within.value when it runs; -1 skips nothing).
 * @example hostCall(loss, (v) => { if (!Number.isFinite(v[0])) throw new Error('diverged'); });
 */
export function hostCall(t: Tensor, fn: (values: TypedArray) => void, within?: { readonly value: number }): void {
  if (recording === null) {
    fn(t.data);
    return;
  }
  const rec = recording;
  traceGuard.depth++;
  try {
    fn(t.data);
  } finally {
    traceGuard.depth--;
  }
  rec.updates.push({ at: rec.nodes.length, update: { grad: t, apply: fn, within } });
}

/**
 * Records a condition the trace in progress was made under, beyond its inputs' shapes (a layer's
 * train/eval mode, which changes the graph): once it is false, the next call traces again instead
 * of replaying a graph of the other mode. Does nothing outside a trace.
 * @example traceCondition(() => layer.training === true);
 */
export function traceCondition(holds: () => boolean): void {
  if (recording !== null) recording.conditions.push(holds);
}

/** Whether a jit trace is in progress (for code that must behave differently while traced). */
export function isTracing(): boolean {
  return recording !== null;
}

traceGuard.error = (t: Tensor) => new TraceError(
  `jit: the values of ${t.traced ? `a tensor computed by '${t.traced}'` : 'an input of the traced function'} (shape ${fmtShape(t.shape)}) were read inside it; ` +
    'while tracing, tensors have no values a replay could repeat. Return the tensor from the function and read it outside, or run without compiling ({ compiled: false })',
);

/** What a jitted function may return: a tensor, an array of them, an object of them, or nothing. */
export type JitResult = Tensor | readonly Tensor[] | Record<string, Tensor> | void;

export interface JitOptions {
  /** Plans kept, one per distinct input signature (default 8; the oldest is dropped). */
  cacheSize?: number;
  /**
   * 'auto' (default): straight-line code for tiny graphs, planned kernels otherwise; 'kernels' or
   * 'unrolled' force one (unrolled falls back to kernels where a prim cannot be unrolled).
   */
  mode?: 'auto' | 'kernels' | 'unrolled';
}

/** A jitted function, with what it has compiled. */
export interface Jitted<A extends unknown[], R extends JitResult> {
  (...args: A): R;
  /** How many times the function was traced (one per new input signature). */
  readonly traces: number;
  /** The mode of the plan the last call ran ('eager' for the tracing call itself). */
  readonly lastMode: 'eager' | 'kernels' | 'unrolled';
  /** Drops every plan (the next call traces again). */
  clear(): void;
  /**
   * Calls the function once per batch of `size` rows, as if each batch were gathered and passed:
   * call k gets, as argument i, rows order[start + k·size], …, order[start + (k+1)·size − 1] of
   * `sources[i]` (every argument a tensor of rows). `each(results, k)` runs after each call (the
   * same result tensors each time, refilled); returning false stops. A replay loop with no
   * gathering and no per-call dispatch: how a training epoch runs many tiny steps fast.
   * Returns how many calls ran.
   * @example step.rows([x, y], order, 0, order.length / 4, 4, (loss) => { sum += loss.item(); });
   */
  rows(sources: readonly Tensor[], order: ArrayLike<number>, start: number, count: number, size: number, each: (results: R, k: number) => boolean | void): number;
}

/**
 * Compiles `fn` by tracing it: the first call with new input shapes and dtypes runs it eagerly and
 * records it; later calls replay the record. Inside `fn`, reading a traced tensor's values throws a
 * TraceError. Parameters and optimizer state are the live buffers the replay updates in place.
 * Returned tensors are the plan's buffers: the next call overwrites them (copy what you keep).
 * @example
 * const step = jit((x: Tensor, y: Tensor) => { opt.zeroGrad(); const loss = mse(model.forward(x), y); loss.backward(); opt.step(); return loss; });
 * for (const [x, y] of batches) step(x, y).item();
 */
export function jit<A extends unknown[], R extends JitResult>(fn: (...args: A) => R, options: JitOptions = {}): Jitted<A, R> {
  for (const key of Object.keys(options)) {
    if (key !== 'cacheSize' && key !== 'mode') throw new ValueError(`jit: unknown option '${key}' (known: cacheSize, mode)`);
  }
  const cacheSize = options.cacheSize ?? 8;
  if (!Number.isInteger(cacheSize) || cacheSize < 1) throw new ValueError(`jit: cacheSize must be a whole number ≥ 1, got ${cacheSize}`);
  const mode = options.mode ?? 'auto';
  if (!['auto', 'kernels', 'unrolled'].includes(mode)) throw new ValueError(`jit: mode must be 'auto', 'kernels' or 'unrolled', got '${String(mode)}'`);
  if (typeof fn !== 'function') throw new ValueError('jit: expected a function to compile');
  const plans = new Map<string, Plan>();
  let last: Plan | null = null;
  let traces = 0;
  let lastMode: 'eager' | 'kernels' | 'unrolled' = 'eager';

  const call = (...args: A): R => {
    let plan = last;
    if (plan === null || !plan.matches(args)) {
      const key = signature(args);
      plan = plans.get(key) ?? null;
      if (plan === null) {
        traces++;
        lastMode = 'eager';
        const traced = trace(fn, args, mode);
        if (traced.plan !== null) {
          plans.set(key, traced.plan);
          if (plans.size > cacheSize) plans.delete(plans.keys().next().value as string);
          last = traced.plan;
        }
        return traced.result;
      }
      last = plan;
    }
    if (!plan.valid()) {
      plans.delete(plan.key);
      last = null;
      return call(...args);
    }
    lastMode = plan.mode;
    return plan.run(args) as R;
  };
  // rows(): the batch tensors of the last sources (their signature is the plan's key), and a
  // gatherer for calls that cannot run as a loop (the first, which traces; plans the loop cannot serve).
  let rowsOf: { sources: readonly Tensor[]; size: number; batches: Tensor[]; key: string; plan: Plan | null; grad: boolean } | null = null;
  const rows = (sources: readonly Tensor[], order: ArrayLike<number>, start: number, count: number, size: number, each: (results: R, k: number) => boolean | void): number => {
    if (rowsOf === null || rowsOf.size !== size || !sameTensors(rowsOf.sources, sources)) {
      const batches = sources.map((t, i) => {
        if (!(t instanceof Tensor) || t.rank < 1) throw new ValueError(`jit rows: source ${i} is not a tensor of rows`);
        return new Tensor(allocate(t.dtype, size * (t.size / Math.max(1, t.shape[0]))), [size, ...t.shape.slice(1)]);
      });
      rowsOf = { sources: [...sources], size, batches, key: signature(batches).slice(1), plan: null, grad: false };
    }
    const known = rowsOf.plan;
    if (known !== null && rowsOf.grad === isGradEnabled() && known.valid() && count > 0) {
      last = known;
      lastMode = known.mode;
      return known.rows(sources, order, start, count, size, each as (results: JitResult, k: number) => boolean | void, 0);
    }
    if (!Number.isInteger(size) || size < 1) throw new ValueError(`jit rows: size must be a whole number ≥ 1, got ${size}`);
    if (count <= 0) return 0;
    if (start < 0 || start + count * size > order.length) throw new ValueError(`jit rows: batches [${start}, ${start + count * size}) run past the ${order.length} indices`);
    const batches = rowsOf.batches;
    const key = (isGradEnabled() ? 'g' : 'n') + rowsOf.key;
    let k = 0;
    for (;;) {
      const plan = plans.get(key);
      if (plan !== undefined && plan.canLoop && plan.valid()) {
        rowsOf.plan = plan;
        rowsOf.grad = isGradEnabled();
        last = plan;
        lastMode = plan.mode;
        return k + plan.rows(sources, order, start + k * size, count - k, size, each as (results: JitResult, k: number) => boolean | void, k);
      }
      // One ordinary call (it traces when the plan is missing or stale).
      for (let i = 0; i < sources.length; i++) gatherRows(batches[i], sources[i], order, start + k * size, size);
      const result = call(...(batches as unknown as A));
      const goOn = each(result, k);
      k++;
      if (goOn === false || k === count) return k;
    }
  };
  Object.defineProperty(call, 'traces', { get: () => traces });
  (call as { rows?: typeof rows }).rows = rows;
  Object.defineProperty(call, 'lastMode', { get: () => lastMode });
  (call as { clear?: () => void }).clear = () => { plans.clear(); last = null; rowsOf = null; };
  return call as unknown as Jitted<A, R>;
}

/** Whether two lists hold the same tensors (a loop: called once per epoch of a training). */
function sameTensors(a: readonly Tensor[], b: readonly Tensor[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Rows order[start, start + size) of `source` into `batch`'s storage. */
function gatherRows(batch: Tensor, source: Tensor, order: ArrayLike<number>, start: number, size: number): void {
  const out = batch.data, src = source.data;
  const width = batch.size / size;
  const rows = source.shape[0];
  for (let r = 0; r < size; r++) {
    const row = order[start + r];
    if (!(row >= 0 && row < rows)) throw new ValueError(`jit rows: index ${row} at position ${start + r} is not a row of a source with ${rows} rows`);
    const from = row * width;
    if (width >= 16 && out.constructor === src.constructor) out.set(src.subarray(from, from + width), r * width);
    else for (let j = 0; j < width; j++) out[r * width + j] = src[from + j];
  }
}

function signature(args: readonly unknown[]): string {
  let key = isGradEnabled() ? 'g' : 'n';
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a instanceof Tensor) key += `|${a.dtype}[${a.shape.join(',')}]${a.requiresGrad ? 'r' : ''}`;
    else if (a === undefined || a === null || typeof a === 'number' || typeof a === 'boolean' || typeof a === 'string') key += `|${typeof a}:${String(a)}`;
    else throw new ValueError(`jit: argument ${i} is ${typeof a === 'object' ? 'an object' : typeof a}; a jitted function takes Tensors (and numbers, booleans or strings, which are baked into the plan)`);
  }
  return key;
}

/** Runs fn eagerly under a recorder and builds its plan (null when nothing was traced). */
function trace<A extends unknown[], R extends JitResult>(fn: (...args: A) => R, args: A, mode: JitOptions['mode']): { result: R; plan: Plan | null } {
  if (recording !== null) throw new TraceError('jit: a jitted function was called while another is being traced; jit the outer function only');
  const rec: Recorder = {
    nodes: [], updates: [], leaves: new Set(), conditions: [],
    node(n) { this.nodes.push(n as TraceNode); },
    grad(leaf) { this.leaves.add(leaf); },
  };
  // Inputs are wrapped so the trace can tell them apart from constants that share their storage.
  const inputs = args.map((a) => (a instanceof Tensor ? markInput(a) : a)) as A;
  recording = rec;
  const prevTracer = setTracer(rec);
  const prevActive = traceGuard.active;
  traceGuard.active = true;
  let result: R;
  try {
    result = fn(...inputs);
  } catch (e) {
    for (const n of rec.nodes) n.out.traced = null;
    throw e;
  } finally {
    traceGuard.active = prevActive;
    setTracer(prevTracer);
    recording = null;
  }
  const key = signature(args);
  let plan: Plan | null;
  try {
    plan = rec.nodes.length === 0 && rec.updates.length === 0 ? null : buildPlan(key, args, inputs as unknown[], rec, result, mode ?? 'auto');
  } finally {
    // The eager run's tensors are ordinary tensors from now on (its results, gradients left on leaves).
    for (const n of rec.nodes) n.out.traced = null;
  }
  // The eager run's gradients of arguments landed on the wrappers: hand them to the caller's tensors.
  for (const leaf of rec.leaves) {
    const i = (inputs as unknown[]).indexOf(leaf);
    if (i >= 0) (args[i] as Tensor).grad = leaf.grad;
  }
  return { result: unwrapInputs(result, inputs as unknown[], args), plan };
}

/** A fresh tensor over the argument's storage, marked traced: reads from user code inside fn are refused. */
function markInput(a: Tensor): Tensor {
  const t = new Tensor(a.data, a.shape, a.requiresGrad);
  t.traced = '';
  t.name = a.name;
  return t;
}

function unwrapInputs<R>(result: R, inputs: readonly unknown[], args: readonly unknown[]): R {
  const swap = (t: unknown): unknown => {
    const i = inputs.indexOf(t);
    return i >= 0 ? args[i] : t;
  };
  if (result instanceof Tensor) return swap(result) as R;
  if (Array.isArray(result)) return result.map(swap) as R;
  if (result !== null && typeof result === 'object') return Object.fromEntries(Object.entries(result).map(([k, v]) => [k, swap(v)])) as R;
  return result;
}

// ---- the plan ------------------------------------------------------------------------------------

/** Where a value's storage comes from at replay. */
type Slot =
  | { kind: 'arg'; index: number }
  | { kind: 'const'; data: TypedArray }
  | { kind: 'buf'; data: TypedArray | null; size: number; dtype: DType };

interface Value {
  readonly tensor: Tensor;
  slot: number;
  /** Index of the last node (or update) that reads it; Infinity when it must survive the call. */
  lastUse: number;
}

interface Step {
  readonly node: TraceNode;
  readonly out: number;
  readonly ins: readonly number[];
}

interface OutputSpec {
  readonly kind: 'tensor' | 'array' | 'object' | 'none';
  readonly keys: readonly string[];
  readonly values: readonly (Tensor | null)[];
}

class Plan {
  readonly mode: 'kernels' | 'unrolled';
  private readonly shapes: (readonly number[] | null)[];
  private readonly dtypes: (DType | null)[];
  private readonly argData: TypedArray[];
  private replayFn: ((args: TypedArray[]) => void) | null = null;
  private readonly guards: { t: Tensor; requiresGrad: boolean; data: TypedArray }[];
  private readonly gradEnabled: boolean;
  private loop: RowsLoop | null = null;
  private readonly sourceData: TypedArray[] = [];
  private each: (results: JitResult, k: number) => boolean | void = () => {};
  private k0 = 0;
  private rowResults: JitResult | undefined = undefined;
  private readonly eachBatch = (k: number): boolean | void => this.each(this.rowResults, this.k0 + k);

  constructor(
    readonly key: string,
    args: readonly unknown[],
    private readonly nonTensorArgs: readonly unknown[],
    /** Builds the replay (on first use: a training that runs as rows() loops never needs it). */
    private readonly makeReplay: () => (args: TypedArray[]) => void,
    mode: 'kernels' | 'unrolled',
    private readonly output: OutputSpec,
    /** Leaves whose gradient the trace set; arg ≥ 0: the argument at that position (a new tensor each call). */
    private readonly leafGrads: readonly { leaf: Tensor; arg: number; grad: Tensor | null }[],
    guards: Tensor[],
    private readonly checks: readonly (() => boolean)[],
    /** Builds the rows loop (null: the plan cannot run as one, see canLoop). */
    private readonly makeLoop: ((replay: () => (args: TypedArray[]) => void) => RowsLoop) | null,
  ) {
    this.shapes = args.map((a) => (a instanceof Tensor ? a.shape : null));
    this.dtypes = args.map((a) => (a instanceof Tensor ? a.dtype : null));
    this.argData = args.map(() => null as unknown as TypedArray);
    this.mode = mode;
    this.guards = guards.map((t) => ({ t, requiresGrad: t.requiresGrad, data: t.data }));
    this.gradEnabled = isGradEnabled();
  }

  /** Cheap check that args have this plan's signature (the common case: same as the last call). */
  matches(args: readonly unknown[]): boolean {
    const shapes = this.shapes;
    if (args.length !== shapes.length || this.gradEnabled !== isGradEnabled()) return false;
    // The same objects as last time (a training loop's batch tensors): a tensor's shape and dtype never change.
    const prev = this.prevArgs;
    let same = prev.length === args.length;
    for (let i = 0; same && i < args.length; i++) if (args[i] !== prev[i]) same = false;
    if (same) return true;
    if (!this.sameSignature(args)) return false;
    prev.length = 0;
    for (let i = 0; i < args.length; i++) prev.push(args[i]);
    return true;
  }

  private readonly prevArgs: unknown[] = [];

  private sameSignature(args: readonly unknown[]): boolean {
    const shapes = this.shapes;
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      const s = shapes[i];
      if (s === null) {
        if (a instanceof Tensor || a !== this.nonTensorArgs[i]) return false;
      } else if (!(a instanceof Tensor) || a.dtype !== this.dtypes[i] || (a.shape !== s && !sameShape(a.shape, s))) return false;
    }
    return true;
  }

  /** False when a constant of the trace changed in a way that changes the graph (requiresGrad). */
  valid(): boolean {
    const g = this.guards;
    // A constant's storage replaced (a parameter moved into another backend's memory by a later trace): trace again.
    for (let i = 0; i < g.length; i++) if (g[i].t.requiresGrad !== g[i].requiresGrad || g[i].t.data !== g[i].data) return false;
    const c = this.checks;
    for (let i = 0; i < c.length; i++) if (!c[i]()) return false;
    return true;
  }

  /** Whether rows() can loop this plan: no argument's storage is returned, kept as a gradient or updated. */
  get canLoop(): boolean {
    return this.makeLoop !== null;
  }

  /** The rows loop over `count` batches (see Jitted.rows); `k0` numbers the batches for `each`. */
  rows(sources: readonly Tensor[], order: ArrayLike<number>, start: number, count: number, size: number, each: (results: JitResult, k: number) => boolean | void, k0: number): number {
    const data = this.sourceData;
    let limit = Infinity;
    for (let i = 0; i < sources.length; i++) { data[i] = sources[i].data; limit = Math.min(limit, sources[i].shape[0]); }
    for (let i = start, end = start + count * size; i < end; i++) {
      const row = order[i];
      if (!(row >= 0 && row < limit && row % 1 === 0)) throw new ValueError(`jit rows: index ${row} at position ${i} is not a row of every source (they have ${limit}+ rows)`);
    }
    const loop = (this.loop ??= this.makeLoop!(() => this.replay));
    this.each = each;
    this.k0 = k0;
    this.rowResults ??= this.results();
    const n = loop(data, order, start, count, this.eachBatch);
    this.setLeafGrads(null);
    return n;
  }

  private get replay(): (args: TypedArray[]) => void {
    return (this.replayFn ??= this.makeReplay());
  }

  run(args: readonly unknown[]): JitResult {
    const data = this.argData;
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (a instanceof Tensor) data[i] = a.data;
    }
    this.replay(data);
    this.setLeafGrads(args);
    return this.results();
  }

  private setLeafGrads(args: readonly unknown[] | null): void {
    const lg = this.leafGrads;
    for (let i = 0; i < lg.length; i++) {
      const e = lg[i];
      if (e.arg < 0) e.leaf.grad = e.grad;
      else if (args !== null) (args[e.arg] as Tensor).grad = e.grad;
    }
  }

  private results(): JitResult {
    const o = this.output;
    switch (o.kind) {
      case 'tensor': return o.values[0] as Tensor;
      case 'array': return o.values as Tensor[];
      case 'object': return Object.fromEntries(o.keys.map((k, i) => [k, o.values[i]])) as Record<string, Tensor>;
      default: return undefined;
    }
  }
}

/** Graphs with at most this many elements (all values together) become one straight-line function. */
export const UNROLL_MAX_ELEMENTS = 2048;

function buildPlan(key: string, args: readonly unknown[], inputs: readonly unknown[], rec: Recorder, result: JitResult, mode: 'auto' | 'kernels' | 'unrolled'): Plan {
  const values = new Map<Tensor, Value>();
  const slots: Slot[] = [];
  const guards = new Set<Tensor>();
  const valueOf = (t: Tensor): Value => {
    let v = values.get(t);
    if (v !== undefined) return v;
    const arg = inputs.indexOf(t);
    if (arg >= 0) slots.push({ kind: 'arg', index: arg });
    else {
      // A constant of the trace: a parameter, a number made a tensor, anything not computed inside.
      // Its storage is read at every replay, so parameters updated in place are seen.
      if (t.traced !== null) throw new TraceError(`jit: a tensor computed in another trace (shape ${fmtShape(t.shape)}, by '${t.traced || 'its input'}') was used inside this one; pass it as an argument`);
      guards.add(t);
      slots.push({ kind: 'const', data: residentOf(t.data) });
    }
    v = { tensor: t, slot: slots.length - 1, lastUse: -1 };
    values.set(t, v);
    return v;
  };
  const steps: Step[] = [];
  for (const node of rec.nodes) {
    const ins = node.inputs.map((t) => valueOf(t).slot);
    let slot: number;
    if (node.prim.alias) slot = ins[0];
    else {
      slots.push({ kind: 'buf', data: null, size: sizeOf(node.prepared.shape), dtype: node.prepared.dtype });
      slot = slots.length - 1;
    }
    values.set(node.out, { tensor: node.out, slot, lastUse: -1 });
    steps.push({ node, out: slot, ins });
  }
  // Liveness per slot (aliases share their root's slot): the last step that reads it.
  const lastUse = new Array<number>(slots.length).fill(-1);
  steps.forEach((s, i) => { for (const k of s.ins) lastUse[k] = i; });
  const pinned = new Set<number>();
  const pin = (t: Tensor): number => {
    // A gradient passed in as an argument (or a constant) is read where it is; one computed inside is kept.
    const v = values.get(t) ?? valueOf(t);
    pinned.add(v.slot);
    return v.slot;
  };
  const updates: Update[] = rec.updates.map(({ at, update }) => ({ at, apply: perTraceFunction(update.apply), grad: pin(update.grad), inline: update.inline, within: update.within }));
  const leafGradTensors = [...rec.leaves].map((leaf) => ({ leaf, grad: leaf.grad, arg: inputs.indexOf(leaf) }));
  for (const lg of leafGradTensors) if (lg.grad !== null && values.has(lg.grad)) pin(lg.grad);
  const outputs = flattenResult(result);
  for (const t of outputs.values) if (t !== null && values.has(t)) pin(t);
  for (const s of pinned) lastUse[s] = Infinity;

  const unrollable = mode !== 'kernels' && canUnroll(steps, updates);
  const kind: 'kernels' | 'unrolled' = unrollable ? 'unrolled' : 'kernels';
  // Buffers: unrolled code keeps intermediates in locals, so only pinned values get storage; the
  // kernel plan reuses a dead buffer of the same dtype and size for each new value.
  if (kind === 'unrolled') {
    for (const s of pinned) {
      const sl = slots[s];
      if (sl.kind === 'buf') sl.data = allocate(sl.dtype, sl.size);
    }
  } else {
    planBuffers(steps, slots, lastUse);
  }
  const wrap = (t: Tensor | null): Tensor | null => {
    if (t === null) return null;
    const v = values.get(t);
    if (v === undefined) return t;
    const sl = slots[v.slot];
    if (sl.kind === 'arg') return args[sl.index] as Tensor;
    if (sl.kind === 'const') return t;
    const out = new Tensor(sl.data!, t.shape);
    return out;
  };
  const output: OutputSpec = { kind: outputs.kind, keys: outputs.keys, values: outputs.values.map(wrap) };
  const leafGrads = leafGradTensors.map(({ leaf, grad, arg }) => ({ leaf, arg, grad: wrap(grad) }));
  const replay = kind === 'unrolled' ? () => unrolledReplay(steps, slots, updates, pinned, lastUse) : () => kernelReplay(steps, slots, updates, lastUse);
  const nonTensor = args.map((a) => (a instanceof Tensor ? undefined : a));
  const checks = [...new Set([...rec.updates.map((u) => u.update.valid).filter((v): v is () => boolean => v !== undefined), ...rec.conditions])];
  const argSlot = (slot: number): boolean => slots[slot].kind === 'arg';
  const loopable = args.every((a) => a instanceof Tensor && a.rank >= 1 && a.shape[0] === (args[0] as Tensor).shape[0])
    && leafGradTensors.every((lg) => lg.arg < 0)
    && updates.every((u) => !argSlot(u.grad))
    && outputs.values.every((t) => t === null || !values.has(t) || !argSlot(values.get(t)!.slot));
  let makeLoop: ((replay: () => (args: TypedArray[]) => void) => RowsLoop) | null = null;
  if (loopable) {
    const batch = args as readonly Tensor[];
    makeLoop = kind === 'unrolled' ? (r) => unrolledRows(steps, slots, updates, pinned, batch, r) : (r) => gatheringRows(batch, r());
  }
  return new Plan(key, args, nonTensor, replay, kind, output, leafGrads, [...guards], checks, makeLoop);
}

function flattenResult(result: JitResult): { kind: OutputSpec['kind']; keys: string[]; values: (Tensor | null)[] } {
  if (result === undefined) return { kind: 'none', keys: [], values: [] };
  if (result instanceof Tensor) return { kind: 'tensor', keys: [], values: [result] };
  const check = (v: unknown, where: string): Tensor => {
    if (!(v instanceof Tensor)) throw new ValueError(`jit: the function returned ${where} that is not a Tensor; return a Tensor, an array or an object of Tensors`);
    return v;
  };
  if (Array.isArray(result)) return { kind: 'array', keys: [], values: result.map((v, i) => check(v, `element ${i}`)) };
  if (typeof result === 'object' && result !== null) {
    const keys = Object.keys(result);
    return { kind: 'object', keys, values: keys.map((k) => check((result as Record<string, unknown>)[k], `'${k}'`)) };
  }
  throw new ValueError(`jit: the function returned a ${typeof result}; return a Tensor, an array or an object of Tensors`);
}

/** Assigns storage to every buffer slot, reusing the storage of slots no later step reads. */
function planBuffers(steps: readonly Step[], slots: Slot[], lastUse: readonly number[]): void {
  const free = new Map<string, TypedArray[]>();
  const release: number[][] = steps.map(() => []);
  lastUse.forEach((at, s) => { if (at >= 0 && at !== Infinity && slots[s].kind === 'buf') release[at].push(s); });
  steps.forEach((step, i) => {
    const sl = slots[step.out];
    if (sl.kind === 'buf' && sl.data === null) {
      const k = `${sl.dtype}:${sl.size}`;
      const pool = free.get(k);
      // float32 buffers live in the backend's memory where it has some: its kernels use them in place.
      sl.data = pool && pool.length ? pool.pop()! : residentAllocate(sl.dtype, sl.size);
      // A value no step reads and nothing keeps (say, a gradient nobody asked for) dies at once.
      if (lastUse[step.out] < 0) release[i].push(step.out);
    }
    for (const s of release[i]) {
      const d = slots[s];
      if (d.kind !== 'buf' || d.data === null) continue;
      const k = `${d.dtype}:${d.size}`;
      if (!free.has(k)) free.set(k, []);
      free.get(k)!.push(d.data);
    }
  });
}

// ---- replay: planned kernels ---------------------------------------------------------------------

interface Update { at: number; apply: (grad: TypedArray) => void; grad: number; inline?: InlineUpdate; within?: { readonly value: number } }

/**
 * The kernel plan as one generated function: each step calls its prim's prepared kernel on fixed
 * buffers (arguments bound per call); runs of element-wise steps over one shape become one fused
 * loop that stores only the values read outside it.
 */
function kernelReplay(steps: readonly Step[], slots: readonly Slot[], updates: readonly Update[], lastUse: readonly number[]): (args: TypedArray[]) => void {
  const { consts, ref } = constTable();
  const arr = slotRef(slots, ref);
  // Prepared kernels are closures made per trace: marked so, plans of one shape share the generated code.
  for (const s of steps) perTraceFunction(s.node.prepared.run);
  const groups = fuseGroups(steps);
  const lines: string[] = [];
  const byStart = new Map(groups.map((g) => [g.start, g]));
  let u = 0;
  const flushUpdates = (upTo: number): void => {
    while (u < updates.length && updates[u].at <= upTo) {
      lines.push(`${ref(updates[u].apply)}(${arr(updates[u].grad)});`);
      u++;
    }
  };
  for (let i = 0; i < steps.length;) {
    flushUpdates(i);
    const g = byStart.get(i);
    if (g !== undefined && g.end - g.start > 1) {
      lines.push(`${ref(fusedFunction(steps, slots, g, lastUse))}(A);`);
      // Updates cannot fall inside a group (fuseGroups stops at them).
      i = g.end;
      continue;
    }
    const s = steps[i];
    if (!s.node.prim.alias) lines.push(`${ref(s.node.prepared.run)}(${arr(s.out)}, ${s.ins.map(arr).join(', ')});`);
    i++;
  }
  flushUpdates(Infinity);
  return generateShared<(args: TypedArray[]) => void>('replay', ['A'], lines.join('\n'), consts, () => interpretedReplay(steps, slots, updates));
}

/** The same plan without generated code (a strict Content-Security-Policy): a loop over the steps. */
function interpretedReplay(steps: readonly Step[], slots: readonly Slot[], updates: readonly Update[]): (args: TypedArray[]) => void {
  const runs: Runner[] = [];
  const io: number[][] = [];
  for (const s of steps) if (!s.node.prim.alias) { runs.push(s.node.prepared.run); io.push([s.out, ...s.ins]); }
  const at = steps.map((_, i) => i);
  const order = steps.map((s, i) => (s.node.prim.alias ? -1 : at[i])).filter((i) => i >= 0);
  return (A) => {
    const get = (s: number): TypedArray => { const sl = slots[s]; return sl.kind === 'arg' ? A[sl.index] : sl.data!; };
    let u = 0, r = 0;
    for (const i of order) {
      while (u < updates.length && updates[u].at <= i) { updates[u].apply(get(updates[u].grad)); u++; }
      const x = io[r];
      runs[r](get(x[0]), get(x[1]), x.length > 2 ? get(x[2]) : (undefined as unknown as TypedArray), x.length > 3 ? get(x[3]) : (undefined as unknown as TypedArray));
      r++;
    }
    for (; u < updates.length; u++) updates[u].apply(get(updates[u].grad));
  };
}

interface Group { start: number; end: number; size: number }

/** How an element-wise input is read inside a fused loop over [rows, cols]. */
type Access = 'full' | 'scalar' | 'row' | 'col';

function accessOf(strides: readonly number[], inShape: Shape, out: Shape): Access | null {
  const n = sizeOf(out);
  const size = sizeOf(inShape);
  if (size === n && sameShape(inShape, out)) return 'full';
  if (size === 1) return 'scalar';
  const rank = out.length;
  if (rank >= 1 && size === out[rank - 1] && strides[rank - 1] === 1 && strides.slice(0, rank - 1).every((s) => s === 0)) return 'row';
  if (rank >= 2 && strides[rank - 1] === 0 && size === n / out[rank - 1]) {
    // Contiguous over every axis but the last.
    let acc = 1, ok = true;
    for (let ax = rank - 2; ax >= 0; ax--) { if (out[ax] !== 1 && strides[ax] !== acc) ok = false; acc *= out[ax]; }
    if (ok) return 'col';
  }
  return null;
}

function hasUnaryKernels(): boolean {
  return typeof backend().unary === 'function';
}

/** Maximal runs of consecutive element-wise steps over the same output shape whose inputs all have a simple access. */
function fuseGroups(steps: readonly Step[]): Group[] {
  const groups: Group[] = [];
  let cur: Group | null = null;
  let shape: Shape | null = null;
  steps.forEach((s, i) => {
    const p = s.node.prepared;
    // A formula with a SIMD kernel of the backend's own (tanh, sigmoid, exp, log) runs that kernel
    // instead of a fused loop: it is several times faster than the scalar Math.* formula per element.
    const simd = s.node.prim.wasm !== undefined && s.node.inputs[0].dtype === 'float32' && hasUnaryKernels();
    const ok = !simd && s.node.prim.scalar !== undefined && p.strides !== undefined
      && p.strides.every((st, k) => accessOf(st, s.node.inputs[k].shape, p.shape) !== null);
    if (ok && cur !== null && shape !== null && sameShape(shape, p.shape)) {
      cur.end = i + 1;
      return;
    }
    if (cur !== null) groups.push(cur);
    cur = ok ? { start: i, end: i + 1, size: sizeOf(p.shape) } : null;
    shape = ok ? p.shape : null;
  });
  if (cur !== null) groups.push(cur);
  return groups;
}

/**
 * A fused group as a small function of its own, shared by source (its buffers are constants passed
 * as data). Why not inline in the replay: a long plan (an unrolled recurrent sequence) makes one
 * replay function too big for V8 to optimise or to inline the formulas into, so every fused loop
 * would run interpreted; as separate functions, the identical loops of every time step share one
 * small function that V8 optimises once, with the formulas inlined.
 */
function fusedFunction(steps: readonly Step[], slots: readonly Slot[], g: Group, lastUse: readonly number[]): (args: TypedArray[]) => void {
  const { consts, ref } = constTable();
  const arr = slotRef(slots, ref);
  const body = fusedLoop(steps, slots, g, ref, arr, lastUse);
  // Code generation refused: the replay that would call this is refused too (it falls back to
  // interpretedReplay), so this fallback runs only if the two disagree; it runs the steps unfused.
  const fallback = () => (A: TypedArray[]) => {
    const get = (s: number): TypedArray => { const sl = slots[s]; return sl.kind === 'arg' ? A[sl.index] : sl.data!; };
    for (let i = g.start; i < g.end; i++) {
      const st = steps[i];
      const ins = st.ins.map(get);
      st.node.prepared.run(get(st.out), ins[0], ins[1], ins[2]);
    }
  };
  return perTraceFunction(generateShared<(args: TypedArray[]) => void>('fused', ['A'], body, consts, fallback));
}

function fusedLoop(steps: readonly Step[], slots: readonly Slot[], g: Group, ref: (v: unknown) => string, arr: (s: number) => string, lastUse: readonly number[]): string {
  const shape = steps[g.start].node.prepared.shape;
  const cols = shape.length ? shape[shape.length - 1] : 1;
  const rows = cols === 0 ? 0 : g.size / cols;
  const inside = new Map<number, string>(); // slot → local name, for values made inside the group
  const body: string[] = [];
  const hoisted: string[] = [];
  let tmp = 0;
  const reads = new Map<string, string>();
  const read = (slot: number, access: Access): string => {
    const local = inside.get(slot);
    if (local !== undefined) return local;
    const k = `${slot}:${access}`;
    let name = reads.get(k);
    if (name === undefined) {
      name = `x${reads.size}`;
      reads.set(k, name);
      const a = arr(slot);
      if (access === 'scalar') hoisted.push(`const ${name} = ${a}[0];`);
      else if (access === 'col') body.push(`const ${name} = ${a}[r];`);
      else body.push(`const ${name} = ${a}[${access === 'row' ? 'j' : 'r * C + j'}];`);
    }
    return name;
  };
  const last = new Map<number, number>(); // slot → last step in the group that writes it
  for (let i = g.start; i < g.end; i++) last.set(steps[i].out, i);
  for (let i = g.start; i < g.end; i++) {
    const s = steps[i];
    const p = s.node.prepared;
    const args = s.ins.map((slot, k) => read(slot, accessOf(p.strides![k], s.node.inputs[k].shape, p.shape)!));
    const name = `t${tmp++}`;
    body.push(`const ${name} = ${ref(s.node.prim.scalar)}(${args.join(', ')});`);
    inside.set(s.out, name);
    // Stored only when read after the group (or kept): the rest live in locals.
    if (slots[s.out].kind === 'buf' && last.get(s.out) === i && lastUse[s.out] >= g.end) body.push(`${arr(s.out)}[r * C + j] = ${name};`);
  }
  return `{ const C = ${cols}; ${hoisted.join(' ')}\nfor (let r = 0; r < ${rows}; r++) for (let j = 0; j < C; j++) {\n${body.join('\n')}\n} }`;
}

// ---- replay: straight-line code for tiny graphs --------------------------------------------------

function canUnroll(steps: readonly Step[], updates: readonly Update[]): boolean {
  let elements = 0;
  for (const s of steps) {
    if (s.node.prim.scalar === undefined && s.node.prim.unroll === undefined) return false;
    elements += sizeOf(s.node.prepared.shape);
  }
  if (elements > UNROLL_MAX_ELEMENTS) return false;
  // Every update after every step: the code reads each parameter once, into locals, before any update.
  for (const u of updates) if (u.at < steps.length) return false;
  return true;
}

/** A bare local of unrolled code. */
const LOCAL = /^v\d+$/;

/**
 * The straight-line code of a tiny plan: every element a local, parameters read once, pinned
 * values stored, updates called. `argElement` says how element i of argument `index` is read
 * (from the argument's storage in `replay`, straight from the source rows in `rows`).
 */
function unrolledLines(steps: readonly Step[], slots: Slot[], updates: readonly Update[], pinned: ReadonlySet<number>, ref: (v: unknown) => string,
  argElement: (index: number, i: number, shape: Shape) => string, argArray: (index: number) => string, split = false): { lines: string[]; updatesAt: number } {
  const lines: string[] = [];
  let n = 0;
  const cx: UnrollContext = {
    fn: (f) => ref(f),
    // A local of a local is that local (an unroll's sum of one term, say): no copy, and what is known of it (rounded) holds.
    let: (expr) => {
      if (LOCAL.test(expr)) return expr;
      const name = `v${n++}`;
      lines.push(`const ${name} = ${expr};`);
      return name;
    },
    emit: (line) => { lines.push(line); },
    num: (v) => (Object.is(v, -0) ? '-0' : `(${String(v)})`),
  };
  const elems = new Map<number, string[]>();
  // Locals that hold a float32 value already (an element of float32 storage, a rounded result):
  // a float32 step whose element is one of them as it is (an alias, a sum of one element) needs
  // no rounding again (Math.fround of a float32 value is that value), nor a local of its own.
  const rounded = new Set<string>();
  const elementsOf = (slot: number, shape: Shape, dtype: DType): string[] => {
    let e = elems.get(slot);
    if (e !== undefined) return e;
    const sl = slots[slot];
    if (sl.kind === 'arg') e = Array.from({ length: sizeOf(shape) }, (_, i) => cx.let(argElement(sl.index, i, shape)));
    else {
      const arrName = cx.let(ref(sl.data));
      e = Array.from({ length: sizeOf(shape) }, (_, i) => cx.let(`${arrName}[${i}]`));
    }
    if (dtype === 'float32') for (const name of e) rounded.add(name);
    elems.set(slot, e);
    return e;
  };
  const fround = ref(Math.fround);
  for (const s of steps) {
    const node = s.node;
    const ins = node.inputs.map((t, k) => elementsOf(s.ins[k], t.shape, t.dtype));
    let out: string[];
    if (node.prim.alias) {
      elems.set(s.out, elems.get(s.ins[0])!);
      continue;
    }
    if (node.prim.scalar !== undefined) {
      const f = ref(node.prim.scalar);
      const strides = node.prepared.strides!;
      const shape = node.prepared.shape;
      const total = sizeOf(shape);
      out = [];
      const idx = new Array<number>(shape.length).fill(0);
      for (let i = 0; i < total; i++) {
        const args = ins.map((e, k) => { let o = 0; for (let ax = 0; ax < shape.length; ax++) o += idx[ax] * strides[k][ax]; return e[o]; });
        out.push(`${f}(${args.join(', ')})`);
        for (let ax = shape.length - 1; ax >= 0; ax--) { if (++idx[ax] < shape[ax]) break; idx[ax] = 0; }
      }
    } else {
      out = (node.prim as Prim<unknown>).unroll!(ins, node.inputs.map((t) => t.shape), node.prepared.shape, node.attrs, cx);
    }
    const f32 = node.prepared.dtype === 'float32';
    const named = out.map((e) => {
      if (!f32) return cx.let(e);
      if (rounded.has(e)) return e;
      const name = cx.let(`${fround}(${e})`);
      rounded.add(name);
      return name;
    });
    elems.set(s.out, named);
  }
  for (const slot of pinned) {
    const sl = slots[slot];
    const e = elems.get(slot);
    if (sl.kind !== 'buf' || e === undefined) continue;
    const a = ref(sl.data);
    e.forEach((v, i) => lines.push(`${a}[${i}] = ${v};`));
  }
  // split: the updates go into a function of their own, which reads gradients from their storage.
  const updatesAt = lines.length;
  for (const u of updates) {
    const sl = slots[u.grad];
    const grad = sl.kind === 'arg' ? argArray(sl.index) : ref(sl.data);
    const r = u.inline;
    if (r === undefined) {
      if (u.within === undefined) lines.push(`${ref(u.apply)}(${grad});`);
      else {
        // A check that usually passes: a comparison, and the call only outside the bound (or NaN).
        const w = ref(u.within), x = cx.let(split ? `${grad}[0]` : (elems.get(u.grad)?.[0] ?? `${grad}[0]`));
        lines.push(`if (!(${x} <= ${w}.value && ${x} >= -${w}.value)) ${ref(u.apply)}(${grad});`);
      }
      continue;
    }
    // The optimizer's rule inlined: its per-step part, then its formula once per index: the
    // stateless scalar form (V8 inlines it: a few arithmetic operations per element) or the
    // element form, whichever begin chose for this step (both are here; only the one that runs
    // gets type feedback, so the other costs nothing).
    const cell = ref(r.cell);
    const state = cx.let(`${cell}.version === ${cell}.owner.stateVersion ? ${cell}.state : ${ref(r.refresh)}(${cell})`);
    const param = ref(r.param), c = ref(r.scratch), element = ref(r.element);
    const form = cx.let(`${ref(r.begin)}(${param}, ${grad}, ${state}, ${ref(r.hyper)}, ${c})`);
    const n = r.param.length;
    if (r.scalar !== undefined) {
      const f = ref(r.scalar);
      const gradElems = split ? undefined : elems.get(u.grad);
      const cs = Array.from({ length: Math.max(0, r.scalar.length - 2) }, (_, k) => `${c}[${k}]`);
      lines.push(`if (${form} === 2) {`);
      if (cs.length > 0) lines.push(`const ${cs.map((e, k) => `c${k} = ${e}`).join(', ')};`);
      const args = cs.map((_, k) => `, c${k}`).join('');
      for (let i = 0; i < n; i++) lines.push(`${param}[${i}] = ${f}(${param}[${i}], ${gradElems?.[i] ?? `${grad}[${i}]`}${args});`);
      lines.push(`} else if (${form} === 0) {`);
    } else {
      lines.push(`if (${form} === 0) {`);
    }
    for (let i = 0; i < n; i++) lines.push(`${element}(${i}, ${param}, ${grad}, ${state}, ${c});`);
    lines.push('}');
  }
  return { lines, updatesAt };
}

/** A slot's expression in generated code: an argument `A[i]`, or its storage as a constant. */
function slotRef(slots: readonly Slot[], ref: (v: unknown) => string): (s: number) => string {
  return (s) => {
    const sl = slots[s];
    return sl.kind === 'arg' ? `A[${sl.index}]` : ref(sl.data);
  };
}

function constTable(): { consts: unknown[]; ref: (v: unknown) => string } {
  const consts: unknown[] = [];
  const ref = (v: unknown): string => {
    let i = consts.indexOf(v);
    if (i < 0) { consts.push(v); i = consts.length - 1; }
    return `K${i}`;
  };
  return { consts, ref };
}

/** Where a constant of generated code comes from: a slot's storage, a part of an update, or a value the same in every trace. */
type ConstSource = { slot: number } | { update: number; part: UpdatePart } | { value: unknown };
/** The parts of an update that differ between traces of one structure. */
type UpdatePart = 'apply' | 'cell' | 'hyper' | 'param' | 'within';

function updatePart(u: Update, part: UpdatePart): unknown {
  if (part === 'apply') return u.apply;
  if (part === 'within') return u.within;
  const r = u.inline!;
  return part === 'cell' ? r.cell : part === 'hyper' ? r.hyper : r.param;
}

/** Generated code by the structure of its plan (see structureKey): the body and where each constant comes from; null when a trace-made function makes it unshareable. */
const recipes = new Map<string, { body: string; consts: ConstSource[] } | null>();
const MAX_RECIPES = 256;
const primIds = new WeakMap<object, number>();

/**
 * Everything generated straight-line code depends on, as a string: slots, and per step its prim,
 * slots, shapes, strides and attributes; pinned slots and updates. Two traces with the same key
 * generate the same code (with their own buffers), so a fresh network of a known shape reuses the
 * code of the last one instead of generating it again.
 */
function structureKey(tag: string, steps: readonly Step[], slots: readonly Slot[], updates: readonly Update[], pinned: ReadonlySet<number>): string {
  const parts: string[] = [tag];
  // Constants that share storage (two tensors over one array) share a name in the code: part of the structure.
  const firstOf = new Map<TypedArray, number>();
  slots.forEach((sl, i) => {
    if (sl.kind === 'arg') parts.push(`a${sl.index}`);
    else if (sl.kind === 'buf') parts.push(`b${sl.size}${sl.dtype}`);
    else {
      const first = firstOf.get(sl.data);
      if (first === undefined) firstOf.set(sl.data, i);
      parts.push(`c${sl.data.length}${first === undefined ? '' : `=${first}`}`);
    }
  });
  for (const s of steps) {
    const n = s.node;
    let id = primIds.get(n.prim);
    if (id === undefined) primIds.set(n.prim, (id = nextPrimId++));
    parts.push(`|${id}:${s.out}<${s.ins.join(',')}>${n.prepared.dtype}[${n.prepared.shape.join(',')}]${n.prepared.strides ? JSON.stringify(n.prepared.strides) : ''}${n.inputs.map((t) => t.shape.join(',')).join(';')}${n.attrs === undefined ? '' : JSON.stringify(n.attrs)}`);
  }
  // An inlined update: its rule, length, and which slot (if any) and earlier update share its parameter and options.
  const inlineKey = (u: Update): string => {
    const r = u.inline;
    if (r === undefined) return u.within === undefined ? '' : 'w';
    let ids = '';
    for (const f of [r.begin, r.element, r.scalar ?? r.begin, r.refresh]) {
      let id = primIds.get(f);
      if (id === undefined) primIds.set(f, (id = nextPrimId++));
      ids += `${id}.`;
    }
    const paramSlot = slots.findIndex((sl) => sl.kind !== 'arg' && sl.data === r.param);
    const sameHyper = updates.findIndex((v) => v.inline?.hyper === r.hyper);
    return `i${ids}${r.param.length}s${paramSlot}h${sameHyper}`;
  };
  parts.push(`|p${[...pinned].join(',')}|u${updates.map((u) => `${u.at},${u.grad}${inlineKey(u)}`).join(';')}`);
  return parts.join('');
}
let nextPrimId = 0;

/**
 * The body and constants of generated code, from the recipe of a plan of the same structure when
 * there is one, else generated (and remembered when every constant's source is known).
 */
function recipeCode(key: string, slots: readonly Slot[], updates: readonly Update[], generateLines: (ref: (v: unknown) => string) => string): { body: string; consts: unknown[] } {
  const known = recipes.get(key);
  if (known !== undefined && known !== null) {
    const consts = known.consts.map((c) => ('slot' in c ? (slots[c.slot] as { data: TypedArray }).data : 'update' in c ? updatePart(updates[c.update], c.part) : c.value));
    return { body: known.body, consts };
  }
  const { consts, ref } = constTable();
  const body = generateLines(ref);
  if (known === undefined) {
    const source = new Map<unknown, ConstSource>();
    slots.forEach((sl, i) => { if (sl.kind !== 'arg' && sl.data !== null && !source.has(sl.data)) source.set(sl.data, { slot: i }); });
    updates.forEach((u, i) => {
      const parts: UpdatePart[] = u.inline !== undefined ? ['apply', 'cell', 'hyper', 'param'] : u.within !== undefined ? ['apply', 'within'] : ['apply'];
      for (const part of parts) {
        const v = updatePart(u, part);
        if (!source.has(v)) source.set(v, { update: i, part });
      }
    });
    let shareable = true;
    const sources = consts.map((c) => {
      const from = source.get(c);
      if (from !== undefined) return from;
      if (isPerTrace(c)) shareable = false;
      return { value: c };
    });
    recipes.set(key, shareable ? { body, consts: sources } : null);
    if (recipes.size > MAX_RECIPES) recipes.delete(recipes.keys().next().value as string);
  }
  return { body, consts };
}

function unrolledReplay(steps: readonly Step[], slots: Slot[], updates: readonly Update[], pinned: ReadonlySet<number>, lastUse: readonly number[]): (args: TypedArray[]) => void {
  const { body, consts } = recipeCode(structureKey('replay', steps, slots, updates, pinned), slots, updates,
    (ref) => unrolledLines(steps, slots, updates, pinned, ref, (index, i) => `A[${index}][${i}]`, (index) => `A[${index}]`).lines.join('\n'));
  // Without code generation the steps run one by one, so every value needs storage after all.
  return generateShared<(args: TypedArray[]) => void>('replay', ['A'], body, consts, () => {
    planBuffers(steps, slots, lastUse);
    return interpretedReplay(steps, slots, updates);
  });
}

// ---- replay over batches of rows (Jitted.rows) -----------------------------------------------------

/** Runs `count` batches starting at order[start], calling each(k) after batch k; returns how many ran. */
type RowsLoop = (sources: TypedArray[], order: ArrayLike<number>, start: number, count: number, each: (k: number) => boolean | void) => number;

/**
 * Whether row-by-row copies into `a` should go through a staging array first: V8 copies into
 * shared memory (the threaded wasm backend's) with relaxed atomic word moves, so 64 row copies
 * into it cost more than 64 plain copies plus one block copy (Fashion-MNIST batches from a 60,000-
 * image source: ≈ 57 → 40 µs a batch).
 */
export function stagesRows(a: TypedArray): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && a.buffer instanceof SharedArrayBuffer;
}

/**
 * Copies rows order[first..first + size) of `src` (each `w` values) into `out`, row r at r·w: wide
 * rows by one native copy each, through `stage` when there is one, narrow ones element by element.
 */
export function gatherBatchRows(out: TypedArray, stage: TypedArray | null, src: TypedArray, w: number, order: ArrayLike<number>, first: number, size: number): void {
  if (w >= 16) {
    const to = stage ?? out;
    for (let r = 0; r < size; r++) {
      const from = order[first + r] * w;
      to.set(src.subarray(from, from + w), r * w);
    }
    if (stage !== null) out.set(stage);
  } else {
    for (let r = 0; r < size; r++) {
      const from = order[first + r] * w;
      for (let j = 0; j < w; j++) out[r * w + j] = src[from + j];
    }
  }
}

/** The general loop: gather each batch into the plan's argument buffers, replay, report. */
function gatheringRows(batch: readonly Tensor[], replay: (args: TypedArray[]) => void): RowsLoop {
  const bufs = batch.map((t) => residentAllocate(t.dtype, t.size));
  const size = batch[0].shape[0];
  const widths = batch.map((t) => t.size / size);
  const stages = bufs.map((b, i) => (widths[i] >= 16 && stagesRows(b) ? allocate(batch[i].dtype, b.length) : null));
  return (S, order, start, count, each) => {
    for (let k = 0; k < count; k++) {
      const first = start + k * size;
      for (let i = 0; i < bufs.length; i++) gatherBatchRows(bufs[i], stages[i], S[i], widths[i], order, first, size);
      replay(bufs);
      if (each(k) === false) return k + 1;
    }
    return count;
  };
}

/** Where a rows recipe's functions beside the loop end and the loop begins. */
const LOOP_MARK = '\n// loop\n';

/** `const K3 = K[3], …;` for the constants these lines use. */
function constLoads(lines: readonly string[]): string {
  const used = new Set<string>();
  for (const line of lines) for (const m of line.matchAll(/\bK(\d+)\b/g)) used.add(m[1]);
  return used.size === 0 ? '' : `const ${[...used].map((i) => `K${i} = K[${i}]`).join(', ')};\n`;
}

/** Tiny plans: the straight-line step inside one loop, reading each batch's elements straight from the source rows. */
function unrolledRows(steps: readonly Step[], slots: Slot[], updates: readonly Update[], pinned: ReadonlySet<number>, batch: readonly Tensor[], replay: () => (args: TypedArray[]) => void): RowsLoop {
  const size = batch[0].shape[0];
  const { body, consts } = recipeCode(structureKey(`rows${size}`, steps, slots, updates, pinned), slots, updates, (ref) => {
    const { lines, updatesAt } = unrolledLines(steps, slots, updates, pinned, ref, (index, i, shape) => {
      const width = sizeOf(shape) / size;
      return `S${index}[R${Math.floor(i / width)} * ${width} + ${i % width}]`;
    }, () => { throw new Error('unreachable: a loopable plan updates no argument'); }, true);
    const rowsOf = Array.from({ length: size }, (_, r) => `R${r} = order[b + ${r}]`).join(', ');
    // The step's computation and its updates (host calls, optimizer rules) are functions of their
    // own, not the loop's body: V8 optimises each on its own inlining budget, which one function
    // would use up (on the per-batch callbacks, the rules' begin), leaving formulas as calls (a
    // call per sigmoid, and a number allocated for each result). Shared functions beside the loop
    // (not closures made per call, whose optimised code a full GC throws away), reading K themselves.
    const sources = batch.map((_, i) => `S${i}`).join(', ');
    const compute = lines.slice(0, updatesAt), update = lines.slice(updatesAt);
    return `function step(K, ${sources}, order, b) {
${constLoads(compute)}const ${rowsOf};
${compute.join('\n')}
}
function update(K) {
${constLoads(update)}${update.join('\n')}
}${LOOP_MARK}${batch.map((_, i) => `const S${i} = S[${i}];`).join(' ')}
for (let k = 0, b = start; k < count; k++, b += ${size}) {
step(K, ${sources}, order, b);
update(K);
if (each(k) === false) return k + 1;
}
return count;`;
  });
  const mark = body.indexOf(LOOP_MARK);
  const prelude = body.slice(0, mark), loop = body.slice(mark + LOOP_MARK.length);
  return generateShared<RowsLoop>('rows', ['S', 'order', 'start', 'count', 'each'], loop, consts, () => gatheringRows(batch, replay()), prelude);
}
