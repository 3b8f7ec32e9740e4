// PyTorch export of the spec's layer types: model.py builds nn.Conv2d/Conv1d/MaxPool2d/AvgPool2d/
// Flatten/Dropout with backprop's parameter names, loads model.safetensors as it is, and computes
// what backprop computes (to 1e-5) under Debian's python3-torch; import of the weights round-trips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Network, tensor, type NetworkSpec } from '../../src/index.js';
import { exportPytorch, importSafetensors } from '../../src/io/pytorch.js';
import { fromSafetensors } from '../../src/io/safetensors.js';
import { runPython, skipWithoutTorch } from './torch.js';

const SPECS: NetworkSpec[] = [
  { inputs: [2, 7, 6], loss: 'crossEntropy', layers: [
    { type: 'conv2d', filters: 4, kernelSize: [2, 3], padding: 'same', activation: 'relu' },
    { type: 'maxPool2d', poolSize: 2 }, { type: 'flatten' }, { type: 'dropout', rate: 0.3 }, { units: 3, activation: 'softmax' },
  ] },
  { inputs: [4, 9, 9], loss: 'mse', layers: [
    { type: 'conv2d', filters: 6, kernelSize: 3, stride: [2, 1], padding: [1, 2], dilation: [1, 2], groups: 2, activation: 'leakyRelu', alpha: 0.2 },
    { type: 'avgPool2d', poolSize: 2, stride: 1, padding: 1 }, { type: 'maxPool2d', poolSize: [2, 3], stride: [1, 2], padding: [1, 1] },
    { type: 'globalAvgPool2d' }, { units: 2, activation: 'sigmoid' },
  ] },
  { inputs: [3, 12], loss: 'mse', layers: [
    { type: 'conv1d', filters: 5, kernelSize: 4, padding: 'same', activation: 'tanh' },
    { type: 'conv1d', filters: 2, kernelSize: 3, stride: 2, dilation: 2, padding: 1 }, { type: 'flatten' }, { units: 4 },
  ] },
];

/* normalisation, embedding, attention (trained a little first, so the running statistics are not their initial values) */
const NORM_SPECS: NetworkSpec[] = [
  { inputs: [2, 4, 5], loss: 'mse', layers: [
    { type: 'batchNorm', momentum: 0.3 }, { type: 'conv2d', filters: 3, kernelSize: [1, 5], activation: 'relu' }, { type: 'flatten' },
    { type: 'batchNorm', eps: 1e-3 }, { units: 3 },
  ] },
  { inputs: [5, 6], loss: 'mse', layers: [
    { type: 'batchNorm' }, { type: 'layerNorm', eps: 1e-4 }, { type: 'attention', heads: 3, dim: 6 }, { type: 'flatten' }, { units: 2 },
  ] },
  { inputs: [12], loss: 'crossEntropy', layers: [
    { type: 'embedding', vocabulary: 20, dim: 16 }, { type: 'attention', heads: 2, dim: 16, causal: true }, { type: 'layerNorm' },
    { type: 'flatten' }, { units: 4, activation: 'softmax' },
  ] },
];
const TRAINED = SPECS.length;
SPECS.push(...NORM_SPECS);
const isNorm = (i: number): boolean => NORM_SPECS.includes(SPECS[i]);

const indices = (r: number[][]): number[][] => r.map((row) => row.map((v) => Math.floor(((v + 2) / 4) * 20)));
function inputsFor(net: Network, i: number, n: number, seed: number): number[][] {
  const x = rows(n, net.inputs, seed);
  return net.architecture[0].type === 'embedding' ? indices(x) : x;
}
function trainALittle(net: Network, i: number): void {
  const x = inputsFor(net, i, 12, 40 + i);
  net.learn(x, x.map((_, k) => (net.loss === 'crossEntropy' ? k % net.outputs : Array.from({ length: net.outputs }, (_, j) => Math.sin(k + j)))) as never, { epochs: 3, batchSize: 4, learningRate: 0.05, seed: 2 });
}

/* issue 12, recurrent: nn.LSTM/GRU/RNN(batch_first=True) wrapped with backprop's parameter names. */
const RECURRENT_SPECS: NetworkSpec[] = [
  { inputs: [6, 3], loss: 'crossEntropy', layers: [{ type: 'lstm', units: 5 }, { units: 3, activation: 'softmax' }] },
  { inputs: [5, 4], loss: 'mse', layers: [
    { type: 'gru', units: 3, returnSequences: true }, { type: 'rnn', units: 4, nonlinearity: 'relu', returnSequences: true },
    { type: 'lstm', units: 2, returnSequences: true }, { type: 'flatten' }, { units: 2 },
  ] },
  { inputs: [4, 2], loss: 'bce', layers: [{ type: 'rnn', units: 3 }, { units: 1, activation: 'sigmoid' }] },
];
SPECS.push(...RECURRENT_SPECS);

