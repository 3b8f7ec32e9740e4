/**
 * The one way an op computes: a primitive is a table entry (`Prim`) holding everything about it in
 * one place — how it checks its inputs and sizes its output (`prepare`, from shapes alone), the
 * kernel that fills the output (`run`), its chain rule (`backward`, written with other prims) and,
 * for element-wise prims, its scalar formula (`scalar`), which the loops here, the compiler's fused
 * loops and its straight-line code for tiny graphs all call. `apply` runs a prim eagerly, records it
 * on the autograd tape, and reports it to the tracer when `jit` is tracing; the compiler replays the
 * same `run` on planned buffers, so there is no second copy of any formula.
 */
import { record } from '../autograd/graph.js';
import { activeTracer } from '../autograd/trace.js';
import { allocate, promote, type DType, type TypedArray } from '../tensor/dtype.js';
import { broadcastShapes, broadcastStrides, sameShape, sizeOf, type Shape } from '../tensor/shape.js';
import { Tensor, traceGuard } from '../tensor/tensor.js';
import { backend, type WasmBinaryName, type WasmUnaryName } from '../tensor/kernels/backend.js';

/** Fills `out` from the inputs' storage; at most three inputs (linear's x, weight, bias). */
export type Runner = (out: TypedArray, a: TypedArray, b: TypedArray, c: TypedArray) => void;

/** What a prim decided from its inputs' shapes: the output's shape and dtype, and its kernel. */
export interface Prepared {
  readonly shape: Shape;
  readonly dtype: DType;
  readonly run: Runner;
  /** How an element-wise prim reads each input: strides over the output (0 = broadcast). */
  readonly strides?: readonly (readonly number[])[];
}

/** Scalar code for one output element (tiny graphs): the inputs' element expressions in, one expression out. */
export interface UnrollContext {
  /** Names a function (a prim's scalar formula) for the generated code and returns its identifier. */
  fn(f: (...xs: number[]) => number): string;
  /** Emits `const name = expr;` and returns name. */
  let(expr: string): string;
  /** Emits a statement. */
  emit(line: string): void;
  /** A number as source that reads back to the same double. */
  num(v: number): string;
}

export interface Prim<A = unknown> {
  readonly name: string;
  /** Checks the inputs (shapes, attributes) and returns the output's shape, dtype and kernel. */
  prepare(inputs: readonly Tensor[], attrs: A): Prepared;
  /** Given ∂L/∂out, ∂L/∂input for each input (null where none is needed), built from prims. */
  backward(g: Tensor, inputs: readonly Tensor[], out: Tensor, attrs: A): readonly (Tensor | null)[];
  /** The output is the first input's storage under another shape (reshape): no kernel runs. */
  readonly alias?: boolean;
  /** Element-wise prims: the formula for one element, (input elements) → output element. */
  readonly scalar?: (...xs: number[]) => number;
  /** Element-wise prims with a SIMD kernel on the wasm backend (exp, log, tanh, sigmoid, relu; relu′ binary): its name. */
  readonly wasm?: WasmUnaryName | WasmBinaryName;
  /**
   * Tiny graphs: the output's elements as expressions, from each input's element expressions
   * (row-major). Element-wise prims need none (their `scalar` is used). Absent: not unrollable.
   */
  unroll?(inputs: readonly (readonly string[])[], shapes: readonly Shape[], out: Shape, attrs: A, cx: UnrollContext): string[];
}

/** One prim application as the tracer sees it. */
export interface TraceNode {
  readonly prim: Prim<never>;
  readonly inputs: readonly Tensor[];
  readonly attrs: unknown;
  readonly prepared: Prepared;
  readonly out: Tensor;
}

/**
 * Runs a prim: prepare, allocate, run the kernel, record the chain rule, tell the tracer.
 * @example apply(SIGMOID, [x], undefined)
 */
export function apply<A>(prim: Prim<A>, inputs: readonly Tensor[], attrs: A): Tensor {
  const t = activeTracer();
  if (t !== null) traceGuard.depth++;
  try {
    const p = prim.prepare(inputs, attrs);
    let out: Tensor;
    if (prim.alias) {
      out = new Tensor(inputs[0].data, p.shape);
    } else {
      const data = allocate(p.dtype, sizeOf(p.shape));
      const a = inputs[0]?.data, b = inputs[1]?.data, c = inputs[2]?.data;
      p.run(data, a, b as TypedArray, c as TypedArray);
      out = new Tensor(data, p.shape);
    }
    record(out, prim.name, inputs, (g) => prim.backward(g, inputs, out, attrs));
    if (t !== null) {
      out.traced = prim.name;
      t.node({ prim: prim as Prim<never>, inputs, attrs, prepared: p, out });
    }
    return out;
  } finally {
    if (t !== null) traceGuard.depth--;
  }
}

