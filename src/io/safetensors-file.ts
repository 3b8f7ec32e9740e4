/**
 * Node-only: safetensors files on disk. saveSafetensors writes atomically (a temporary file, then a
 * rename); loadSafetensors reads and validates a file (see src/io/safetensors.ts), naming it in errors.
 */
import { promises as fs } from 'node:fs';
import { DataError } from '../tensor/errors.js';
import { writeFileAtomic } from './model-file.js';
import { parseSafetensors, toSafetensors, type ParsedSafetensors, type SafetensorsOptions, type TensorSource } from './safetensors.js';

/**
 * Writes tensors (a network, a module, a model or a state dict) as a safetensors file. Returns the byte count.
 * @example await saveSafetensors('model.safetensors', net, { metadata: { format: 'pt' } })
 */
export async function saveSafetensors(path: string, source: TensorSource, options: SafetensorsOptions = {}): Promise<number> {
  const bytes = toSafetensors(source, options);
  await writeFileAtomic(path, bytes);
  return bytes.byteLength;
}

/**
 * Reads a safetensors file: its tensors by name, its metadata and header entries.
 * @example const { tensors } = await loadSafetensors('model.safetensors'); tensors['layers.0.weight'].shape
 */
export async function loadSafetensors(path: string): Promise<ParsedSafetensors> {
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : code ?? (err as Error).message;
    throw new DataError(`${path}: cannot read the safetensors file (${why})`);
  }
  return parseSafetensors(bytes, path);
}
