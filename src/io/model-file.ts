/**
 * Node-only: model files on disk. Writes are atomic (a temporary file in the same folder, then a
 * rename), so an interrupted save never leaves a half-written model or destroys the old one.
 */
import { promises as fs, writeFileSync, renameSync, unlinkSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DataError } from '../tensor/errors.js';
import { parseModel, serializeModel, type Model } from './model.js';

function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`);
}

/** Writes text to `path` atomically (Node). @example await writeFileAtomic('out.csv', text) */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = tempPathFor(path);
  try {
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, path);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

/** Synchronous atomic write, for exit paths (Ctrl-C) where awaiting is not possible. */
export function writeFileAtomicSync(path: string, data: string | Uint8Array): void {
  const tmp = tempPathFor(path);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw err;
  }
}

/** Saves a model file atomically. @example await saveModel('model.json', { network: net }) */
export async function saveModel(path: string, model: Model): Promise<void> {
  await writeFileAtomic(path, serializeModel(model));
}

export function saveModelSync(path: string, model: Model): void {
  writeFileAtomicSync(path, serializeModel(model));
}

/** The one-line error for a file that cannot be read: names it, says why, and what it should be. */
function cannotRead(path: string, err: unknown, what: string, hint = ''): DataError {
  const code = (err as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : code ?? (err as Error).message;
  return new DataError(`${path}: cannot read ${what} (${why})${hint}`);
}

/**
 * Reads a UTF-8 text file; a failure is a DataError naming the file (`what` says what it should be).
 * @example const text = readTextFileSync('net.json', 'the network file');
 */
export function readTextFileSync(path: string, what = 'the file', hint = ''): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw cannotRead(path, err, what, hint);
  }
}

/** Loads and validates a model file (or a bare network spec JSON). @example const { network } = await loadModel('model.json') */
export async function loadModel(path: string): Promise<Model> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (err) {
    throw cannotRead(path, err, 'the model file');
  }
  return parseModel(text, path);
}

export function loadModelSync(path: string): Model {
  return parseModel(readTextFileSync(path, 'the model file'), path);
}