// ---- element-wise loops, generated from each prim's scalar formula -----------------------------

type UnaryLoop = (out: TypedArray, x: TypedArray, n: number) => void;
/** out[o + i] = f(a[ia + i·sa], b[ib + i·sb]) for i < len. */
type BinaryRun = (out: TypedArray, o: number, a: TypedArray, ia: number, sa: number, b: TypedArray, ib: number, sb: number, len: number) => void;
type TernaryRun = (out: TypedArray, o: number, a: TypedArray, ia: number, sa: number, b: TypedArray, ib: number, sb: number, c: TypedArray, ic: number, sc: number, len: number) => void;

/**
 * Code generation is how each formula gets a loop of its own (one call target per loop, so V8
 * inlines the formula); a runtime that forbids it (a strict Content-Security-Policy) gets the same
 * loops as closures, slower but identical in result.
 */
export function generate<T>(params: string[], body: string, args: unknown[], fallback: () => T): T {
  // One factory per distinct source and distinct functions passed in: every plan of the same shape
  // (each fresh network of a benchmark, each epoch's last batch) gets a closure of the same code, so
  // V8 optimises it once and shares the optimised code; the functions it calls (formulas, kernels of
  // one kind) are part of the key, so each formula's loop keeps call sites of its own to inline.
  let key = `${params.join(',')}\n${body}`;
  for (const a of args) if (typeof a === 'function') key += `|${functionId(a)}`;
  let factory = factories.get(key);
  if (factory === undefined) {
    try {
      factory = new Function(...params, body) as (...a: unknown[]) => unknown;
    } catch {
      factory = null; // code generation refused (Content-Security-Policy)
    }
    factories.set(key, factory);
    // Bounded: a long session tracing many different graphs forgets the oldest sources.
    if (factories.size > MAX_FACTORIES) factories.delete(factories.keys().next().value as string);
  }
  return factory === null ? fallback() : (factory(...args) as T);
}
const factories = new Map<string, ((...a: unknown[]) => unknown) | null>();
const MAX_FACTORIES = 512;
const sharedCode = new Map<string, ((...a: unknown[]) => unknown) | null>();

/**
 * Code that many plans share (a compiled replay): the function `name(K, ...params)` with `body`,
 * which reads constant i as `Ki` (loaded from K on entry), compiled once per body and distinct
 * functions among `consts`, and returned with these `consts` bound. Why not a closure per plan
 * (generate): V8 specialises a closure's optimised code to its captured constants — one network's
 * buffers — and drops it when that network dies, so every fresh network re-optimised the same
 * code; one function with its constants passed as data is optimised once for all of them.
 * `prelude` declares functions beside it (same sharing), which read constants from K themselves.
 */
export function generateShared<F extends (...a: never[]) => unknown>(name: string, params: readonly string[], body: string, consts: unknown[], fallback: () => F, prelude = ''): F {
  // Only the constants the body names are loaded (a loop whose work is in prelude functions loads none).
  const used = new Set<number>();
  for (const m of body.matchAll(/\bK(\d+)\b/g)) used.add(Number(m[1]));
  const named = consts.map((_, i) => i).filter((i) => used.has(i));
  const loads = named.length === 0 ? '' : `const ${named.map((i) => `K${i} = K[${i}]`).join(', ')};\n`;
  // prelude: functions of the shared code that `body` calls (shared like it, taking K to read constants).
  const source = `${prelude}${prelude === '' ? '' : '\n'}return function ${name}(K, ${params.join(', ')}) {\n${loads}${body}\n};`;
  let key = source;
  for (const c of consts) if (typeof c === 'function') key += `|${functionId(c)}`;
  let shared = sharedCode.get(key);
  if (shared === undefined) {
    try {
      shared = (new Function(source) as () => (...a: unknown[]) => unknown)();
    } catch {
      shared = null; // code generation refused (Content-Security-Policy)
    }
    sharedCode.set(key, shared);
    if (sharedCode.size > MAX_FACTORIES) sharedCode.delete(sharedCode.keys().next().value as string);
  }
  if (shared === null) return fallback();
  const fn = shared, K = consts;
  switch (params.length) {
    case 1: return ((a: unknown) => fn(K, a)) as unknown as F;
    case 5: return ((a: unknown, b: unknown, c: unknown, d: unknown, e: unknown) => fn(K, a, b, c, d, e)) as unknown as F;
    default: return ((...a: unknown[]) => fn(K, ...a)) as unknown as F;
  }
}

