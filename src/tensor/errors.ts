/**
 * Every error backprop throws on purpose is a BackpropError, so callers (the CLI above all) can tell
 * "the user gave us something wrong" apart from a bug. Messages name the op or input, the argument,
 * the shapes or row/column involved, and the fix where there is one.
 */
export class BackpropError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Shapes that do not fit together: broadcasting, matmul, reshape, a layer's input width. */
export class ShapeError extends BackpropError {}

/** An argument with the wrong type or an out-of-range value (a learning rate of -1, an axis of 5). */
export class ValueError extends BackpropError {}

/** Input data that cannot be used: a malformed CSV, a NaN, a truncated model file. */
export class DataError extends BackpropError {}

/**
 * A function traced by `jit` did something a replay cannot repeat: read a traced tensor's values
 * (`.data`, `.item()`, `.toArray()`), or relied on state from before the call. Like jax.jit's
 * concretization error, the message names the op and says what to do instead.
 */
export class TraceError extends BackpropError {}

/** Training that blew up: NaN or exploding loss. */
export class DivergenceError extends BackpropError {}

/** Formats a shape the way users write it: [2, 3]. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
