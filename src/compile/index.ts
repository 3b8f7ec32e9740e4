/** The compiler: jit (trace once, replay fast) and what it reports. */
export { jit, hostCall, isTracing, traceCondition, UNROLL_MAX_ELEMENTS, type Jitted, type JitOptions, type JitResult } from './jit.js';
export { TraceError } from '../tensor/errors.js';
