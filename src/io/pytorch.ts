/**
 * A model for PyTorch and back. exportPytorch turns a model (network, preprocessing, training
 * settings) into the files of `backprop export --format pytorch`: model.safetensors (the weights,
 * named as stateDict() names them, which are PyTorch's), model.py (a torch.nn.Module with the same
 * parameter names, the preprocessing as code, the loss exactly as backprop trains with it, and
 * safetensors I/O that needs only the standard library and torch), train.py (continues training on
 * one process or many under torchrun with DistributedDataParallel) and README.md. importSafetensors
 * brings trained weights back into a model file. Browser-safe: text and bytes only.
 */
import { DataError, ValueError } from '../tensor/errors.js';
import type { ActivationName, LayerSpec, LayerTypeName, LossName, NetworkSpec, PairSpec } from '../spec/index.js';
import { LAYER_TYPE_TABLE, resolveLayers, type LayerTypeEntry, type ResolvedLayer } from '../nn/layer-types.js';
import { Network } from '../train/network.js';
import { LOSS_TABLE, BCE_EPSILON } from '../losses/index.js';
import { MISSING_VALUES, type Preprocessor } from '../data/tabular.js';
import { parseModel, MODEL_FORMAT, MODEL_VERSION, type Model, type ModelFile } from './model.js';
import { parseSafetensors, toSafetensors } from './safetensors.js';
import { MODEL_RUNTIME, TRAIN_SCRIPT } from './pytorch-templates.js';

/**
 * The launch line the generated files document for several processes on one machine. Debian's
 * PyTorch 1.13 on Python 3.11 crashes in torchrun before any worker starts when --redirects/--tee
 * keep their default 0 (Python 3.11's IntFlag no longer lists the zero member that torch's parser
 * looks for, so the setting becomes None: "'NoneType' object has no attribute 'get'"); 1 (stdout)
 * is parsed correctly everywhere, and 3 is not (an alias flag, skipped in the same loop). So stdout
 * is redirected to a log under --log_dir and teed to the console, and stderr stays on the console.
 * --standalone picks a free port on localhost for the rendezvous, so two runs never collide.
 */
export const TORCHRUN = 'torchrun --standalone --nproc_per_node=2 --redirects 1 --tee 1 --log_dir torchrun-logs';

/** How each activation is written in PyTorch: a Python expression of the pre-activation z. */
const TORCH_ACTIVATIONS: { readonly [K in ActivationName]: (alpha: number) => string } = {
  linear: () => 'z',
  sigmoid: () => 'torch.sigmoid(z)',
  tanh: () => 'torch.tanh(z)',
  relu: () => 'torch.relu(z)',
  leakyRelu: (alpha) => `F.leaky_relu(z, negative_slope=${py(alpha)})`,
  softmax: () => 'torch.softmax(z, dim=-1)',
  step: () => '(z > 0).to(z.dtype)',
  softplus: () => 'F.softplus(z)',
  gelu: () => 'F.gelu(z)',
  elu: () => 'F.elu(z)',
  silu: () => 'F.silu(z)',
};

const pyPair = (v: PairSpec): string => (Array.isArray(v) ? `(${v[0]}, ${v[1]})` : String(v));
const pyPad = (v: PairSpec | 'same' | 'valid' | undefined): string => (v === undefined ? '0' : typeof v === 'string' ? `'${v}'` : pyPair(v));

/**
 * Each layer type as a torch.nn module (its parameters named as backprop names them, in the same
 * layouts) and the activation that follows it; typed over every layer type, so a new type without a
 * row fails the build. A string instead of a row: the reason export refuses that type.
 */
