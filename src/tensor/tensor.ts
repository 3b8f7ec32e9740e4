/**
 * Tensor: a row-major typed array with a shape and a dtype, plus what autograd needs to know about
 * where it came from (`gradFn`) and where its gradient goes (`grad`). Ops and `backward()` are attached
 * as methods by src/ops/methods.ts, so this file depends on nothing below it.
 */
import { allocate, dtypeOf, type DType, type TypedArray } from './dtype.js';
import { BackpropError, DataError, ShapeError, ValueError, fmtShape } from './errors.js';
import { checkShape, sizeOf, type Shape } from './shape.js';
import { defaultRandom, Random } from './random.js';

/** What autograd records for a tensor made by an op: the op, its inputs, and its chain rule. */
export interface GradFn {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  /** Given ∂L/∂output, returns ∂L/∂input for each input (null where an input needs none). */
  readonly backward: (gradOutput: Tensor) => readonly (Tensor | null)[];
}

export type NestedArray = number | NestedArray[];
/** Integer typed arrays (image pixels, labels) are accepted by tensor() and converted to floats. */
export type IntegerArray = Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array;
export type TensorLike = Tensor | number;

export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
  shape?: readonly number[];
}

/**
 * While `jit` traces a function, tensors computed inside it have no values the replay could keep:
 * reading them from user code is an error (jax's concretization error). The tracer turns the guard
 * on around the user's function; the engine's own code (ops, backward, optimizer steps) runs with
 * `depth` > 0, where reads are allowed.
 */
export const traceGuard = {
  active: false,
  depth: 0,
  /** Builds the error for a read of tensor t (installed by src/compile). */
  error: null as ((t: Tensor) => Error) | null,
};

export class Tensor {
  private storage: TypedArray;
  /** While `jit` traces: the op that computed this tensor, or '' for an input of the traced function; else null. */
  traced: string | null = null;
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** ∂L/∂this, filled by backward() on leaves (and on tensors that called retainGrad()). */
  grad: Tensor | null = null;
  requiresGrad: boolean;
  /** The op that produced this tensor; null for leaves (inputs, parameters). */
  gradFn: GradFn | null = null;
  /** Keep the gradient of a non-leaf tensor after backward() (leaves always keep theirs). */
  retainsGrad = false;
  /** An optional label, shown by the explainer and in error messages. */
  name?: string;

  constructor(data: TypedArray, shape: readonly number[], requiresGrad = false) {
    if (data.length !== sizeOf(shape)) {
      throw new ShapeError(`Tensor: ${data.length} elements cannot have shape ${fmtShape(shape)} (${sizeOf(shape)} elements)`);
    }
    this.storage = data;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtypeOf(data);
    this.requiresGrad = requiresGrad;
  }

  /** The elements in row-major order. Inside a function being traced by `jit`, a TraceError for traced tensors. */
  get data(): TypedArray {
    if (this.traced !== null && traceGuard.active && traceGuard.depth === 0) throw traceGuard.error!(this);
    return this.storage;
  }

  /**
   * @internal Replaces the storage with an array of the same kind and length holding the same
   * values (makeResident: a parameter moved into the backend's memory). Everything reading `data`
   * afterwards sees the new array.
   */
  adoptStorage(data: TypedArray): void {
    if (data.length !== this.storage.length || dtypeOf(data) !== this.dtype) {
      throw new ShapeError(`Tensor.adoptStorage: new storage has ${data.length} ${dtypeOf(data)} elements, the tensor has ${this.storage.length} ${this.dtype}`);
    }
    this.storage = data;
  }

