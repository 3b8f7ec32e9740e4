/**
 * The PyTorch halves of `backprop export` and `backprop import`:
 *   backprop export model.json --format pytorch --out dir/     (model.safetensors, model.py, train.py, README.md)
 *   backprop import dir/model.safetensors [--spec model.json] --out trained.json
 * Every file is written atomically; the folder is created when missing (its parent must exist).
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DataError } from '../tensor/errors.js';
import { UsageError } from './run.js';
import { checkOutputs, outputFile, writeOutput } from './outputs.js';
import type { Model } from '../io/model.js';
import { serializeModel } from '../io/model.js';
import { loadModel } from '../io/model-file.js';
import { writeFilesAtomicSync } from '../io/safe-write.js';
import { describeNetwork, exportPytorch, importSafetensors, TORCHRUN } from '../io/pytorch.js';

/** Writes the PyTorch folder for a loaded model; `say` gets the summary. */
/** The files a PyTorch export writes into its folder. */
export const PYTORCH_FILES = ['model.safetensors', 'model.py', 'train.py', 'README.md'] as const;

export async function exportPytorchFolder(model: Model, out: string, say: (text: string) => void): Promise<void> {
  if (existsSync(out) && !statSync(out).isDirectory()) throw new UsageError(`--out ${out}: is a file; a PyTorch export is a folder (model.safetensors, model.py, train.py, README.md): give a folder name`);
  const parent = dirname(resolve(out));
  if (!existsSync(parent)) throw new UsageError(`--out ${out}: the folder ${parent} does not exist; create it first or choose another path`);
  const { files, training } = exportPytorch(model);
  mkdirSync(out, { recursive: true });
  // All four files go into place together or not at all (a failed export leaves an older one whole).
  writeFilesAtomicSync(PYTORCH_FILES.map((name) => ({ path: join(out, name), data: files[name], what: '--out' })));
  const kb = ((files['model.safetensors'] as Uint8Array).byteLength / 1024).toFixed(1);
  const data = model.metadata?.images ? '--images <images> --labels <labels>' : '--data <train.csv>';
  say(`wrote ${join(out, 'model.safetensors')} (${kb} kB), model.py, train.py and README.md (PyTorch; ${training.optimizer}, learning rate ${training.learningRate}, ${training.batchSize} rows per update)\n`);
  say(`train:  cd ${out} && python3 train.py ${data} --epochs ${training.epochs}\n`);
  say(`        cd ${out} && ${TORCHRUN} train.py ${data} --epochs ${training.epochs}\n`);
  say(`back:   backprop import ${join(out, 'model.safetensors')} --out trained.json\n`);
  if (!model.preprocessing) say('the model has no preprocessing (not written by backprop train): train.py reads a CSV of inputs then targets as numbers\n');
}

export interface SafetensorsImportFlags {
  spec?: string;
  out?: string;
  quiet?: boolean;
}

/** `backprop import weights.safetensors [--spec model.json]`: the model file to --out or stdout. */
export async function importSafetensorsFile(path: string, f: SafetensorsImportFlags): Promise<void> {
  const out = f.out === undefined ? undefined : outputFile('--out', f.out, 'model.json');
  checkOutputs([out], [{ what: 'the safetensors file', path }, f.spec === undefined ? undefined : { what: '--spec', path: f.spec }]);
  const spec = f.spec === undefined ? undefined : await loadModel(f.spec);
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataError(`${path}: cannot read the safetensors file (${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : code ?? (err as Error).message})`);
  }
  const model = importSafetensors(bytes, path, spec);
  const metadata = { ...(model.metadata ?? {}), importedFrom: path, importedFormat: 'safetensors' };
  const text = serializeModel({ ...model, metadata });
  if (out === undefined) process.stdout.write(text);
  else await writeOutput(out, text);
  if (f.quiet) return;
  const net = model.network;
  const arch = describeNetwork(net);
  const pt = model.metadata?.pytorch as { processes?: number; epochs?: number; loss?: number; torch?: string } | undefined;
  const trained = pt ? `; trained in PyTorch ${pt.torch ?? ''} on ${pt.processes ?? 1} process${pt.processes === 1 ? '' : 'es'} for ${pt.epochs} epoch${pt.epochs === 1 ? '' : 's'}, final loss ${Number(pt.loss).toPrecision(5)}` : '';
  process.stderr.write(`imported ${path}: ${arch}, loss ${net.loss}${f.spec ? ` (architecture from ${f.spec})` : ' (architecture from the file\'s metadata)'}${trained}${out ? `; wrote ${out.path}` : ''}\n`);
}
