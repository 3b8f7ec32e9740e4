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
import { generate, perTraceFunction, type Prim, type Runner, type TraceNode, type UnrollContext } from '../ops/prim.js';

/** A host call the replay makes with a value's storage: an optimizer update (recorded by Optimizer.step while tracing) or a hostCall. */
export interface TraceUpdate {
  /** Runs the update (the optimizer's own rule and state) or the host function on `grad`'s storage. */
  readonly apply: (grad: TypedArray) => void;
  /** The tensor whose storage is passed: the gradient, or the value handed to the host. */
  readonly grad: Tensor;
  /** False once the plan no longer matches what was traced (an optimizer given new parameters): the next call re-traces. */
  readonly valid?: () => boolean;
}

interface Recorder extends Tracer {
  nodes: TraceNode[];
  /** Position in `nodes` after which each update ran, and the update. */
  updates: { at: number; update: TraceUpdate }[];
  leaves: Set<Tensor>;
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
 * @example hostCall(loss, (v) => { if (!Number.isFinite(v[0])) throw new Error('diverged'); });
 */
export function hostCall(t: Tensor, fn: (values: TypedArray) => void): void {
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
  rec.updates.push({ at: rec.nodes.length, update: { grad: t, apply: fn } });
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
  Object.defineProperty(call, 'traces', { get: () => traces });
  Object.defineProperty(call, 'lastMode', { get: () => lastMode });
  (call as { clear?: () => void }).clear = () => { plans.clear(); last = null; };
  return call as unknown as Jitted<A, R>;
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
    nodes: [], updates: [], leaves: new Set(),
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
  private readonly replay: (args: TypedArray[]) => void;
  private readonly guards: { t: Tensor; requiresGrad: boolean }[];
  private readonly gradEnabled: boolean;

  constructor(
    readonly key: string,
    args: readonly unknown[],
    private readonly nonTensorArgs: readonly unknown[],
    replay: (args: TypedArray[]) => void,
    mode: 'kernels' | 'unrolled',
    private readonly output: OutputSpec,
    /** Leaves whose gradient the trace set; arg ≥ 0: the argument at that position (a new tensor each call). */
    private readonly leafGrads: readonly { leaf: Tensor; arg: number; grad: Tensor | null }[],
    guards: Tensor[],
    private readonly checks: readonly (() => boolean)[] = [],
  ) {
    this.shapes = args.map((a) => (a instanceof Tensor ? a.shape : null));
    this.dtypes = args.map((a) => (a instanceof Tensor ? a.dtype : null));
    this.argData = args.map(() => null as unknown as TypedArray);
    this.replay = replay;
    this.mode = mode;
    this.guards = guards.map((t) => ({ t, requiresGrad: t.requiresGrad }));
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
    for (let i = 0; i < g.length; i++) if (g[i].t.requiresGrad !== g[i].requiresGrad) return false;
    const c = this.checks;
    for (let i = 0; i < c.length; i++) if (!c[i]()) return false;
    return true;
  }

  run(args: readonly unknown[]): JitResult {
    const data = this.argData;
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (a instanceof Tensor) data[i] = a.data;
    }
    this.replay(data);
    const lg = this.leafGrads;
    for (let i = 0; i < lg.length; i++) {
      const e = lg[i];
      if (e.arg >= 0) (args[e.arg] as Tensor).grad = e.grad;
      else e.leaf.grad = e.grad;
    }
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
      slots.push({ kind: 'const', data: t.data });
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
    perTraceFunction(node.prepared.run);
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
  const updates = rec.updates.map(({ at, update }) => ({ at, apply: perTraceFunction(update.apply), grad: pin(update.grad) }));
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
  const replay = kind === 'unrolled' ? unrolledReplay(steps, slots, updates, pinned, lastUse) : kernelReplay(steps, slots, updates, lastUse);
  const nonTensor = args.map((a) => (a instanceof Tensor ? undefined : a));
  const checks = [...new Set(rec.updates.map((u) => u.update.valid).filter((v): v is () => boolean => v !== undefined))];
  return new Plan(key, args, nonTensor, replay, kind, output, leafGrads, [...guards], checks);
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
      sl.data = pool && pool.length ? pool.pop()! : allocate(sl.dtype, sl.size);
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

interface Update { at: number; apply: (grad: TypedArray) => void; grad: number }

/**
 * The kernel plan as one generated function: each step calls its prim's prepared kernel on fixed
 * buffers (arguments bound per call); runs of element-wise steps over one shape become one fused
 * loop that stores only the values read outside it.
 */
function kernelReplay(steps: readonly Step[], slots: readonly Slot[], updates: readonly Update[], lastUse: readonly number[]): (args: TypedArray[]) => void {
  const consts: unknown[] = [];
  const ref = (v: unknown): string => {
    let i = consts.indexOf(v);
    if (i < 0) { consts.push(v); i = consts.length - 1; }
    return `K${i}`;
  };
  const arr = (s: number): string => {
    const sl = slots[s];
    return sl.kind === 'arg' ? `A[${sl.index}]` : ref(sl.data);
  };
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
      lines.push(fusedLoop(steps, slots, g, ref, arr, lastUse));
      // Updates cannot fall inside a group (fuseGroups stops at them).
      i = g.end;
      continue;
    }
    const s = steps[i];
    if (!s.node.prim.alias) lines.push(`${ref(s.node.prepared.run)}(${arr(s.out)}, ${s.ins.map(arr).join(', ')});`);
    i++;
  }
  flushUpdates(Infinity);
  const body = `return function replay(A) {\n${lines.join('\n')}\n};`;
  const params = consts.map((_, i) => `K${i}`);
  return generate<(args: TypedArray[]) => void>(params, body, consts, () => interpretedReplay(steps, slots, updates));
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

/** Maximal runs of consecutive element-wise steps over the same output shape whose inputs all have a simple access. */
function fuseGroups(steps: readonly Step[]): Group[] {
  const groups: Group[] = [];
  let cur: Group | null = null;
  let shape: Shape | null = null;
  steps.forEach((s, i) => {
    const p = s.node.prepared;
    const ok = s.node.prim.scalar !== undefined && p.strides !== undefined
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

function unrolledReplay(steps: readonly Step[], slots: Slot[], updates: readonly Update[], pinned: ReadonlySet<number>, lastUse: readonly number[]): (args: TypedArray[]) => void {
  const consts: unknown[] = [];
  const ref = (v: unknown): string => {
    let i = consts.indexOf(v);
    if (i < 0) { consts.push(v); i = consts.length - 1; }
    return `K${i}`;
  };
  const lines: string[] = [];
  let n = 0;
  const cx: UnrollContext = {
    fn: (f) => ref(f),
    let: (expr) => { const name = `v${n++}`; lines.push(`const ${name} = ${expr};`); return name; },
    emit: (line) => { lines.push(line); },
    num: (v) => (Object.is(v, -0) ? '-0' : `(${String(v)})`),
  };
  const elems = new Map<number, string[]>();
  const elementsOf = (slot: number, shape: Shape): string[] => {
    let e = elems.get(slot);
    if (e !== undefined) return e;
    const sl = slots[slot];
    const a = sl.kind === 'arg' ? `A[${sl.index}]` : ref(sl.data);
    const arrName = cx.let(a);
    e = Array.from({ length: sizeOf(shape) }, (_, i) => cx.let(`${arrName}[${i}]`));
    elems.set(slot, e);
    return e;
  };
  const fround = ref(Math.fround);
  for (const s of steps) {
    const node = s.node;
    const ins = node.inputs.map((t, k) => elementsOf(s.ins[k], t.shape));
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
    const named = out.map((e) => cx.let(f32 ? `${fround}(${e})` : e));
    elems.set(s.out, named);
  }
  for (const slot of pinned) {
    const sl = slots[slot];
    const e = elems.get(slot);
    if (sl.kind !== 'buf' || e === undefined) continue;
    const a = ref(sl.data);
    e.forEach((v, i) => lines.push(`${a}[${i}] = ${v};`));
  }
  for (const u of updates) {
    const sl = slots[u.grad];
    lines.push(`${ref(u.apply)}(${sl.kind === 'arg' ? `A[${sl.index}]` : ref(sl.data)});`);
  }
  const body = `return function replay(A) {\n${lines.join('\n')}\n};`;
  // Without code generation the steps run one by one, so every value needs storage after all.
  return generate<(args: TypedArray[]) => void>(consts.map((_, i) => `K${i}`), body, consts, () => {
    planBuffers(steps, slots, lastUse);
    return interpretedReplay(steps, slots, updates);
  });
}