export const TORCH_LAYERS: { readonly [T in LayerTypeName]: ((l: ResolvedLayer<T>) => TorchLayer) | string } = {
  dense: ({ spec: l, input }) => ({ module: `nn.Linear(${input[0]}, ${l.units})`, activation: TORCH_ACTIVATIONS[l.activation ?? 'linear'](l.alpha ?? 0.01) }),
  conv2d: ({ spec: l, input }) => ({
    module: `nn.Conv2d(${input[0]}, ${l.filters}, ${pyPair(l.kernelSize)}, stride=${pyPair(l.stride ?? 1)}, padding=${pyPad(l.padding)}, dilation=${pyPair(l.dilation ?? 1)}, groups=${l.groups ?? 1})`,
    activation: TORCH_ACTIVATIONS[l.activation ?? 'linear'](l.alpha ?? 0.01),
  }),
  conv1d: ({ spec: l, input }) => ({
    module: `nn.Conv1d(${input[0]}, ${l.filters}, ${l.kernelSize}, stride=${l.stride ?? 1}, padding=${pyPad(l.padding)}, dilation=${l.dilation ?? 1}, groups=${l.groups ?? 1})`,
    activation: TORCH_ACTIVATIONS[l.activation ?? 'linear'](l.alpha ?? 0.01),
  }),
  maxPool2d: ({ spec: l }) => ({ module: `nn.MaxPool2d(${pyPair(l.poolSize)}, stride=${pyPair(l.stride ?? l.poolSize)}, padding=${pyPair(l.padding ?? 0)})`, activation: null }),
  avgPool2d: ({ spec: l }) => ({ module: `nn.AvgPool2d(${pyPair(l.poolSize)}, stride=${pyPair(l.stride ?? l.poolSize)}, padding=${pyPair(l.padding ?? 0)})`, activation: null }),
  globalAvgPool2d: () => ({ module: 'nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())', activation: null }),
  flatten: () => ({ module: 'nn.Flatten()', activation: null }),
  dropout: ({ spec: l }) => ({ module: `nn.Dropout(${py(l.rate)})`, activation: null }),
  // normalisation, embedding, attention
  batchNorm: ({ spec: l, input }) => ({ module: `nn.BatchNorm${input.length === 3 ? '2' : '1'}d(${input[0]}, eps=${py(l.eps ?? 1e-5)}, momentum=${py(l.momentum ?? 0.1)})`, activation: null }),
  layerNorm: ({ spec: l, input }) => ({ module: `nn.LayerNorm(${input[input.length - 1]}, eps=${py(l.eps ?? 1e-5)})`, activation: null }),
  embedding: ({ spec: l }) => ({ module: `IndexEmbedding(${l.vocabulary}, ${l.dim})`, activation: null, python: TORCH_EMBEDDING }),
  attention: ({ spec: l }) => ({ module: `SelfAttention(${l.dim}, ${l.heads}, causal=${l.causal ? 'True' : 'False'})`, activation: null, python: TORCH_ATTENTION }),
  /* issue 12, recurrent: */
  lstm: ({ spec: l, input }) => ({ module: `Recurrent('LSTM', ${input[1]}, ${l.units}, ${l.returnSequences ? 'True' : 'False'})`, activation: null, python: TORCH_RECURRENT }),
  gru: ({ spec: l, input }) => ({ module: `Recurrent('GRU', ${input[1]}, ${l.units}, ${l.returnSequences ? 'True' : 'False'})`, activation: null, python: TORCH_RECURRENT }),
  rnn: ({ spec: l, input }) => ({ module: `Recurrent('RNN', ${input[1]}, ${l.units}, ${l.returnSequences ? 'True' : 'False'}, nonlinearity='${l.nonlinearity ?? 'tanh'}')`, activation: null, python: TORCH_RECURRENT }),
};

/** A layer of model.py: the nn module, the activation after it, and a class it needs (written once before Model). */
export interface TorchLayer {
  module: string;
  activation: string | null;
  python?: string;
}

const TORCH_EMBEDDING = `class IndexEmbedding(nn.Embedding):
    """nn.Embedding on the float indices the inputs hold (whole numbers 0..vocabulary-1)."""

    def forward(self, x):
        return super().forward(x.long())`;