/**
 * A stable id for a function: formulas and other module-level functions keep theirs for the
 * session; a closure made per trace (a prepared kernel, an optimizer update) is keyed by its source
 * instead, so closures of one literal share code.
 */
function functionId(f: unknown): string {
  const fn = f as object;
  let id = ids.get(fn);
  if (id === undefined) ids.set(fn, (id = perTrace.has(fn) ? 'c' : `f${nextId++}`));
  return id;
}
const ids = new WeakMap<object, string>();
let nextId = 0;
/** Functions made per trace (see functionId); the compiler marks the ones it creates. */
const perTrace = new WeakSet<object>();

/** Whether a function was marked as made per trace (perTraceFunction). */
export function isPerTrace(f: unknown): boolean {
  return typeof f === 'function' && perTrace.has(f);
}

/** Marks a closure as made per trace, so generated code that calls it is shared across traces. */
export function perTraceFunction<F extends object>(f: F): F {
  perTrace.add(f);
  return f;
}

const loopCache = new WeakMap<(...xs: number[]) => number, { unary?: UnaryLoop; binary?: BinaryRun; ternary?: TernaryRun }>();

function loopsOf(f: (...xs: number[]) => number): { unary?: UnaryLoop; binary?: BinaryRun; ternary?: TernaryRun } {
  let l = loopCache.get(f);
  if (!l) loopCache.set(f, (l = {}));
  return l;
}

export function unaryLoop(f: (x: number) => number): UnaryLoop {
  const l = loopsOf(f);
  return (l.unary ??= generate<UnaryLoop>(['f'], 'return function (out, x, n) { for (let i = 0; i < n; i++) out[i] = f(x[i]); };', [f],
    () => (out, x, n) => { for (let i = 0; i < n; i++) out[i] = f(x[i]); }));
}

export function binaryRun(f: (a: number, b: number) => number): BinaryRun {
  const l = loopsOf(f);
  return (l.binary ??= generate<BinaryRun>(['f'],
    'return function (out, o, a, ia, sa, b, ib, sb, len) { for (const end = o + len; o < end; o++, ia += sa, ib += sb) out[o] = f(a[ia], b[ib]); };', [f],
    () => (out, o, a, ia, sa, b, ib, sb, len) => { for (const end = o + len; o < end; o++, ia += sa, ib += sb) out[o] = f(a[ia], b[ib]); }));
}

export function ternaryRun(f: (a: number, b: number, c: number) => number): TernaryRun {
  const l = loopsOf(f);
  return (l.ternary ??= generate<TernaryRun>(['f'],
    'return function (out, o, a, ia, sa, b, ib, sb, c, ic, sc, len) { for (const end = o + len; o < end; o++, ia += sa, ib += sb, ic += sc) out[o] = f(a[ia], b[ib], c[ic]); };', [f],
    () => (out, o, a, ia, sa, b, ib, sb, c, ic, sc, len) => { for (const end = o + len; o < end; o++, ia += sa, ib += sb, ic += sc) out[o] = f(a[ia], b[ib], c[ic]); }));
}

/** The broadcast output shape of several inputs (named in errors as `op`). */
export function broadcastAll(op: string, shapes: readonly Shape[]): number[] {
  let s: number[] = [...shapes[0]];
  for (let i = 1; i < shapes.length; i++) s = broadcastShapes(op, s, shapes[i]);
  return s;
}

/**
 * Walks the output like an odometer over every axis but the last, handing each row to `row`
 * with each input's flat offset and last-axis stride.
 */
