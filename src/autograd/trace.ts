/**
 * The tracer hook: while `jit` (src/compile) traces a function, every prim application and every
 * gradient that backward() stores on a leaf is reported here, and reads of traced values from user
 * code are refused (see traceGuard in src/tensor/tensor.ts). Nothing here knows what a plan is.
 */
import { traceGuard, type Tensor } from '../tensor/tensor.js';

export interface Tracer {
  /** A prim ran (see TraceNode in src/ops/prim.ts). */
  node(n: object): void;
  /** backward() set `leaf.grad`. */
  grad(leaf: Tensor): void;
}

let tracer: Tracer | null = null;

/** @internal Sets (or clears) the tracer; returns the previous one. */
export function setTracer(t: Tracer | null): Tracer | null {
  const prev = tracer;
  tracer = t;
  return prev;
}

/** The tracer of the `jit` trace in progress, or null. */
export function activeTracer(): Tracer | null {
  return tracer;
}

/**
 * Runs fn with reads of traced tensors allowed: the engine's own code (kernels, backward, optimizer
 * updates) may look at values while tracing; only the user's code may not.
 * @example engine(() => t.data[0])
 */
export function engine<T>(fn: () => T): T {
  traceGuard.depth++;
  try {
    return fn();
  } finally {
    traceGuard.depth--;
  }
}
