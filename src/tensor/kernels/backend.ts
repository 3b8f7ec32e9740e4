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
}

let active: Backend | null = null;
const registry = new Map<string, Backend>();

export function registerBackend(backend: Backend): void {
  registry.set(backend.name, backend);
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
  return prev;
}

export function listBackends(): string[] {
  return [...registry.keys()];
}