const DRIVER = String.raw`
import importlib.util, json, sys, torch
out = []
for folder, x in json.loads(sys.argv[1]):
    spec = importlib.util.spec_from_file_location('model_' + str(len(out)), folder + '/model.py')
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    m = mod.load().eval()
    with torch.no_grad():
        o = m(torch.tensor(x, dtype=mod.DTYPE))
    out.append({'out': o.double().flatten().tolist(), 'names': [k for k, _ in m.named_parameters()]})
print(json.dumps(out))
`;

function rows(n: number, d: number, seed: number): number[][] {
  let s = seed;
  return Array.from({ length: n }, () => Array.from({ length: d }, () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 4 - 2));
}

test('model.py of conv/pool/flatten/dropout/batchNorm/layerNorm/embedding/attention networks computes what backprop computes (to 1e-5)', { skip: skipWithoutTorch() }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bp-torch-layers-'));
  const nets = SPECS.map((spec, i) => new Network({ ...spec, seed: 20 + i }));
  nets.forEach((net, i) => { if (isNorm(i)) trainALittle(net, i); });
  const inputs = nets.map((net, i) => (isNorm(i) ? inputsFor(net, i, 3, i + 1) : rows(3, net.inputs, i + 1)));
  const payload: [string, number[][]][] = nets.map((net, i) => {
    const folder = join(dir, `net${i}`);
    writeFiles(folder, exportPytorch(net).files);
    return [folder, inputs[i]];
  });
  const r = runPython(['-c', DRIVER, JSON.stringify(payload)]);
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout) as { out: number[]; names: string[] }[];
  nets.forEach((net, i) => {
    assert.deepEqual(got[i].names, net.namedParameters().map(([n]) => n), `net ${i}: parameter names`);
    const expected = net.predict(inputs[i]).flat();
    assert.equal(got[i].out.length, expected.length);
    for (let k = 0; k < expected.length; k++) {
      assert.ok(Math.abs(got[i].out[k] - expected[k]) <= 1e-5 * Math.max(1, Math.abs(expected[k])), `net ${i} output ${k}: torch ${got[i].out[k]} vs backprop ${expected[k]}`);
    }
  });
});

test('the safetensors of batchNorm/layerNorm/embedding/attention networks hold the buffers and import back into the same network', () => {
  for (let i = TRAINED; i < TRAINED + NORM_SPECS.length; i++) {
    const net = new Network({ ...SPECS[i], seed: 7 });
    trainALittle(net, i);
    const bytes = exportPytorch(net).files['model.safetensors'] as Uint8Array;
    const names = Object.keys(fromSafetensors(bytes));
    assert.deepEqual(names, net.namedTensors().map(([n]) => n));
    if (i === TRAINED) assert.deepEqual(names.slice(0, 5), ['layers.0.weight', 'layers.0.bias', 'layers.0.running_mean', 'layers.0.running_var', 'layers.0.num_batches_tracked']);
    const back = importSafetensors(bytes, 'model.safetensors').network;
    assert.deepEqual(back.toJSON(), net.toJSON());
    const x = inputsFor(net, i, 4, 3);
    assert.deepEqual(back.predict(x), net.predict(x));
  }
});

test('a safetensors file PyTorch wrote (num_batches_tracked as I64) imports into a batchNorm network', { skip: skipWithoutTorch() }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bp-torch-bn-'));
  const net = new Network({ ...SPECS[TRAINED], seed: 8 });
  trainALittle(net, TRAINED);
  writeFiles(dir, exportPytorch(net).files);
  // torch's own writer: the state dict as it is (num_batches_tracked int64), with a hand-made header.
  const script = String.raw`
import json, struct, sys, torch
sys.path.insert(0, sys.argv[1])
import model
m = model.load()
with torch.no_grad():
    m.layers[0].running_mean.add_(0.25)
    m.layers[0].num_batches_tracked.fill_(1234567)
sd = m.state_dict()
header, blobs, off = {}, [], 0
for k, t in sd.items():
    t = t.contiguous()
    b = t.numpy().tobytes()
    header[k] = {'dtype': {torch.float32: 'F32', torch.int64: 'I64'}[t.dtype], 'shape': list(t.shape), 'data_offsets': [off, off + len(b)]}
    blobs.append(b); off += len(b)
h = json.dumps(header).encode(); h += b' ' * (-len(h) % 8)
open(sys.argv[1] + '/torch.safetensors', 'wb').write(struct.pack('<Q', len(h)) + h + b''.join(blobs))
x = torch.tensor(json.loads(sys.argv[2]), dtype=model.DTYPE)
print(json.dumps({'dtype': str(sd['layers.0.num_batches_tracked'].dtype), 'out': m.eval()(x).detach().double().flatten().tolist()}))
`;
  const x = inputsFor(net, TRAINED, 3, 5);
  const r = runPython(['-c', script, dir, JSON.stringify(x)]);
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout) as { dtype: string; out: number[] };
  assert.equal(got.dtype, 'torch.int64');
  const bytes = new Uint8Array(readFileSync(join(dir, 'torch.safetensors')));
  const back = importSafetensors(bytes, 'torch.safetensors', { network: net }).network;
  assert.equal((back.toJSON().layers[0] as { numBatchesTracked: number }).numBatchesTracked, 1234567);
  const expected = back.predict(x).flat();
  expected.forEach((v, k) => assert.ok(Math.abs(got.out[k] - v) <= 1e-5 * Math.max(1, Math.abs(v)), `output ${k}: torch ${got.out[k]} vs backprop ${v}`));
});

