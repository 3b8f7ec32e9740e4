/**
 * The hot loops behind a small interface. Ops call `backend()` and never know which implementation
 * runs: the plain-TypeScript backend is the reference every other backend is tested against; a faster
 * one (WebAssembly SIMD) registers itself and is picked automatically when the runtime supports it.
 * Arrays are row-major; every kernel writes its whole output (no accumulation unless stated).
 */
import type { TypedArray } from '../dtype.js';
import { ValueError } from '../errors.js';

export interface Backend {
  readonly name: string;
  /**
   * out[m×n] = op(A) · op(B), where op(A) is m×k and op(B) is k×n.
   * transA: A is stored k×m (so op(A) = Aᵀ); transB: B is stored n×k. Backward passes use the
   * transposed variants so they never copy a transpose.
   */
  matmul(a: TypedArray, b: TypedArray, out: TypedArray, m: number, k: number, n: number, transA: boolean, transB: boolean): void;

  /**
   * out[m×n] = x · wᵀ + bias (x stored m×k, w stored n×k, bias n values): matmul with the bias added
   * to each row in the product's own store, the same bits as matmul followed by out[i, j] += bias[j]
   * in out's precision. Returns false (having done nothing) where it has no kernel for these arrays
   * or sizes; the linear op's matmul and bias loop run instead.
   */
  linear?(x: TypedArray, w: TypedArray, bias: TypedArray, out: TypedArray, m: number, k: number, n: number): boolean;

  // Element-wise formulas live with their ops (src/ops); a backend only offers faster kernels for some.
  /**
   * out[i] = kind(x[i]) for i < x.length on the backend's own kernel; returns false (having done
   * nothing) when it has none for this kind, dtype or size, and the op's own loop runs instead.
   */
  unary?(kind: WasmUnaryName, x: TypedArray, out: TypedArray): boolean;
  /** out[i] = kind(a[i], b[i]) over equal-length inputs, as unary (false: the op's own loop runs). */
  binary?(kind: WasmBinaryName, a: TypedArray, b: TypedArray, out: TypedArray): boolean;
  /**
   * Reduces the middle axis of x viewed as [outer, len, inner] into out [outer, inner] (sum, or max
   * with NaN propagating); out is overwritten. Optional: the plain-TS reference runs where absent.
   */
  reduce?(kind: ReduceKind, x: TypedArray, out: TypedArray, outer: number, len: number, inner: number): void;

  /** One Adam/AdamW step over a flat parameter array in one pass, updating param, m and v in place (the optimizer's rule, on a SIMD kernel). */
  /** Returns false (having done nothing) where it has no kernel for these arrays; the optimizer's own rule runs instead. */
  adamUpdate?(param: TypedArray, grad: TypedArray, m: TypedArray, v: TypedArray, step: AdamStep): boolean;

  /**
   * One of conv.ts's three convolution prims over a whole batch (see ConvKind), on the backend's
   * own kernel; returns false (having done nothing) where it has none for these arrays, and the
   * op's im2col + matmul reference runs instead. a, b: forward (x, w), inputGrad (gy, w),
   * weightGrad (x, gy); bias only for the forward.
   */
  conv2d?(kind: ConvKind, g: ConvGeometry, out: TypedArray, a: TypedArray, b: TypedArray, bias: TypedArray | undefined): boolean;
  /**
   * Max pooling's two prims (pool.ts): 'forward' reads v at each window's argmax of x, 'grad' adds
   * v (output-shaped) into those positions of a zeroed x-shaped out. False: the reference runs.
   */
  maxPool2d?(kind: 'forward' | 'grad', g: PoolGeometry, out: TypedArray, x: TypedArray, v: TypedArray): boolean;
  /**
   * A zeroed float32 array living in the backend's own memory, which its kernels read and write
   * without copying (a compiled step's buffers, parameters and optimizer state); null where it has
   * none for this size (the plain-TS backend, non-shared wasm memory whose views detach when it
   * grows, tiny arrays). Its memory is reclaimed once the array is garbage.
   */
  resident?(length: number): Float32Array | null;
  /** Whether `a` lives in the backend's own memory (made by `resident`). */
  owns?(a: TypedArray): boolean;
}