const TORCH_ATTENTION = `class SelfAttention(nn.MultiheadAttention):
    """Self-attention over [batch, time, dim] (query = key = value), the future masked when causal;
    forward(x) returns the attention output (parameter names are nn.MultiheadAttention's)."""

    def __init__(self, dim, heads, causal):
        super().__init__(dim, heads, batch_first=True)
        self.causal = causal

    def forward(self, x):
        t = x.shape[1]
        mask = torch.triu(torch.full((t, t), float('-inf'), dtype=x.dtype, device=x.device), diagonal=1) if self.causal else None
        return super().forward(x, x, x, attn_mask=mask, need_weights=False)[0]`;

/* issue 12, recurrent: */
/**
 * The Python class model.py gets when the network has a recurrent layer: nn.LSTM/GRU/RNN
 * (batch_first=True, one layer) whose parameters are named as backprop names them (weight_ih for
 * PyTorch's weight_ih_l0, …), so model.safetensors loads as written; it returns the last step's
 * hidden state, or every step's.
 */
const TORCH_RECURRENT = `class Recurrent(nn.Module):
    """nn.LSTM/GRU/RNN(batch_first=True), one layer, with backprop's parameter names: weight_ih,
    weight_hh, bias_ih, bias_hh are PyTorch's weight_ih_l0, ... (same layouts and gate order).
    Returns the last step's hidden state [batch, units], or every step's [batch, time, units]."""

    NAMES = ('weight_ih', 'weight_hh', 'bias_ih', 'bias_hh')

    def __init__(self, kind, inputs, units, return_sequences, **options):
        super().__init__()
        cell = getattr(nn, kind)(inputs, units, batch_first=True, **options)
        for name in self.NAMES:
            self.register_parameter(name, getattr(cell, name + '_l0'))
        self.return_sequences = return_sequences
        self._cell = [cell]  # in a list: not a submodule, so its parameters are listed once, under backprop's names

    def forward(self, x):
        cell = self._cell[0]
        cell._flat_weights = [getattr(self, name) for name in self.NAMES]  # the weights it runs with: ours
        y, _ = cell(x)
        return y if self.return_sequences else y[:, -1]`;

/** The torch modules of a network's layers, or the refusal naming the first type PyTorch export does not support. */
function torchLayers(net: Network): TorchLayer[] {
  return net.architecture.map((layer) => {
    const row = TORCH_LAYERS[layer.type];
    if (typeof row === 'string') throw new ValueError(`exportPytorch: layers[${layer.index}] is a ${layer.type} layer, which PyTorch export does not support: ${row}`);
    return (row as (l: ResolvedLayer) => TorchLayer)(layer);
  });
}

/** "784 → 128 relu → 10 softmax", or with layer types "[1, 28, 28] → conv2d 16 relu → maxPool2d → …". */
export function describeNetwork(net: Network, arrow = '→'): string {
  const head = net.inputShape.length > 1 ? `[${net.inputShape.join(', ')}]` : String(net.inputs);
  const parts = net.architecture.map((l) => {
    const act = (LAYER_TYPE_TABLE[l.type] as LayerTypeEntry<LayerSpec>).activation(l.spec);
    if (l.type === 'dense') return `${l.output[0]} ${act}`;
    const size = l.type === 'conv2d' || l.type === 'conv1d' ? ` ${l.output[0]}`
      : /* issue 12, recurrent: */ l.type === 'lstm' || l.type === 'gru' || l.type === 'rnn' ? ` ${l.output[l.output.length - 1]}` : '';
    return `${l.type}${size}${act && act !== 'linear' ? ` ${act}` : ''}`;
  });
  return [head, ...parts].join(` ${arrow} `);
}

/**
 * How each loss is written in PyTorch, as backprop computes it: `out` the network's outputs, or its
 * logits when `fused` (the stable form Network trains with), `t` the targets as make_targets gives them.
 */
