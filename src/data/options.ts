/**
 * Option checking shared by the data layer: unknown option names are errors (a typo such as
 * `dropMising` must not be silently ignored), and every message names the function and the option.
 */
import { ValueError } from '../tensor/errors.js';

/** Throws a ValueError naming `fn` if `options` has a key outside `known`. */
export function checkOptions(fn: string, options: object | undefined, known: readonly string[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object') {
    throw new ValueError(`${fn}: options must be an object, got ${options === null ? 'null' : typeof options}`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new ValueError(`${fn}: unknown option '${key}' (known options: ${known.join(', ')})`);
    }
  }
}

/** Formats a list of names for a message: "a", "b", "c" (at most `max`, then "… and N more"). */
export function listNames(names: readonly string[], max = 20): string {
  const shown = names.slice(0, max).map((n) => JSON.stringify(n)).join(', ');
  return names.length > max ? `${shown} … and ${names.length - max} more` : shown;
}

/** A cell value shortened for a one-line message. */
export function quoteCell(value: string, max = 40): string {
  const v = value.length > max ? `${value.slice(0, max)}…` : value;
  return JSON.stringify(v);
}
