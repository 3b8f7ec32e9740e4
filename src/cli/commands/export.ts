/**
 * `backprop export <model.json> --format onnx|tfjs --out <path>`: a trained model for other engines.
 * ONNX gets the preprocessing and output decoding as ops (raw values in, labels or original units
 * out, as `backprop predict`); the TensorFlow.js Layers folder holds the network, which takes encoded
 * inputs, with the preprocessing kept in model.json's userDefinedMetadata. Files are written atomically.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { action, UsageError } from '../run.js';
import { checkOutputs, outputFile, writeOutput } from '../outputs.js';
import { loadModel } from '../../io/model-file.js';
import { exportOnnx, inspectOnnx, type OnnxTensorInfo } from '../../io/onnx/export.js';
import { saveTfjsModel } from '../../io/tfjs-file.js';
import { featureNames } from '../../data/tabular.js';
import { exportPytorchFolder, PYTORCH_FILES } from '../pytorch.js';

interface ExportFlags {
  format?: string;
  out?: string;
  quiet?: boolean;
}

const FORMATS = ['onnx', 'tfjs', 'pytorch'];

function kb(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} kB`;
}

function shape(t: OnnxTensorInfo): string {
  return `[${t.shape.join(', ')}]`;
}

/** What the exported ONNX model takes and gives, one line per tensor. */
export function describeOnnx(inputs: OnnxTensorInfo[], outputs: OnnxTensorInfo[]): string {
  const line = (t: OnnxTensorInfo): string => {
    let what = t.description;
    if (t.columns && t.columns.length > 8) what = `raw values of ${t.columns.length} numeric columns (${t.columns.slice(0, 4).join(', ')}, …; the order is in the model's metadata 'inputs')`;
    return `  ${t.name}  ${t.type} ${shape(t)}  ${what}`;
  };
  return `inputs:\n${inputs.map(line).join('\n')}\noutputs:\n${outputs.map(line).join('\n')}\n`;
}

function pickFormat(f: ExportFlags): 'onnx' | 'tfjs' | 'pytorch' {
  if (f.format !== undefined) {
    if (!FORMATS.includes(f.format)) throw new UsageError(`--format must be onnx, tfjs or pytorch, got '${f.format}'`);
    return f.format as 'onnx' | 'tfjs' | 'pytorch';
  }
  if (f.out?.endsWith('.onnx')) return 'onnx';
  throw new UsageError('give --format onnx, --format tfjs or --format pytorch');
}

async function runExport(modelPath: string, f: ExportFlags): Promise<void> {
  const format = pickFormat(f);
  if (f.out === undefined) throw new UsageError(format === 'onnx' ? 'give --out <model.onnx>, the file to write' : format === 'pytorch' ? 'give --out <folder>, where model.safetensors, model.py and train.py go' : 'give --out <folder>, where model.json and weights.bin go');
  const input = { what: 'the model', path: modelPath };
  const say = (text: string): void => { if (!f.quiet) process.stderr.write(text); };
  if (format === 'pytorch') {
    if (existsSync(f.out) && !statSync(f.out).isDirectory()) throw new UsageError(`--out ${f.out}: is a file; a PyTorch export is a folder (model.safetensors, model.py, train.py, README.md): give a folder name`);
    checkOutputs(PYTORCH_FILES.map((name) => ({ what: '--out', path: join(f.out!, name), createFolder: true })), [input]);
    return exportPytorchFolder(await loadModel(modelPath), f.out, say);
  }
  if (format === 'onnx') {
    const out = outputFile('--out', f.out, 'model.onnx');
    checkOutputs([out], [input]);
    const model = await loadModel(modelPath);
    const bytes = exportOnnx(model);
    await writeOutput(out, bytes);
    const summary = inspectOnnx(bytes);
    say(`wrote ${out.path} (ONNX, opset ${summary.opset}, ${kb(bytes.byteLength)})\n`);
    if (model.preprocessing?.impute) say(`the model fills missing cells (--impute ${model.preprocessing.impute}); the ONNX graph does not: give it complete rows\n`);
    if (model.preprocessing?.features.some((x) => x.kind === 'categorical')) say('a category the model never saw encodes as all zeros in the ONNX graph (backprop predict stops on it unless --unknown ignore)\n');
    say(describeOnnx(JSON.parse(summary.metadata.inputs), JSON.parse(summary.metadata.outputs)));
    if (!model.preprocessing) say('the model has no preprocessing (not written by backprop train): its input is what the network takes\n');
    return;
  }
  if (existsSync(f.out) && !statSync(f.out).isDirectory()) throw new UsageError(`--out ${f.out}: is a file; TensorFlow.js models are a folder (model.json + weights.bin): give a folder name`);
  checkOutputs([{ what: '--out', path: join(f.out, 'model.json'), createFolder: true }, { what: '--out', path: join(f.out, 'weights.bin'), createFolder: true }], [input]);
  const model = await loadModel(modelPath);
  const { modelPath: written, weightsPath } = await saveTfjsModel(f.out, model.network, model.preprocessing ? { preprocessing: model.preprocessing } : {});
  say(`wrote ${written} and ${weightsPath} (TensorFlow.js Layers; load with tf.loadLayersModel('…/model.json'))\n`);
  if (model.preprocessing) {
    const names = featureNames(model.preprocessing);
    const shown = names.length > 8 ? `${names.slice(0, 8).join(', ')}, …` : names.join(', ');
    say(`its ${names.length} inputs are encoded as for training (numbers standardised, categories one-hot): ${shown}; ` +
      `the preprocessing is stored in model.json's userDefinedMetadata.backprop (export to ONNX for a model that takes raw values)\n`);
  }
}

/** Registers `backprop export`. */
export function registerExport(program: Command): void {
  program
    .command('export')
    .description('export a model to ONNX (for onnxruntime), the TensorFlow.js Layers format, or PyTorch (weights, module and a torch.distributed training script)')
    .argument('<model.json>', "a model file written by 'backprop train' (or a network spec with weights)")
    .option('--format <format>', 'onnx, tfjs or pytorch (default: onnx when --out ends in .onnx)')
    .option('-o, --out <path>', 'the .onnx file, or the folder for model.json + weights.bin (tfjs) or model.safetensors + model.py + train.py (pytorch)')
    .option('-q, --quiet', 'no summary on stderr')
    .addHelpText('after', `
ONNX: the model takes the same raw values as 'backprop predict' ('input': the numeric columns,
[batch, n] float32; one [batch, 1] string input per categorical column) and gives 'probabilities'
and 'label' (classification) or 'value' in the target's units (regression). Label names, inputs and
outputs are in the model's metadata_props.

PyTorch: a folder with model.safetensors (weights named layers.0.weight, …), model.py (the
network as a torch.nn.Module with the preprocessing and the loss), train.py (continues training
with the same optimizer settings, on one process or under torchrun with DistributedDataParallel)
and README.md. Bring the trained weights back with 'backprop import <dir>/model.safetensors'.

Examples:
  $ backprop export model.json --format onnx --out model.onnx
  $ backprop export model.json --format tfjs --out web-model/
  $ backprop export model.json --format pytorch --out torch-model/`)
    .action(action((model: string, flags: ExportFlags) => runExport(model, flags)));
}