test('the safetensors of a conv network import back into the same network (architecture from its metadata)', () => {
  const net = new Network({ ...SPECS[0], seed: 5 });
  const { files } = exportPytorch(net);
  const back = importSafetensors(files['model.safetensors'] as Uint8Array, 'model.safetensors').network;
  assert.deepEqual(back.toJSON(), net.toJSON());
});

function writeFiles(folder: string, files: Record<string, string | Uint8Array>): void {
  mkdirSync(folder, { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(join(folder, name), content);
}

/* issue 12, recurrent: one backward pass in torch (TrainingLoss, the loss as backprop trains) equals backprop's. */
const GRAD_DRIVER = String.raw`
import importlib.util, json, sys, torch
out = []
for folder, x, y in json.loads(sys.argv[1]):
    spec = importlib.util.spec_from_file_location('model_g' + str(len(out)), folder + '/model.py')
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    m = mod.load()
    loss = mod.TrainingLoss(m)(torch.tensor(x, dtype=mod.DTYPE), mod.make_targets(torch.tensor(y, dtype=mod.DTYPE)))
    loss.backward()
    out.append({'loss': loss.item(), 'grads': {k: p.grad.double().flatten().tolist() for k, p in m.named_parameters()}})
print(json.dumps(out))
`;

test('recurrent networks: model.py loads the safetensors as written and its backward pass equals backprop\'s (to 1e-5)', { skip: skipWithoutTorch() }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bp-torch-rnn-'));
  const nets = RECURRENT_SPECS.map((spec, i) => new Network({ ...spec, seed: 40 + i }));
  const inputs = nets.map((net, i) => rows(4, net.inputs, i + 7));
  const targets = nets.map((net, i) => (net.loss === 'crossEntropy' ? [0, 2, 1, 2] : rows(4, net.outputs, i + 9).map((r) => r.map((v) => (net.loss === 'bce' ? (v > 0 ? 1 : 0) : v)))));
  const payload = nets.map((net, i) => {
    const folder = join(dir, `net${i}`);
    writeFiles(folder, exportPytorch(net).files);
    return [folder, inputs[i], targets[i]];
  });
  const r = runPython(['-c', GRAD_DRIVER, JSON.stringify(payload)]);
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout) as { loss: number; grads: Record<string, number[]> }[];
  nets.forEach((net, i) => {
    const x = tensor(inputs[i]);
    const y = net.loss === 'crossEntropy' ? tensor(targets[i] as number[]) : tensor(targets[i] as number[][]);
    for (const p of net.parameters()) p.grad = null;
    const loss = net.trainingLoss(x, y);
    loss.backward();
    assert.ok(Math.abs(got[i].loss - loss.item()) <= 1e-5, `net ${i}: loss torch ${got[i].loss} vs backprop ${loss.item()}`);
    assert.deepEqual(Object.keys(got[i].grads), net.namedParameters().map(([n]) => n), `net ${i}: parameter names`);
    for (const [name, p] of net.namedParameters()) {
      const g = got[i].grads[name];
      const mine = p.grad ? Array.from(p.grad.data) : new Array<number>(p.size).fill(0);
      assert.equal(g.length, mine.length, `${name}: size`);
      for (let k = 0; k < g.length; k++) assert.ok(Math.abs(g[k] - mine[k]) <= 1e-5 * Math.max(1, Math.abs(g[k])), `net ${i} ${name}[${k}]: torch ${g[k]} vs backprop ${mine[k]}`);
    }
  });
});

test('the safetensors of a recurrent network import back into the same network', () => {
  const net = new Network({ ...RECURRENT_SPECS[1], seed: 6 });
  const { files } = exportPytorch(net);
  const back = importSafetensors(files['model.safetensors'] as Uint8Array, 'model.safetensors').network;
  assert.deepEqual(back.toJSON(), net.toJSON());
});
