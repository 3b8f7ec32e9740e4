/**
 * Node-only: TensorFlow.js Layers models on disk. saveTfjsModel writes `model.json` and its weights
 * file into a folder as a unit (both or neither replace the old ones); loadTfjsModel reads a
 * model.json and the weight files its manifest names, only from inside model.json's folder, and
 * imports it as a backprop Network.
 */
import { promises as fs, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { DataError } from '../tensor/errors.js';
import type { Network } from '../train/network.js';
import { isInside, writeFilesAtomicSync } from './safe-write.js';
import { decodeText } from '../data/text.js';
import { exportTfjs, importTfjs, type TfjsExportOptions, type TfjsImport, type TfjsModelJson } from './tfjs.js';

/**
 * Writes a network as a TensorFlow.js Layers model: `<dir>/model.json` and `<dir>/weights.bin`
 * (the folder is created if needed). Returns the two paths.
 * @example await saveTfjsModel('web-model', net) // then tf.loadLayersModel('web-model/model.json') over HTTP
 */
export async function saveTfjsModel(dir: string, network: Network, options: TfjsExportOptions = {}): Promise<{ modelPath: string; weightsPath: string }> {
  const { modelJson, weights } = exportTfjs(network, options);
  const weightsPath = join(dir, modelJson.weightsManifest[0].paths[0]);
  const modelPath = join(dir, 'model.json');
  writeFilesAtomicSync([{ path: weightsPath, data: weights }, { path: modelPath, data: `${JSON.stringify(modelJson, null, 1)}\n` }], { createFolder: true });
  return { modelPath, weightsPath };
}

async function readOrFail(path: string, what: string): Promise<Buffer> {
  try {
    return await fs.readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataError(`${path}: cannot read the ${what} (${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder; give the model.json inside it' : code ?? (err as Error).message})`);
  }
}

/**
 * Reads a TensorFlow.js Layers model (model.json + weight files) and imports it as a Network.
 * @example const { network, notes } = await loadTfjsModel('tfjs-model/model.json');
 */
export async function loadTfjsModel(path: string): Promise<TfjsImport & { weightFiles: string[] }> {
  const text = decodeText(await readOrFail(path, 'TensorFlow.js model.json'), path, { latin1: false });
  let json: TfjsModelJson;
  try {
    json = JSON.parse(text) as TfjsModelJson;
  } catch (err) {
    throw new DataError(`${path}: not valid JSON (${(err as Error).message}); give the model.json of a TensorFlow.js Layers model`);
  }
  const manifest = (json as { weightsManifest?: unknown }).weightsManifest;
  if (!Array.isArray(manifest)) throw new DataError(`${path}: no 'weightsManifest' list; give the model.json of a TensorFlow.js Layers model`);
  const base = dirname(resolve(path));
  let realBase = base;
  try { realBase = realpathSync(base); } catch { /* read errors come below */ }
  const parts: Uint8Array[] = [];
  const weightFiles: string[] = [];
  for (const group of manifest) {
    const paths = (group as { paths?: unknown }).paths;
    if (!Array.isArray(paths)) throw new DataError(`${path}: a weightsManifest entry has no 'paths' list`);
    for (const p of paths) {
      const file = weightFile(path, base, realBase, p);
      weightFiles.push(file);
      parts.push(await readOrFail(file, `weights file named in ${path}`));
    }
  }
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const weights = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) { weights.set(p, offset); offset += p.byteLength; }
  return { ...importTfjs(json, weights, path), weightFiles };
}

/**
 * A weights path from a manifest, resolved inside model.json's folder: an absolute path, a '..'
 * that leaves the folder, or a link inside it that points out is an error naming the path, so a
 * downloaded model can never read other files into the weights.
 */
function weightFile(path: string, base: string, realBase: string, p: unknown): string {
  if (typeof p !== 'string' || p === '') throw new DataError(`${path}: a weightsManifest path is ${JSON.stringify(p)}; expected a file name such as "weights.bin"`);
  if (isAbsolute(p) || /^[a-z][a-z0-9+.-]*:/i.test(p) || p.startsWith('\\')) {
    throw new DataError(`${path}: weightsManifest path ${JSON.stringify(p)} is absolute or a URL; weight files must be named relative to model.json's folder and stay inside it`);
  }
  const file = resolve(base, p);
  if (!isInside(base, file)) throw new DataError(`${path}: weightsManifest path ${JSON.stringify(p)} leaves model.json's folder; weight files must stay inside it`);
  let real: string | null = null;
  try { real = realpathSync(file); } catch { /* missing: readOrFail says so */ }
  if (real !== null && !isInside(realBase, real)) {
    throw new DataError(`${path}: weightsManifest path ${JSON.stringify(p)} is a link to ${real}, outside model.json's folder; weight files must stay inside it`);
  }
  return file;
}
