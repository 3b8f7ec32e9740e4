/**
 * How every command reports failure: a BackpropError (bad input, bad options, divergence) or an I/O
 * error (ENOSPC, EROFS, …, with the path and the cause in words) becomes one line on stderr and exit
 * code 1; anything else is a bug: one line saying so, exit code 2. A stack trace only with --debug.
 * Commands throw; they never call process.exit themselves.
 */
import { BackpropError } from '../tensor/errors.js';
import { ioCause, isIoError } from '../io/safe-write.js';
import { MAX_SEED } from '../train/network.js';

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
  if (isIoError(e)) {
    // A file the command did not expect to fail on: still one line, with the path and the cause.
    const path = (e as NodeJS.ErrnoException).path;
    const verb = { open: 'open', read: 'read', write: 'write', rename: 'replace', mkdir: 'create the folder', unlink: 'remove', scandir: 'list' }[(e as NodeJS.ErrnoException).syscall ?? ''] ?? 'use';
    process.stderr.write(`backprop: ${path ? `${path}: ` : ''}cannot ${verb} (${ioCause(e)})\n`);
    if (debug && e.stack) process.stderr.write(`${e.stack}\n`);
    return 1;
  }
  if (e instanceof RangeError && /call stack|Invalid (string|array|typed array) length|Array buffer allocation failed/i.test(e.message)) {
    process.stderr.write(`backprop: out of memory or too deeply nested (${e.message}); use smaller inputs or a smaller network\n`);
    if (debug && e.stack) process.stderr.write(`${e.stack}\n`);
    return 1;
  }
  const first = (e?.message ?? String(err)).split('\n')[0];
  process.stderr.write(`backprop: internal error (please report; --debug shows the stack): ${first}\n`);
  if (debug && e?.stack) process.stderr.write(`${e.stack}\n`);
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

/**
 * --seed: a whole number from 0 to 4294967295 (2^32 − 1), the range the generators use.
 * @example parseSeed('42') // 42
 */
export function parseSeed(value: string, name = '--seed'): number {
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > MAX_SEED) throw new UsageError(`${name} must be a whole number from 0 to ${MAX_SEED}, got '${value}'`);
  return n;
}

/**
 * --max-memory: a size like 8G, 512M, 2.5GB or a byte count; 1k = 1024 bytes.
 * @example parseSize('--max-memory', '8G') // 8589934592
 */
export function parseSize(name: string, value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(value);
  const n = m ? Number(m[1]) * 1024 ** ' kmgt'.indexOf((m[2] || ' ').toLowerCase()) : NaN;
  if (!(n >= 1)) throw new UsageError(`${name} must be a size such as 8G, 512M or a number of bytes, got '${value}'`);
  return n;
}
