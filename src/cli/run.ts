/**
 * How every command reports failure: a BackpropError (bad input, bad options, divergence) becomes one
 * line on stderr and exit code 1, without a stack trace unless --debug; anything else is a bug and
 * prints its stack. Commands throw; they never call process.exit themselves.
 */
import { BackpropError } from '../tensor/errors.js';

export class UsageError extends BackpropError {}

let debug = false;
export function setDebug(on: boolean): void {
  debug = on;
}

export function reportError(err: unknown): number {
  if (err instanceof BackpropError) {
    process.stderr.write(`backprop: ${err.message}\n`);
    if (debug && err.stack) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
  const e = err as Error;
  if (e && (e as { code?: string }).code === 'ENOENT') {
    process.stderr.write(`backprop: ${e.message.replace(/^ENOENT: /, '')}\n`);
    if (debug && e.stack) process.stderr.write(`${e.stack}\n`);
    return 1;
  }
  process.stderr.write(`backprop: internal error (please report): ${e?.stack ?? String(err)}\n`);
  return 2;
}

/** Wraps a command's action so errors are reported the one way above. */
export function action<A extends unknown[]>(fn: (...args: A) => void | Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      process.exitCode = reportError(err);
    }
  };
}

/** Parses a number option, naming the option in the error. */
export function parseNumber(name: string, value: string, check?: (n: number) => boolean, what = 'a number'): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || (check && !check(n))) {
    throw new UsageError(`${name} must be ${what}, got '${value}'`);
  }
  return n;
}

/** Parses "0.5,-0.5" into numbers, naming the option in the error. */
export function parseNumberList(name: string, value: string): number[] {
  return value.split(',').map((s, i) => {
    const n = Number(s);
    if (s.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${name}: item ${i + 1} ('${s}') is not a number`);
    return n;
  });
}
