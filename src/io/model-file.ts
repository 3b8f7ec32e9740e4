/**
 * Node-only: model files on disk. Writes are atomic and keep the old file's mode (src/io/safe-write.ts),
 * so an interrupted save never leaves a half-written model or destroys the old one.
 */
import { promises as fs, readFileSync } from 'node:fs';
import { DataError } from '../tensor/errors.js';
import { decodeText } from '../data/text.js';
import { parseModel, serializeModel, type Model } from './model.js';
import { ioCause, writeFileAtomic, writeFileAtomicSync } from './safe-write.js';

export { writeFileAtomic, writeFileAtomicSync };

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
  const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : ioCause(err);
  return new DataError(`${path}: cannot read ${what} (${why})${hint}`);
}

/**
 * Reads a UTF-8 text file; a failure is a DataError naming the file (`what` says what it should be).
 * @example const text = readTextFileSync('net.json', 'the network file');
 */
export function readTextFileSync(path: string, what = 'the file', hint = ''): string {
  try {
    return decodeText(readFileSync(path), path, { latin1: false, hint });
  } catch (err) {
    if (err instanceof DataError) throw err;
    throw cannotRead(path, err, what, hint);
  }
}

/** Loads and validates a model file (or a bare network spec JSON). @example const { network } = await loadModel('model.json') */
export async function loadModel(path: string): Promise<Model> {
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(path);
  } catch (err) {
    throw cannotRead(path, err, 'the model file');
  }
  return parseModel(decodeText(bytes, path, { latin1: false }), path);
}

export function loadModelSync(path: string): Model {
  return parseModel(readTextFileSync(path, 'the model file'), path);
}
