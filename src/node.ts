/**
 * 'backprop/node': everything in 'backprop' plus what needs Node (files). Importing it also adds
 * `network.save(path)` and `Network.load(path)`, so the browser build never pulls in node:fs.
 */
import './node-threads.js';
import { Network } from './train/network.js';
import { totalmem } from 'node:os';
import { loadModel, saveModel } from './io/model-file.js';
import { setMemoryLimit } from './train/size.js';

// On Node the machine's memory is known: new Network refuses specs whose training would need more than half of it.
setMemoryLimit(totalmem() / 2);

export * from './index.js';
export { loadCsvFile, loadIdxFile, loadImageDataset, type ImageDataset } from './io/datasets.js';
export { enableWasmThreads, setThreads } from './tensor/kernels/wasm-threads.js';
export { saveModel, loadModel, saveModelSync, loadModelSync, writeFileAtomic, writeFileAtomicSync } from './io/model-file.js';
export { writeFilesAtomicSync, checkWritable, checkDistinct, writeTarget, FileError, type NamedPath, type WriteOptions } from './io/safe-write.js';
export { saveTfjsModel, loadTfjsModel } from './io/tfjs-file.js';
export { saveOnnx } from './io/onnx/file.js';
export { saveSafetensors, loadSafetensors } from './io/safetensors-file.js';

declare module './train/network.js' {
  interface Network {
    /** Saves this network as a model file, atomically. Available after importing 'backprop/node'. */
    save(path: string): Promise<void>;
  }
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Network {
    /** Loads a model file saved by save() (or the CLI). Available after importing 'backprop/node'. */
    function load(path: string): Promise<Network>;
  }
}

Network.prototype.save = function (this: Network, path: string): Promise<void> {
  return saveModel(path, { network: this });
};
(Network as unknown as { load: (path: string) => Promise<Network> }).load = async (path: string) => (await loadModel(path)).network;
// Picture renderers the CLI uses (pure functions, kept out of the browser core's entry point).
export { renderDot, renderGraphSvg } from './explain/graph.js';
export { renderLandscapeSvg, renderLandscapeText, type TextMapOptions } from './explain/plot.js';
// Any of those SVGs as PNG bytes (resvg with a bundled DejaVu Sans; see README's dependency list).
export { svgToPng } from './cli/png.js';