export type ConvKind = 'forward' | 'inputGrad' | 'weightGrad';

/** A convolution's sizes: input [n, c, h, w], weight [o, c/groups, kh, kw], output [n, o, oh, ow]; stride, top/left padding, dilation. */
export interface ConvGeometry {
  readonly n: number; readonly c: number; readonly h: number; readonly w: number;
  readonly o: number; readonly kh: number; readonly kw: number; readonly oh: number; readonly ow: number;
  readonly sh: number; readonly sw: number; readonly pt: number; readonly pl: number; readonly dh: number; readonly dw: number;
  readonly groups: number;
}

/** Max pooling's sizes: planes = batch·channels of [h, w] into [oh, ow], windows kh×kw, stride sh×sw, padding ph×pw. */
export interface PoolGeometry {
  readonly planes: number; readonly h: number; readonly w: number; readonly oh: number; readonly ow: number;
  readonly kh: number; readonly kw: number; readonly sh: number; readonly sw: number; readonly ph: number; readonly pw: number;
}

/** The element-wise maps a SIMD backend may have kernels for (the op names them in its table entry). */
export type WasmUnaryName = 'exp' | 'log' | 'tanh' | 'sigmoid' | 'relu';

/** The two-input element-wise maps (equal shapes) a SIMD backend may have kernels for. */
export type WasmBinaryName = 'reluGrad';

export type ReduceKind = 'sum' | 'max';

/** The activations the fused kernels know ('linear' is none, the name Dense uses). */
export type KernelActivation = 'linear' | 'relu' | 'leakyRelu' | 'sigmoid' | 'tanh';

/**
 * One Adam step's constants, with PyTorch's semantics as in src/optim/adam.ts (no AMSGrad):
 * p ← p·(1 − lr·wd if decoupled) − lr/(1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + eps), where
 * g = grad (+ wd·p unless decoupled), m ← β1·m + (1 − β1)·g, v ← β2·v + (1 − β2)·g².
 */
export interface AdamStep {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** t, counted from 1 (the step being taken). */
  step: number;
  weightDecay?: number;
  /** AdamW: decay the weights directly instead of adding wd·p to the gradient. */
  decoupled?: boolean;
}

let active: Backend | null = null;
let chosen = false;
const registry = new Map<string, Backend>();

/**
 * Adds a backend under its name. `preferred` makes it the active one too, unless setBackend() has
 * already chosen one: that is how the WebAssembly backend takes over when it loads.
 * @example registerBackend(myBackend, { preferred: true })
 */
export function registerBackend(backend: Backend, options: { preferred?: boolean } = {}): void {
  for (const key of Object.keys(options)) {
    if (key !== 'preferred') throw new ValueError(`registerBackend: unknown option '${key}' (known: preferred)`);
  }
  registry.set(backend.name, backend);
  // A backend registered again under the active one's name (new threads) replaces it in place.
  if ((options.preferred && !chosen) || active?.name === backend.name) active = backend;
}

/** The backend ops run on now. */
export function backend(): Backend {
  if (active === null) {
    const js = registry.get('js');
    if (!js) throw new Error('backprop: no kernel backend registered (import order bug)');
    active = js;
  }
  return active;
}

/** Switches backend by name ('js', 'wasm', …); returns the previous one's name. */
export function setBackend(name: string): string {
  const next = registry.get(name);
  if (!next) throw new ValueError(`setBackend: unknown backend '${name}'; registered: ${[...registry.keys()].join(', ')}`);
  const prev = backend().name;
  active = next;
  chosen = true;
  return prev;
}

export function listBackends(): string[] {
  return [...registry.keys()];
}
