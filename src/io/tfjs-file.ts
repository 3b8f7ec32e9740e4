/**
 * Node-only: TensorFlow.js Layers models on disk. saveTfjsModel writes `model.json` and its weights
 * file into a folder (each file atomically); loadTfjsModel reads a model.json and the weight files
 * its manifest names (relative to it) and imports it as a backprop Network.
 */
import { promises as fs } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DataError } from '../tensor/errors.js';
import type { Network } from '../train/network.js';
import { writeFileAtomic } from './model-file.js';
import { exportTfjs, importTfjs, type TfjsExportOptions, type TfjsImport, type TfjsModelJson } from './tfjs.js';

/**
 * Writes a network as a TensorFlow.js Layers model: `<dir>/model.json` and `<dir>/weights.bin`
 * (the folder is created if needed). Returns the two paths.
 * @example await saveTfjsModel('web-model', net) // then tf.loadLayersModel('web-model/model.json') over HTTP
 */
export async function saveTfjsModel(dir: string, network: Network, options: TfjsExportOptions = {}): Promise<{ modelPath: string; weightsPath: string }> {
  const { modelJson, weights } = exportTfjs(network, options);
  await fs.mkdir(dir, { recursive: true });
  const weightsPath = join(dir, modelJson.weightsManifest[0].paths[0]);
  const modelPath = join(dir, 'model.json');
  await writeFileAtomic(weightsPath, weights);
  await writeFileAtomic(modelPath, `${JSON.stringify(modelJson, null, 1)}\n`);
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
export async function loadTfjsModel(path: string): Promise<TfjsImport> {
  const text = (await readOrFail(path, 'TensorFlow.js model.json')).toString('utf8');
  let json: TfjsModelJson;
  try {
    json = JSON.parse(text) as TfjsModelJson;
  } catch (err) {
    throw new DataError(`${path}: not valid JSON (${(err as Error).message}); give the model.json of a TensorFlow.js Layers model`);
  }
  const manifest = (json as { weightsManifest?: unknown }).weightsManifest;
  if (!Array.isArray(manifest)) throw new DataError(`${path}: no 'weightsManifest' list; give the model.json of a TensorFlow.js Layers model`);
  const base = dirname(resolve(path));
  const parts: Uint8Array[] = [];
  for (const group of manifest) {
    const paths = (group as { paths?: unknown }).paths;
    if (!Array.isArray(paths)) throw new DataError(`${path}: a weightsManifest entry has no 'paths' list`);
    for (const p of paths) parts.push(await readOrFail(join(base, String(p)), `weights file named in ${path}`));
  }
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const weights = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) { weights.set(p, offset); offset += p.byteLength; }
  return importTfjs(json, weights, path);
}
