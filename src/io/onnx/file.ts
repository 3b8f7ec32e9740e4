/**
 * Node-only: an exported ONNX model written to disk atomically, so a reader (a server watching the
 * file, say) never sees half a model.
 */
import { writeFileAtomic } from '../model-file.js';
import { exportOnnx, type OnnxExportOptions } from './export.js';
import type { Network } from '../../train/network.js';
import type { Model } from '../model.js';

/**
 * Exports a network or a loaded model file to ONNX and writes it to `path`. Returns the byte count.
 * @example await saveOnnx('model.onnx', await loadModel('model.json'))
 */
export async function saveOnnx(path: string, model: Network | Model, options: OnnxExportOptions = {}): Promise<number> {
  const bytes = exportOnnx(model, options);
  await writeFileAtomic(path, bytes);
  return bytes.byteLength;
}
