/**
 * The files a command writes, checked before any work (issue 14): every output's folder exists and
 * is writable, it is a regular file (or new) off /proc and /sys, it is not one of the inputs and
 * not another output. A path ending in '/' names a folder, created at write time if missing, and
 * the file inside it gets the command's usual name (`--out runs/` → runs/model.json).
 */
import { basename, join } from 'node:path';
import { checkDistinct, checkWritable, writeFileAtomic, type NamedPath } from '../io/safe-write.js';
import { UsageError } from './run.js';

export interface Output {
  /** The option, for messages: '--out'. */
  what: string;
  /** The file to write. */
  path: string;
  /** The user asked for a new folder with a trailing '/'. */
  createFolder: boolean;
}

/**
 * An output option's value as the file it names; `defaultName` is used inside a folder given with
 * a trailing '/', or undefined where the option must name a file.
 * @example outputFile('--out', 'runs/', 'model.json') // { what: '--out', path: 'runs/model.json', createFolder: true }
 */
export function outputFile(what: string, value: string, defaultName?: string): Output {
  if (value === '') throw new UsageError(`${what}: give a file name`);
  if (value.endsWith('/') || value.endsWith('\\')) {
    if (defaultName === undefined) throw new UsageError(`${what} ${value}: names a folder; give a file name`);
    return { what, path: join(value, defaultName), createFolder: true };
  }
  if (basename(value) === '.' || basename(value) === '..') throw new UsageError(`${what} ${value}: names a folder; give a file name${defaultName ? ` (or ${value}/ for ${value}/${defaultName})` : ''}`);
  return { what, path: value, createFolder: false };
}

/**
 * Checks every output before any work, as the file's comment says; `inputs` are the files the
 * command reads ('-' for stdin is skipped).
 * @example checkOutputs([outputFile('--out', 'm.json')], [{ what: 'the data file', path: 'd.csv' }])
 */
export function checkOutputs(outputs: readonly (Output | undefined)[], inputs: readonly (NamedPath | undefined)[]): void {
  const outs = outputs.filter((o): o is Output => o !== undefined);
  for (const o of outs) checkWritable(o.path, { what: o.what, createFolder: o.createFolder });
  checkDistinct(outs.map((o) => ({ what: o.what, path: o.path })), inputs.filter((i): i is NamedPath => i !== undefined && i.path !== undefined));
}

/** Writes one checked output atomically (creating its folder when asked). */
export async function writeOutput(o: Output, data: string | Uint8Array): Promise<void> {
  await writeFileAtomic(o.path, data, { what: o.what, createFolder: o.createFolder });
}
