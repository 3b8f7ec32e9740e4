/**
 * Float32 storage in the active backend's own memory ("resident"): what a compiled step's buffers,
 * parameters and optimizer state live in, so that the WebAssembly kernels run on them in place with
 * no copy in or out per call. Where the backend has no such memory (the plain-TS backend, non-shared
 * wasm memory) every function here falls back to ordinary arrays, so results never depend on it.
 */
import { allocate, type DType, type TypedArray } from './dtype.js';
import { ValueError } from './errors.js';
import { backend } from './kernels/backend.js';
import type { Tensor } from './tensor.js';

/**
 * Zeroed storage of `length` elements: float32 in the backend's memory where it offers it, else an
 * ordinary array (float64 always).
 * @example const buf = residentAllocate('float32', 64 * 128)
 */
export function residentAllocate(dtype: DType, length: number): TypedArray {
  if (dtype === 'float32') {
    const r = backend().resident?.(length);
    if (r) return r;
  }
  return allocate(dtype, length);
}

/**
 * Whether `a` lives in the active backend's own memory.
 * @example isResident(new Float32Array(4)) // false
 */
export function isResident(a: TypedArray): boolean {
  const be = backend();
  return be.owns !== undefined && be.owns(a);
}

/**
 * A resident copy of `a` (float32, where the backend offers memory), else `a` itself.
 * @example state.expAvg = residentCopy(state.expAvg)
 */
export function residentCopy(a: TypedArray): TypedArray {
  if (!(a instanceof Float32Array) || isResident(a)) return a;
  const r = backend().resident?.(a.length);
  if (!r) return a;
  r.set(a);
  moved.set(a, r);
  return r;
}

/** Old storage → the resident copy that replaced it (see residentOf). */
const moved = new WeakMap<TypedArray, TypedArray>();

/**
 * The storage that replaced `a` when its tensor was made resident, else `a`: a tensor made over
 * a parameter's old storage (detach()) reads the parameter's current values in a compiled plan.
 * @example slot.data = residentOf(t.data)
 */
export function residentOf(a: TypedArray): TypedArray {
  return moved.get(a) ?? a;
}

/**
 * Moves a float32 tensor's storage into the backend's memory (contents copied once); the tensor's
 * `data` is the new array from then on. Returns whether it is resident now.
 * @example makeResident(layer.weight)
 */
export function makeResident(t: Tensor): boolean {
  if (t.dtype !== 'float32') return false;
  const old = t.data;
  const r = residentCopy(old);
  if (r === old) return isResident(old);
  t.adoptStorage(r);
  return true;
}

/**
 * Zeros shaped like `a`: resident when `a` is (an optimizer's state follows its parameter).
 * @example const m = residentZerosLike(param)
 */
export function residentZerosLike(a: TypedArray): TypedArray {
  if (a instanceof Float32Array && isResident(a)) return residentAllocate('float32', a.length);
  if (a instanceof Float32Array || a instanceof Float64Array) return a instanceof Float64Array ? new Float64Array(a.length) : new Float32Array(a.length);
  throw new ValueError(`residentZerosLike: expected a Float32Array or Float64Array, got ${Object.prototype.toString.call(a)}`);
}