const TORCH_LOSSES: { readonly [K in LossName]: { plain: string; fused?: string; sums: boolean } } = {
  mse: { plain: 'F.mse_loss(out, t)', sums: false },
  sse: { plain: "F.mse_loss(out, t, reduction='sum')", sums: true },
  mae: { plain: 'F.l1_loss(out, t)', sums: false },
  bce: {
    plain: `(lambda p: -(t * torch.log(p) + (1 - t) * torch.log(1 - p)).mean())(out.clamp(${py(BCE_EPSILON)}, 1 - ${py(BCE_EPSILON)}))`,
    fused: 'F.binary_cross_entropy_with_logits(out, t)',
    sums: false,
  },
  crossEntropy: { plain: 'F.cross_entropy(out, t)', fused: 'F.cross_entropy(out, t)', sums: false },
};

/** A number as Python source (repr-exact: JavaScript's shortest round-trip form is valid Python). */
function py(x: number): string {
  if (!Number.isFinite(x)) throw new ValueError(`exportPytorch: ${x} cannot be written as a Python number`);
  const s = String(x);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

/** A value as a Python literal, through JSON (json.loads of a string literal: exact for any text). */
function pyJson(value: unknown): string {
  return `json.loads(${JSON.stringify(JSON.stringify(value))})`;
}

/**
 * A JSON-able value as a Python literal: JSON's strings and arrays are Python's (its escapes are
 * Python escapes), objects become dicts, null/true/false become None/True/False.
 */
function pyLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : py(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(pyLiteral).join(', ')}]`;
  return `{${Object.entries(value as Record<string, unknown>).map(([k, v]) => `${JSON.stringify(k)}: ${pyLiteral(v)}`).join(', ')}}`;
}

export interface PytorchExport {
  /** File name → contents: model.safetensors, model.py, train.py, README.md. */
  files: Record<string, string | Uint8Array>;
  /** The settings train.py starts from (optimizer, learningRate, weightDecay, batchSize, epochs, seed). */
  training: TrainingSettings;
}

export interface TrainingSettings {
  optimizer: string;
  learningRate: number;
  weightDecay: number;
  batchSize: number | 'full';
  epochs: number;
  seed: number;
}

const DEFAULT_LR: Record<string, number> = { sgd: 0.1, momentum: 0.1, adam: 1e-3, adamw: 1e-3, rmsprop: 1e-2, adagrad: 1e-2 };

/** The training settings recorded by `backprop train` (metadata.network), or Network.learn's defaults. */
export function trainingSettings(model: Model): TrainingSettings {
  const m = (model.metadata?.network ?? {}) as Record<string, unknown>;
  const optimizer = typeof m.optimizer === 'string' && m.optimizer in DEFAULT_LR ? m.optimizer : 'sgd';
  const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const batch = m.batchSize === 'full' ? 'full' : num(m.batchSize) !== undefined && Number.isInteger(m.batchSize) && (m.batchSize as number) >= 1 ? (m.batchSize as number) : 32;
  const epochs = num(model.metadata?.epochs);
  return {
    optimizer,
    learningRate: num(m.learningRate) ?? DEFAULT_LR[optimizer],
    weightDecay: num(m.weightDecay) ?? (optimizer === 'adamw' ? 1e-2 : 0),
    batchSize: batch,
    epochs: epochs !== undefined && Number.isInteger(epochs) && epochs >= 1 ? epochs : 10,
    seed: num(m.seed) !== undefined && Number.isInteger(m.seed) ? (m.seed as number) : 0,
  };
}

/** The model file without weights: what the safetensors metadata carries so import needs no --spec. */
function architecture(model: Model): ModelFile {
  const spec = model.network.toJSON();
  // Every layer without its tensors (weights, bias, running statistics, …).
  const network: NetworkSpec = { ...spec, layers: spec.layers.map((l, i) => {
    const out = { ...l } as Record<string, unknown>;
    for (const t of model.network.architecture[i].tensors) delete out[t.field];
    return out as LayerSpec;
  }) };
  const file: ModelFile = { format: MODEL_FORMAT, version: model.network.isDense ? 1 : MODEL_VERSION, network };
  if (model.preprocessing) file.preprocessing = model.preprocessing;
  if (model.metadata) {
    const { history: _h, ...rest } = model.metadata;
    file.metadata = rest;
  }
  return file;
}

function features(pre: Preprocessor | undefined): string {
  if (!pre) return 'FEATURES = None  # no preprocessing: the network takes its inputs as they are\nTARGET = None';
  const lines = pre.features.map((f) => (f.kind === 'numeric'
    ? `    ('numeric', ${JSON.stringify(f.name)}, ${py(f.mean)}, ${py(f.std)}),`
    : `    ('categorical', ${JSON.stringify(f.name)}, ${pyLiteral(f.categories)}),`));
  return [
    '# The preprocessing, in encoding order: a numeric column becomes (value - mean) / std, a categorical',
    '# one becomes one input per category (one-hot), exactly as backprop train fitted it.',
    'FEATURES = [', ...lines, ']',
    `TARGET = ${pyLiteral(pre.target)}`,
  ].join('\n');
}

/** The generated model.py. */
function modelPy(model: Model, training: TrainingSettings): string {
  const net = model.network;
  const fused = net.usesFusedLoss;
  const loss = TORCH_LOSSES[net.loss];
  const torch = torchLayers(net);
  const layers = torch.map((t) => t.module);
  const hidden = torch.slice(0, -1).map((t, i) => (t.activation === null || t.activation === 'z'
    ? `        x = self.layers[${i}](x)`
    : `        z = self.layers[${i}](x)\n        x = ${t.activation}`));
  if (net.inputShape.length > 1) hidden.unshift('        x = x.view(-1, *INPUT_SHAPE)');
  const last = torch[torch.length - 1];
  const arch = describeNetwork(net, '->');
  const targets = LOSS_TABLE[net.loss].classIndexTargets
    ? '    return y.long()'
    : net.outputs === 1 || !model.preprocessing || model.preprocessing.target.kind === 'regress'
      ? '    return (y.view(-1, 1) if y.dim() == 1 else y).to(DTYPE)'
      : '    return F.one_hot(y.long(), OUTPUTS).to(DTYPE)';
  return `"""A backprop model as a PyTorch module (generated by backprop export --format pytorch).

Network: ${arch}; loss ${net.loss}${fused ? ` (trained on the logits, the stable fused form)` : ''}.
Parameter names match backprop's stateDict() names (layers.0.weight is [out, in]), so the weights in
model.safetensors load as they are:

    import model
    m = model.load()                       # model.safetensors beside this file
    header, rows = model.read_csv('new.csv')
    x, _, _ = model.encode_rows(header, rows, require_target=False)
    print(model.decode(m(x)))              # labels and probabilities, or values in the target's units
"""
import array
import csv
import ctypes
import gzip
import json
import math
import os
import re
import struct
import sys

