/**
 * `backprop import <dir/model.json> [--out model.json]`: a TensorFlow.js Layers model (dense layers
 * and supported activations) as a backprop model file, so it can be explained, evaluated or trained
 * further. The model file goes to --out (atomically) or stdout; what was folded or dropped, and what
 * the network looks like, go to stderr.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { action } from '../run.js';
import { checkOutputs, outputFile, writeOutput } from '../outputs.js';
import { serializeModel } from '../../io/model.js';
import { loadTfjsModel } from '../../io/tfjs-file.js';
import { importSafetensorsFile } from '../pytorch.js';

interface ImportFlags {
  out?: string;
  spec?: string;
  quiet?: boolean;
}

async function runImport(path: string, f: ImportFlags): Promise<void> {
  if (path.endsWith('.safetensors') || f.spec !== undefined) return importSafetensorsFile(path, f);
  // A folder means the model.json inside it, as tfjs users write `tf.loadLayersModel('dir/model.json')`.
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, 'model.json') : path;
  const out = f.out === undefined ? undefined : outputFile('--out', f.out, 'model.json');
  checkOutputs([out], [{ what: 'the TensorFlow.js model', path: file }]);
  const { network, preprocessing, notes, weightFiles } = await loadTfjsModel(file);
  checkOutputs([out], weightFiles.map((p) => ({ what: 'its weights file', path: p })));
  const metadata = { importedFrom: file, importedFormat: 'tensorflowjs-layers', ...(notes.length ? { importNotes: notes } : {}) };
  const text = serializeModel({ network, preprocessing, metadata });
  if (out === undefined) process.stdout.write(text);
  else await writeOutput(out, text);
  if (f.quiet) return;
  const arch = [String(network.inputs), ...network.layers.map((l) => `${l.outFeatures} ${l.activation}`)].join(' → ');
  const lines = [`imported ${file}: ${network.layers.length} dense layer${network.layers.length === 1 ? '' : 's'}, ${arch}, loss ${network.loss}${out ? `; wrote ${out.path}` : ''}`];
  for (const n of notes) lines.push(`  ${n}`);
  if (preprocessing) lines.push(`  preprocessing restored from userDefinedMetadata: backprop predict/evaluate take raw CSV rows with it`);
  else lines.push('  no preprocessing: the network takes its inputs as they are (backprop explain/gradcheck work on it; predict needs a model from backprop train)');
  process.stderr.write(`${lines.join('\n')}\n`);
}

/** Registers `backprop import`. */
export function registerImport(program: Command): void {
  program
    .command('import')
    .description('import a TensorFlow.js Layers model (model.json + weights), or weights in safetensors (from PyTorch), as a backprop model file')
    .argument('<model.json>', "a TensorFlow.js Layers model.json (or its folder; its weight files are read from beside it), or a .safetensors file")
    .option('-o, --out <model.json>', 'write the backprop model file here (atomically) instead of stdout')
    .option('--spec <model.json>', "safetensors: the model the weights belong to (default: the architecture a backprop export wrote into the file's metadata)")
    .option('-q, --quiet', 'no summary on stderr')
    .addHelpText('after', `
Imports Dense layers with linear, sigmoid, tanh, relu or softmax activations; Activation, ReLU,
LeakyReLU and Softmax layers fold into the linear Dense before them; Dropout and InputLayer are
skipped. Anything else is an error naming the layer.

A .safetensors file (PyTorch's weights, e.g. written by the train.py of 'backprop export --format
pytorch') needs tensors named as backprop names them (layers.0.weight [out, in], layers.0.bias);
the architecture, preprocessing and metadata come from --spec or from the file's metadata.

Examples:
  $ backprop import tfjs-model/model.json --out model.json
  $ backprop import torch-model/model.safetensors --spec model.json --out trained.json
  $ backprop explain model.json --input 0.5,1`)
    .action(action((model: string, flags: ImportFlags) => runImport(model, flags)));
}