  get size(): number {
    return this.storage.length;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** The single value of a one-element tensor. @example tensor([[5]]).item() // 5 */
  item(): number {
    if (this.data.length !== 1) {
      throw new ShapeError(`item: only a one-element tensor has a single value; this one has shape ${fmtShape(this.shape)}`);
    }
    return this.data[0];
  }

  /** Nested plain arrays (a number for a scalar). @example tensor([1, 2]).toArray() // [1, 2] */
  toArray(): NestedArray {
    if (this.shape.length === 0) return this.data[0];
    const build = (axis: number, offset: number): NestedArray[] => {
      const len = this.shape[axis];
      const out: NestedArray[] = new Array(len);
      if (axis === this.shape.length - 1) {
        for (let i = 0; i < len; i++) out[i] = this.data[offset + i];
        return out;
      }
      const step = sizeOf(this.shape.slice(axis + 1));
      for (let i = 0; i < len; i++) out[i] = build(axis + 1, offset + i * step);
      return out;
    };
    return build(0, 0);
  }

  /** The same values, cut off from the graph (shares storage). */
  detach(): Tensor {
    return new Tensor(this.data, this.shape, false);
  }

  /** A deep copy with its own storage, not attached to the graph. */
  clone(): Tensor {
    return new Tensor(this.data.slice(), this.shape, false);
  }

  /** The same values in another dtype (a copy, unless it is already that dtype). */
  to(dtype: DType): Tensor {
    if (dtype === this.dtype) return this;
    const out = allocate(dtype, this.size);
    out.set(this.data);
    return new Tensor(out, this.shape, false);
  }

  /** Keep this tensor's gradient after backward() even though it is not a leaf. */
  retainGrad(): this {
    this.retainsGrad = true;
    return this;
  }

  /** Sets grad to null (PyTorch's zero_grad(set_to_none=True)). */
  zeroGrad(): void {
    this.grad = null;
  }

  toString(): string {
    const body = JSON.stringify(this.toArray());
    return `tensor(${body}, shape=${fmtShape(this.shape)}, dtype=${this.dtype}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }
}

function inferShape(data: NestedArray, path: string): number[] {
  if (typeof data === 'number') return [];
  if (!Array.isArray(data)) throw new ValueError(`tensor: ${path} is ${typeof data}, expected a number or an array`);
  if (data.length === 0) return [0];
  return [data.length, ...inferShape(data[0], `${path}[0]`)];
}

function flatten(data: NestedArray, shape: readonly number[], out: TypedArray): void {
  let k = 0;
  const walk = (d: NestedArray, axis: number, path: string): void => {
    if (axis === shape.length) {
      if (Array.isArray(d)) throw new ShapeError(`tensor: ragged nested array: ${path} is an array, expected a number`);
      if (typeof d !== 'number') throw new ValueError(`tensor: ${path} is ${d === null ? 'null' : typeof d}, expected a number`);
      out[k++] = d;
      return;
    }
    if (!Array.isArray(d) || d.length !== shape[axis]) {
      const got = Array.isArray(d) ? `${d.length} elements` : typeof d;
      throw new ShapeError(`tensor: ragged nested array: ${path} has ${got}, expected ${shape[axis]} (like the first entry at that depth)`);
    }
    for (let i = 0; i < d.length; i++) walk(d[i], axis + 1, `${path}[${i}]`);
  };
  walk(data, 0, 'data');
}

/**
 * Makes a tensor from a number, nested arrays or a typed array.
 * A typed array of the requested dtype is used as-is (no copy): the tensor shares its storage.
 * @example tensor([[1, 2], [3, 4]], { requiresGrad: true })
 * @example tensor(new Float32Array(6), { shape: [2, 3] })
 * @example tensor(new Uint8Array([0, 255]), { dtype: 'float64' }) // a float64 copy
 */
export function tensor(data: NestedArray | TypedArray | IntegerArray | Tensor, options: TensorOptions = {}): Tensor {
  checkOptions('tensor', options, ['dtype', 'requiresGrad', 'shape']);
  const requiresGrad = options.requiresGrad ?? false;
  if (data instanceof Tensor) {
    const t = data.to(options.dtype ?? data.dtype);
    const shaped = options.shape ? new Tensor(t === data ? data.data.slice() : t.data, checkShape('tensor', options.shape)) : t === data ? data.clone() : t;
    shaped.requiresGrad = requiresGrad;
    return shaped;
  }
  if (data instanceof Float32Array || data instanceof Float64Array) {
    const dtype = options.dtype ?? dtypeOf(data);
    let storage: TypedArray = data;
    if (dtype !== dtypeOf(data)) {
      storage = allocate(dtype, data.length);
      storage.set(data);
    }
    const shape = options.shape ? checkShape('tensor', options.shape) : [data.length];
    return new Tensor(storage, shape, requiresGrad);
  }
  if (ArrayBuffer.isView(data)) {
    const src = data as unknown as ArrayLike<number>;
    const storage = allocate(options.dtype ?? 'float32', src.length);
    for (let i = 0; i < src.length; i++) storage[i] = src[i];
    return new Tensor(storage, options.shape ? checkShape('tensor', options.shape) : [src.length], requiresGrad);
  }
  const inferred = inferShape(data as NestedArray, 'data');
  const storage = allocate(options.dtype ?? 'float32', sizeOf(inferred));
  flatten(data as NestedArray, inferred, storage);
  if (options.shape) {
    const shape = checkShape('tensor', options.shape);
    if (sizeOf(shape) !== storage.length) {
      throw new ShapeError(`tensor: ${storage.length} values cannot take shape ${fmtShape(shape)} (${sizeOf(shape)} elements)`);
    }
    return new Tensor(storage, shape, requiresGrad);
  }
  return new Tensor(storage, inferred, requiresGrad);
}

/** Unknown option names and bad dtypes are errors, not silently ignored. */
function checkOptions(op: string, options: object, known: readonly string[]): void {
  const unknown = Object.keys(options).filter((k) => !known.includes(k));
  if (unknown.length) throw new ValueError(`${op}: unknown option '${unknown[0]}' (known: ${known.join(', ')})`);
  const dtype = (options as { dtype?: unknown }).dtype;
  if (dtype !== undefined && dtype !== 'float32' && dtype !== 'float64') {
    throw new ValueError(`${op}: dtype must be 'float32' or 'float64', got '${String(dtype)}'`);
  }
}

export interface FactoryOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

export interface RandomOptions extends FactoryOptions {
  /** A seed for this call alone; without it the global generator (manualSeed) is used. */
  seed?: number;
  /** An explicit generator (its state advances). */
  random?: Random;
}

/** A tensor filled with `value`. @example full([2, 2], 0.5) */
export function full(shape: readonly number[], value: number, options: FactoryOptions = {}): Tensor {
  checkOptions('full', options, ['dtype', 'requiresGrad']);
  if (typeof value !== 'number') throw new ValueError(`full: value must be a number, got ${value === null ? 'null' : typeof value}`);
  return filled('full', shape, value, options);
}

function filled(op: string, shape: readonly number[], value: number, options: FactoryOptions): Tensor {
  const s = checkShape(op, shape);
  const data = allocate(options.dtype ?? 'float32', sizeOf(s));
  if (value !== 0) data.fill(value);
  return new Tensor(data, s, options.requiresGrad ?? false);
}

/** @example zeros([2, 3]) */
export function zeros(shape: readonly number[], options: FactoryOptions = {}): Tensor {
  checkOptions('zeros', options, ['dtype', 'requiresGrad']);
  return filled('zeros', shape, 0, options);
}

/** @example ones([3]) */
export function ones(shape: readonly number[], options: FactoryOptions = {}): Tensor {
  checkOptions('ones', options, ['dtype', 'requiresGrad']);
  return filled('ones', shape, 1, options);
}

const RANDOM_OPTIONS = ['dtype', 'requiresGrad', 'seed', 'random'] as const;

function pickRandom(options: RandomOptions): Random {
  if (options.random) return options.random;
  if (options.seed !== undefined) return new Random(options.seed);
  return defaultRandom();
}

/** Uniform in [0, 1). @example rand([2, 2], { seed: 1 }) */
export function rand(shape: readonly number[], options: RandomOptions = {}): Tensor {
  checkOptions('rand', options, RANDOM_OPTIONS);
  const t = filled('rand', shape, 0, options);
  const r = pickRandom(options);
  for (let i = 0; i < t.size; i++) t.data[i] = r.uniform();
  return t;
}

/** Standard normal samples. @example randn([3], { seed: 7 }) */
export function randn(shape: readonly number[], options: RandomOptions = {}): Tensor {
  checkOptions('randn', options, RANDOM_OPTIONS);
  const t = filled('randn', shape, 0, options);
  const r = pickRandom(options);
  for (let i = 0; i < t.size; i++) t.data[i] = r.normal();
  return t;
}

/** Wraps a number as a scalar tensor of the given dtype; passes tensors through. */
export function asTensor(x: TensorLike, dtype: DType = 'float32'): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x !== 'number') throw new ValueError(`expected a Tensor or a number, got ${x === null ? 'null' : typeof x}`);
  const data = allocate(dtype, 1);
  data[0] = x;
  return new Tensor(data, []);
}

/** Throws a DataError naming `what` if any element is NaN or infinite. */
export function assertFinite(t: Tensor, what: string): void {
  const d = t.data;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i])) {
      throw new DataError(`${what}: element ${i} is ${d[i]}; every value must be a finite number`);
    }
  }
}

export { BackpropError };