import torch
import torch.nn.functional as F
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
DTYPE = torch.${net.dtype === 'float64' ? 'float64' : 'float32'}
INPUTS = ${net.inputs}
# One sample's shape: inputs arrive as rows of INPUTS values and are viewed as this before the layers.
INPUT_SHAPE = (${net.inputShape.join(', ')},)
OUTPUTS = ${net.outputs}
LOSS = ${JSON.stringify(net.loss)}
# A loss that sums over the batch instead of averaging (train.py scales it under DistributedDataParallel).
LOSS_SUMS = ${loss.sums ? 'True' : 'False'}
MISSING = set(${pyLiteral(MISSING_VALUES)})

${features(model.preprocessing)}

# The training settings backprop used (train.py's defaults).
TRAINING = ${pyLiteral(training)}

# The model file without its weights: written into the safetensors metadata, so 'backprop import'
# can rebuild the model file from the weights alone.
BACKPROP_MODEL = ${pyJson(architecture(model))}
${[...new Set(torch.flatMap((t) => (t.python ? [t.python] : [])))].map((c) => `\n\n${c}\n`).join('')}


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([${layers.join(', ')}])
        self.to(DTYPE)

    def logits(self, x):
        """The last layer's pre-activation outputs."""
${hidden.length ? `${hidden.join('\n')}\n` : ''}        return self.layers[${net.modules.length - 1}](x)

    def forward(self, x):
        z = self.logits(x)
        return ${last.activation ?? 'z'}