function odometer(shape: Shape, strides: readonly (readonly number[])[], row: (o: number, offs: number[], inner: number[], len: number) => void): void {
  const rank = shape.length;
  const total = sizeOf(shape);
  if (total === 0) return;
  if (rank === 0) { row(0, strides.map(() => 0), strides.map(() => 0), 1); return; }
  const len = shape[rank - 1];
  const idx = new Array<number>(rank).fill(0);
  const offs = strides.map(() => 0);
  const inner = strides.map((s) => s[rank - 1]);
  for (let o = 0; o < total; o += len) {
    row(o, offs, inner, len);
    for (let ax = rank - 2; ax >= 0; ax--) {
      idx[ax]++;
      for (let k = 0; k < offs.length; k++) offs[k] += strides[k][ax];
      if (idx[ax] < shape[ax]) break;
      for (let k = 0; k < offs.length; k++) offs[k] -= strides[k][ax] * shape[ax];
      idx[ax] = 0;
    }
  }
}

/**
 * The kernel for an element-wise prim with `scalar` f over inputs of these shapes (broadcast),
 * plus the strides the compiler uses to fuse it. `wasm` names the SIMD kernel a unary formula has.
 */
export function elementwiseKernel(op: string, f: (...xs: number[]) => number, shapes: readonly Shape[], dtype: DType, wasm?: WasmUnaryName | WasmBinaryName): Prepared {
  const shape = broadcastAll(op, shapes);
  const strides = shapes.map((s) => broadcastStrides(s, shape));
  const n = sizeOf(shape);
  let run: Runner;
  if (shapes.length === 1) {
    const loop = unaryLoop(f as (x: number) => number);
    run = wasm === undefined || wasm === 'reluGrad'
      ? (out, x) => loop(out, x, n)
      : (out, x) => { const be = backend(); if (!(be.unary && be.unary(wasm, x, out))) loop(out, x, n); };
  } else if (shapes.length === 2) {
    const r = binaryRun(f as (a: number, b: number) => number);
    const [sa, sb] = shapes;
    if (sameShape(sa, sb) && wasm === 'reluGrad') {
      run = (out, a, b) => { const be = backend(); if (!(be.binary && be.binary(wasm, a, b, out))) r(out, 0, a, 0, 1, b, 0, 1, n); };
    } else if (sameShape(sa, sb)) run = (out, a, b) => r(out, 0, a, 0, 1, b, 0, 1, n);
    else if (sizeOf(sb) === 1 && sb.length <= shape.length && sameShape(sa, shape)) run = (out, a, b) => r(out, 0, a, 0, 1, b, 0, 0, n);
    else if (sizeOf(sa) === 1 && sa.length <= shape.length && sameShape(sb, shape)) run = (out, a, b) => r(out, 0, a, 0, 0, b, 0, 1, n);
    else {
      run = (out, a, b) => odometer(shape, strides, (o, offs, inner, len) => r(out, o, a, offs[0], inner[0], b, offs[1], inner[1], len));
    }
  } else {
    const r = ternaryRun(f as (a: number, b: number, c: number) => number);
    run = (out, a, b, c) => odometer(shape, strides, (o, offs, inner, len) => r(out, o, a, offs[0], inner[0], b, offs[1], inner[1], c, offs[2], inner[2], len));
  }
  return { shape, dtype, run, strides };
}

/** The dtype of an op over these inputs: float64 wins. */
export function dtypeOver(inputs: readonly Tensor[]): DType {
  let d: DType = inputs[0].dtype;
  for (let i = 1; i < inputs.length; i++) d = promote(d, inputs[i].dtype);
  return d;
}

/**
 * Defines an element-wise prim from its formula and chain rule: the whole op in one entry.
 * @example const NEG = elementwise({ name: 'neg', scalar: (x) => -x, backward: (g) => [neg(g)] });
 */
export function elementwise(def: {
  name: string;
  scalar: (...xs: number[]) => number;
  backward: (g: Tensor, inputs: readonly Tensor[], out: Tensor) => readonly (Tensor | null)[];
  /** The backend kernel of the same formula (unary, or binary on equal shapes), tried before the generated loop. */
  wasm?: WasmUnaryName | WasmBinaryName;
}): Prim<void> {
  return {
    name: def.name,
    scalar: def.scalar,
    wasm: def.wasm,
    prepare: (inputs) => elementwiseKernel(def.name, def.scalar, inputs.map((t) => t.shape), dtypeOver(inputs), def.wasm),
    backward: (g, inputs, out) => def.backward(g, inputs, out),
  };
}

/** For backward-only helper prims (evaluated with gradients off): a derivative of a derivative is not implemented. */
export function noSecondDerivative(name: string): () => never {
  return () => {
    throw new Error(`backprop: the helper op '${name}' has no derivative of its own (second derivatives are not supported)`);
  };
}

export { sameShape, sizeOf };