def make_targets(y):
    """Targets as the loss takes them, from class indices or standardised values (encode_rows)."""
${targets}


class TrainingLoss(nn.Module):
    """The batch loss exactly as backprop trains with it; wrapping the model keeps
    DistributedDataParallel's gradient hooks on the whole step."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x, t):
        out = self.model.${fused ? 'logits' : 'forward'}(x)
        return ${fused ? loss.fused : loss.plain}

${MODEL_RUNTIME}`;
}

function readmeMd(model: Model, training: TrainingSettings): string {
  const pre = model.preprocessing;
  const data = pre && model.metadata?.images ? '--images train-images.gz --labels train-labels.gz' : '--data train.csv';
  const net = model.network;
  return `# ${describeNetwork(net)} (exported by backprop)

- \`model.safetensors\`: the weights, named as in backprop (\`layers.0.weight\` is [out, in]).
- \`model.py\`: the network as a \`torch.nn.Module\`, the preprocessing${pre ? ' (standardisation, one-hot columns)' : ' (none: the network takes its inputs as they are)'}, the loss (${net.loss}) and a safetensors reader that needs only Python and torch.
- \`train.py\`: continues training with ${training.optimizer} (learning rate ${training.learningRate}, weight decay ${training.weightDecay}), ${training.batchSize} rows per update, seed ${training.seed}.

Train on one process:

    python3 train.py ${data} --epochs ${training.epochs}

Train on 2 processes of this machine with DistributedDataParallel (gloo on CPU, nccl on GPUs):

    ${TORCHRUN} train.py ${data} --epochs ${training.epochs}

\`--redirects 1 --tee 1 --log_dir …\` are there because Debian's torchrun (PyTorch 1.13 on Python 3.11)
crashes with its defaults before starting any worker; worker output is also kept under torchrun-logs/.
For several machines use torchrun's own --nnodes/--node_rank/--rdzv_endpoint instead of --standalone.

train.py replaces model.safetensors (atomically) with the trained weights. Bring them back:

    backprop import model.safetensors --out trained.json

The optimizer state (momentum, Adam's moments) is not exported: it starts from zero in PyTorch.
`;
}

/**
 * The files of a PyTorch export. `modelName` is only used in messages.
 * @example const { files } = exportPytorch(await loadModel('model.json')); // files['model.py'], …
 */
export function exportPytorch(model: Model | Network): PytorchExport {
  const m: Model = model instanceof Network ? { network: model } : model;
  if (!(m.network instanceof Network)) throw new ValueError('exportPytorch: expected a Network or a loaded model file');
  for (const l of m.network.architecture) {
    const act = (LAYER_TYPE_TABLE[l.type] as LayerTypeEntry<LayerSpec>).activation(l.spec);
    if (act !== null && !Object.prototype.hasOwnProperty.call(TORCH_ACTIVATIONS, act)) throw new ValueError(`exportPytorch: activation '${act}' has no PyTorch counterpart`);
  }
  if (!Object.prototype.hasOwnProperty.call(TORCH_LOSSES, m.network.loss)) throw new ValueError(`exportPytorch: loss '${m.network.loss}' has no PyTorch counterpart`);
  const training = trainingSettings(m);
  const weights = toSafetensors(m.network, { metadata: { format: 'pt', backprop: JSON.stringify(architecture(m)) } });
  return {
    training,
    files: {
      'model.safetensors': weights,
      'model.py': modelPy(m, training),
      'train.py': TRAIN_SCRIPT.replace('@@LAUNCH@@', TORCHRUN),
      'README.md': readmeMd(m, training),
    },
  };
}

/**
 * Weights from a safetensors file put into a model: `spec` gives the architecture (a model file or
 * network spec); without it, the 'backprop' metadata an export wrote is used. Names and shapes must
 * match exactly; values must be finite. Returns a model file's contents (network, preprocessing,
 * metadata), validated as parseModel validates any model file.
 * @example const trained = importSafetensors(bytes, 'model.safetensors', await loadModel('model.json'))
 */
export function importSafetensors(bytes: Uint8Array, source: string, spec?: Model): Model {
  const { tensors, metadata } = parseSafetensors(bytes, source);
  let base: ModelFile;
  if (spec) {
    base = architecture(spec);
  } else {
    if (metadata.backprop === undefined) {
      throw new DataError(`${source}: the file has no 'backprop' metadata (it was not written by a backprop export or its train.py); give --spec model.json, the model it came from`);
    }
    let raw: unknown;
    try { raw = JSON.parse(metadata.backprop); } catch { throw new DataError(`${source}: the 'backprop' metadata is not valid JSON; give --spec model.json`); }
    if (raw === null || typeof raw !== 'object' || (raw as ModelFile).format !== MODEL_FORMAT || !(raw as ModelFile).network || !Array.isArray((raw as ModelFile).network.layers)) {
      throw new DataError(`${source}: the 'backprop' metadata is not a backprop model description; give --spec model.json`);
    }
    base = raw as ModelFile;
  }
  const layers = base.network.layers;
  const expected = new Map<string, readonly number[]>();
  let resolved: ResolvedLayer[];
  try { resolved = resolveLayers(base.network); } catch (err) { throw new DataError(`${source}: ${(err as Error).message}`); }
  for (const l of resolved) for (const t of l.tensors) expected.set(`layers.${l.index}.${t.key}`, t.shape);
  const unexpected = Object.keys(tensors).filter((k) => !expected.has(k));
  if (unexpected.length) throw new DataError(`${source}: tensor '${unexpected[0]}' is not in the model (its tensors: ${[...expected.keys()].join(', ')}); is this the right --spec?`);
  for (const [name, shape] of expected) {
    const t = tensors[name];
    if (!t) throw new DataError(`${source}: no tensor '${name}' (the model has ${expected.size}: ${[...expected.keys()].join(', ')}); is this the right --spec?`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new DataError(`${source}: tensor '${name}' has shape [${t.shape.join(', ')}], the model expects [${shape.join(', ')}]; is this the right --spec?`);
    }
    const data = t.data;
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) throw new DataError(`${source}: tensor '${name}' holds ${data[i]} at element ${i}; training diverged (lower the learning rate)`);
    }
  }
  const network: NetworkSpec = {
    ...base.network,
    layers: layers.map((l, i) => {
      const out = { ...l } as Record<string, unknown>;
      for (const t of resolved[i].tensors) {
        const data = tensors[`layers.${i}.${t.key}`].data, rows = t.shape[0], cols = data.length / rows;
        out[t.field] = t.shape.length === 0 ? data[0] : t.shape.length === 1 ? Array.from(data) : Array.from({ length: rows }, (_, j) => Array.from(data.subarray(j * cols, (j + 1) * cols)));
      }
      return out as LayerSpec;
    }),
  };
  const file: ModelFile = { ...base, network };
  let pytorch: unknown;
  if (metadata.backprop !== undefined) {
    try { pytorch = (JSON.parse(metadata.backprop) as ModelFile).metadata?.pytorch; } catch { /* reported above when it mattered */ }
  }
  if (pytorch !== undefined) file.metadata = { ...(file.metadata ?? {}), pytorch };
  return parseModel(JSON.stringify(file), source);
}
