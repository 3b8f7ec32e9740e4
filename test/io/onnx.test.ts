// exportOnnx through the real engine: onnxruntime-web (its WebAssembly build, in Node) gives the same
// numbers as backprop for every activation, and for a trained CSV model with standardised and
// categorical columns it gives what predict gives, from the raw values. Also: metadata and errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname } from 'node:path';
import * as ort from 'onnxruntime-web';
import { Network, ValueError, parseCsv, fitPreprocessor, applyPreprocessor, type ActivationName, type Preprocessor } from '../../src/index.js';
import { exportOnnx, inspectOnnx } from '../../src/io/onnx/export.js';
import { predictRows } from '../../src/cli/tabular.js';

// Load the runtime's .wasm from node_modules, one thread: no network, no worker threads.
ort.env.wasm.numThreads = 1;
ort.env.wasm.wasmPaths = `${dirname(import.meta.resolve('onnxruntime-web'))}/`;

type Feeds = Record<string, ort.Tensor>;
async function runOnnx(bytes: Uint8Array, feeds: Feeds): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    assert.ok(d <= tol * Math.max(1, Math.abs(expected[i])), `${what}[${i}]: onnxruntime ${actual[i]} vs backprop ${expected[i]} (diff ${d})`);
  }
}

const SEEDED_ROWS = (n: number, d: number, seed: number): number[][] => {
  let s = seed;
  const r = (): number => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 4 - 2;
  return Array.from({ length: n }, () => Array.from({ length: d }, r));
};

const ACTS: { act: ActivationName; alpha?: number }[] = [
  { act: 'linear' }, { act: 'sigmoid' }, { act: 'tanh' }, { act: 'relu' }, { act: 'leakyRelu', alpha: 0.2 }, { act: 'softmax' }, { act: 'step' },
  { act: 'softplus' }, { act: 'gelu' }, { act: 'elu' }, { act: 'silu' },
];

for (const { act, alpha } of ACTS) {
  test(`a network with ${act} layers: onnxruntime-web equals backprop to 1e-5`, async () => {
    const net = new Network({
      inputs: 5,
      layers: [{ units: 7, activation: act, alpha }, { units: 6, activation: act === 'softmax' ? 'tanh' : act, alpha }, { units: 3, activation: act, alpha }],
      init: 'normal',
      seed: 11,
    });
    const x = SEEDED_ROWS(9, 5, 3);
    const expected = net.predict(x).flat();
    const out = await runOnnx(exportOnnx(net), { input: new ort.Tensor('float32', Float32Array.from(x.flat()), [9, 5]) });
    assert.deepEqual(out.output.dims, [9, 3]);
    assertClose(out.output.data as Float32Array, expected, 1e-5, act);
    if (act === 'step') assert.ok(expected.some((v) => v === 1) && expected.some((v) => v === 0));
  });
}

test('the batch dimension is symbolic: one model runs 1 row and 100 rows', async () => {
  const net = new Network({ inputs: 2, layers: [{ units: 3, activation: 'relu' }, { units: 1 }], seed: 2 });
  const bytes = exportOnnx(net);
  const summary = inspectOnnx(bytes);
  assert.deepEqual(summary.inputs, [{ name: 'input', elemType: 1, shape: ['batch', 2] }]);
  assert.deepEqual(summary.outputs, [{ name: 'output', elemType: 1, shape: ['batch', 1] }]);
  assert.equal(summary.opset, 13);
  assert.equal(summary.producer, 'backprop');
  assert.deepEqual(summary.ops, ['Gemm', 'Relu', 'Gemm', 'Identity']);
  for (const n of [1, 100]) {
    const x = SEEDED_ROWS(n, 2, n);
    const out = await runOnnx(bytes, { input: new ort.Tensor('float32', Float32Array.from(x.flat()), [n, 2]) });
    assertClose(out.output.data as Float32Array, net.predict(x).flat(), 1e-5, `${n} rows`);
  }
});

// A small table with interleaved numeric and categorical columns of different scales.
const CSV = [
  'age,colour,income,size,kind',
  '23,red,31000,1.5,small',
  '35,blue,52000,2.25,large',
  '47,green,61000,0.75,small',
  '52,red,88000,3.5,large',
  '29,green,40000,1.25,medium',
  '61,blue,97000,2.75,large',
  '38,red,45000,1.75,medium',
  '44,green,70000,2.5,medium',
].join('\n');

function trainedTabular(task: 'classify' | 'regress', target: string, outAct: ActivationName, loss: 'crossEntropy' | 'bce' | 'mse', units: number): { net: Network; pre: Preprocessor } {
  const table = parseCsv(CSV, { source: 'train.csv' });
  const pre = fitPreprocessor(table, { target, task });
  const enc = applyPreprocessor(pre, table);
  const net = new Network({ inputs: enc.inputShape[1], layers: [{ units: 6, activation: 'tanh' }, { units, activation: outAct }], loss, seed: 4 });
  const rows = Array.from({ length: enc.inputShape[0] }, (_, i) => Array.from(enc.inputs.subarray(i * enc.inputShape[1], (i + 1) * enc.inputShape[1])));
  const targets = loss === 'crossEntropy' ? Array.from(enc.targets!) : Array.from(enc.targets!, (t) => [t]);
  net.learn(rows, targets, { epochs: 30, optimizer: 'adam', learningRate: 0.05 });
  return { net, pre };
}

/** The raw CSV rows as the exported model's feeds: numeric columns in one float tensor, one string tensor per categorical column. */
function rawFeeds(pre: Preprocessor, csv: string): Feeds {
  const table = parseCsv(csv, { source: 'new.csv' });
  const n = table.rows.length;
  const numeric = pre.features.filter((f) => f.kind === 'numeric');
  const feeds: Feeds = {};
  if (numeric.length > 0) {
    const data = new Float32Array(n * numeric.length);
    table.rows.forEach((row, i) => numeric.forEach((f, j) => { data[i * numeric.length + j] = Number(row[table.columns.indexOf(f.name)]); }));
    feeds.input = new ort.Tensor('float32', data, [n, numeric.length]);
  }
  for (const f of pre.features) {
    if (f.kind === 'categorical') feeds[f.name] = new ort.Tensor('string', table.rows.map((row) => row[table.columns.indexOf(f.name)]), [n, 1]);
  }
  return feeds;
}

const NEW_ROWS = ['age,colour,income,size', '30,blue,42000,1.0', '58,red,91000,3.25', '41,green,66000,2.0', '26,green,35000,0.5'].join('\n');

function predicted(net: Network, pre: Preprocessor, csv: string): ReturnType<typeof predictRows> {
  const table = parseCsv(csv, { source: 'new.csv' });
  const enc = applyPreprocessor(pre, table, { requireTarget: false });
  return predictRows(net, pre, { inputs: enc.inputs, n: enc.inputShape[0], width: enc.inputShape[1], source: 'new.csv', droppedLines: [] });
}

test('a softmax classifier with standardised and one-hot columns takes raw values and gives predict\'s probabilities and labels', async () => {
  const { net, pre } = trainedTabular('classify', 'kind', 'softmax', 'crossEntropy', 3);
  const bytes = exportOnnx({ network: net, preprocessing: pre, metadata: { epochs: 30 } });
  const summary = inspectOnnx(bytes);
  assert.equal(summary.opset, 19);
  assert.deepEqual(summary.inputs.map((i) => [i.name, i.shape]), [['input', ['batch', 3]], ['colour', ['batch', 1]]]);
  assert.deepEqual(summary.outputs.map((o) => o.name), ['probabilities', 'label']);
  assert.deepEqual(JSON.parse(summary.metadata.labels), ['large', 'medium', 'small']);
  assert.equal(summary.metadata.target, 'kind');
  assert.deepEqual(JSON.parse(summary.metadata.inputs)[0].columns, ['age', 'income', 'size']);
  assert.deepEqual(JSON.parse(summary.metadata.inputs)[1].categories, ['blue', 'green', 'red']);
  assert.deepEqual(JSON.parse(summary.metadata.preprocessing), pre);
  assert.deepEqual(JSON.parse(summary.metadata.training), { epochs: 30 });

  const out = await runOnnx(bytes, rawFeeds(pre, NEW_ROWS));
  const want = predicted(net, pre, NEW_ROWS);
  assertClose(out.probabilities.data as Float32Array, want.probabilities!, 1e-5, 'probabilities');
  assert.deepEqual(out.label.data, Array.from(want.classes!, (c) => ['large', 'medium', 'small'][c]));
});

test('a two-class model with one sigmoid output reports [1 - p, p] as predict does', async () => {
  const csv2 = CSV.replace(/medium/g, 'small');
  const table = parseCsv(csv2, { source: 'train.csv' });
  const pre = fitPreprocessor(table, { target: 'kind' });
  const enc = applyPreprocessor(pre, table);
  const net = new Network({ inputs: enc.inputShape[1], layers: [{ units: 1, activation: 'sigmoid' }], loss: 'bce', seed: 1 });
  net.learn(Array.from({ length: enc.inputShape[0] }, (_, i) => Array.from(enc.inputs.subarray(i * 6, i * 6 + 6))), Array.from(enc.targets!, (t) => [t]), { epochs: 20, learningRate: 0.5 });
  const out = await runOnnx(exportOnnx(net, { preprocessing: pre }), rawFeeds(pre, NEW_ROWS));
  const want = predicted(net, pre, NEW_ROWS);
  assert.deepEqual(out.probabilities.dims, [4, 2]);
  assertClose(out.probabilities.data as Float32Array, want.probabilities!, 1e-5, 'probabilities');
  assert.deepEqual(out.label.data, Array.from(want.classes!, (c) => pre.target.kind === 'classify' ? pre.target.labels[c] : ''));
});

test('a regressor gives values in the target\'s original units, as predict does', async () => {
  const { net, pre } = trainedTabular('regress', 'income', 'linear', 'mse', 1);
  const rows = ['age,colour,size,kind', '30,blue,1.0,small', '58,red,3.25,large', '41,green,2.0,medium'].join('\n');
  const out = await runOnnx(exportOnnx(net, { preprocessing: pre }), rawFeeds(pre, rows));
  const want = predicted(net, pre, rows);
  assert.deepEqual(out.value.dims, [3, 1]);
  // float32 in the graph against float64 in predict: relative 1e-6 of values in the tens of thousands
  assertClose(out.value.data as Float32Array, want.values!, 1e-6, 'value');
  assert.ok(want.values!.every((v) => v > 10000), 'the values are in original units (tens of thousands)');
});

test('what cannot be exported says so', () => {
  const net = new Network({ inputs: 2, layers: [{ units: 2 }], seed: 1 });
  assert.throws(() => exportOnnx(net, { opset: 12 } as never), (e: Error) => e instanceof ValueError && /unknown option 'opset'/.test(e.message));
  assert.throws(() => exportOnnx({} as never), (e: Error) => e instanceof ValueError && /expected a Network/.test(e.message));
  const pre = fitPreprocessor(parseCsv('a,b,y\n1,2,x\n3,4,z\n'), { target: 'y' });
  assert.throws(() => exportOnnx(new Network({ inputs: 3, layers: [{ units: 2 }] }), { preprocessing: pre }), /preprocessing encodes 2 inputs but the network takes 3/);
  assert.throws(() => exportOnnx(new Network({ inputs: 2, layers: [{ units: 3 }] }), { preprocessing: pre }), /network has 3 outputs but the target has 2 classes/);
});

test('categorical columns become ONNX inputs with identifier names; a taken name gets a suffix', async () => {
  const pre = fitPreprocessor(parseCsv('label,petal colour,2nd,y\nq,dark red,a,x\nr,blue,b,z\n'), { target: 'y' });
  const net = new Network({ inputs: 6, layers: [{ units: 2, activation: 'softmax' }], seed: 3 });
  const bytes = exportOnnx(net, { preprocessing: pre });
  const inputs = JSON.parse(inspectOnnx(bytes).metadata.inputs);
  assert.deepEqual(inputs.map((i: { name: string; columns: string[] }) => [i.name, i.columns]), [['label_1', ['label']], ['petal_colour', ['petal colour']], ['_2nd', ['2nd']]]);
  const out = await runOnnx(bytes, {
    label_1: new ort.Tensor('string', ['r'], [1, 1]), petal_colour: new ort.Tensor('string', ['dark red'], [1, 1]), _2nd: new ort.Tensor('string', ['a'], [1, 1]),
  });
  assertClose(out.probabilities.data as Float32Array, net.predict([[0, 1, 0, 1, 1, 0]]).flat(), 1e-5, 'probabilities');
});

test('a float64 network exports as float32 and still agrees to 1e-5', async () => {
  const net = new Network({ inputs: 3, layers: [{ units: 4, activation: 'tanh' }, { units: 2, activation: 'sigmoid' }], dtype: 'float64', seed: 8 });
  const x = SEEDED_ROWS(5, 3, 1);
  const out = await runOnnx(exportOnnx(net), { input: new ort.Tensor('float32', Float32Array.from(x.flat()), [5, 3]) });
  assertClose(out.output.data as Float32Array, net.predict(x).flat(), 1e-5, 'float64');
});

// -- layer types (issue 12): every type through onnxruntime-web, equal to backprop to 1e-5 --
/** Whole-number indices 0..vocabulary−1, for networks that start with an embedding. */
const INDEX_ROWS = (n: number, d: number, vocabulary: number, seed: number): number[][] => SEEDED_ROWS(n, d, seed).map((r) => r.map((v) => Math.floor(((v + 2) / 4) * vocabulary)));

/** A few training steps, so running statistics, scales and biases are not their initial values. */
const TRAIN_A_LITTLE = (net: Network, rows: number[][]): void => {
  net.learn(rows, rows.map((_, i) => (net.loss === 'crossEntropy' ? i % net.outputs : Array.from({ length: net.outputs }, (_, k) => Math.sin(i + k)))) as never, { epochs: 3, batchSize: 4, learningRate: 0.05, seed: 2 });
};

const LAYER_NETS: { name: string; spec: import('../../src/index.js').NetworkSpec; ops: string[]; rows?: (n: number, d: number) => number[][]; prepare?: (net: Network, rows: number[][]) => void }[] = [
  {
    name: 'conv2d same (even kernel) + maxPool2d + flatten + dropout + dense softmax',
    spec: { inputs: [2, 7, 6], layers: [
      { type: 'conv2d', filters: 4, kernelSize: [2, 3], padding: 'same', activation: 'relu' },
      { type: 'maxPool2d', poolSize: 2 }, { type: 'flatten' }, { type: 'dropout', rate: 0.3 }, { units: 3, activation: 'softmax' },
    ] },
    ops: ['Reshape', 'Conv', 'Relu', 'MaxPool', 'Flatten', 'Gemm', 'Softmax', 'Identity'],
  },
  {
    name: 'conv2d stride, padding, dilation, groups + avgPool2d (padded) + globalAvgPool2d',
    spec: { inputs: [4, 9, 9], layers: [
      { type: 'conv2d', filters: 6, kernelSize: 3, stride: [2, 1], padding: [1, 2], dilation: [1, 2], groups: 2, activation: 'tanh' },
      { type: 'avgPool2d', poolSize: 2, stride: 1, padding: 1 }, { type: 'maxPool2d', poolSize: [2, 3], stride: [1, 2], padding: [1, 1] },
      { type: 'globalAvgPool2d' }, { units: 2, activation: 'sigmoid' },
    ] },
    ops: ['Reshape', 'Conv', 'Tanh', 'AveragePool', 'MaxPool', 'GlobalAveragePool', 'Flatten', 'Gemm', 'Sigmoid', 'Identity'],
  },
  {
    name: 'conv1d (same, then strided) + flatten + dense',
    spec: { inputs: [3, 12], layers: [
      { type: 'conv1d', filters: 5, kernelSize: 4, padding: 'same', activation: 'elu' },
      { type: 'conv1d', filters: 2, kernelSize: 3, stride: 2, dilation: 2, padding: 1 }, { type: 'flatten' }, { units: 4 },
    ] },
    ops: ['Reshape', 'Conv', 'Elu', 'Conv', 'Flatten', 'Gemm', 'Identity'],
  },
  // normalisation, embedding, attention
  {
    name: 'batchNorm 2d and 1d on [C] (trained running stats) + conv2d',
    spec: { inputs: [2, 4, 5], loss: 'mse', layers: [
      { type: 'batchNorm', momentum: 0.3 }, { type: 'conv2d', filters: 3, kernelSize: [1, 5], activation: 'relu' }, { type: 'flatten' },
      { type: 'batchNorm', eps: 1e-3 }, { units: 3 },
    ] },
    ops: ['Reshape', 'BatchNormalization', 'Conv', 'Relu', 'Flatten', 'BatchNormalization', 'Gemm', 'Identity'],
    prepare: TRAIN_A_LITTLE,
  },
  {
    name: 'batchNorm on [C, L] + layerNorm + attention (not causal) on [T, F] samples',
    spec: { inputs: [5, 6], loss: 'mse', layers: [
      { type: 'batchNorm' }, { type: 'layerNorm', eps: 1e-4 }, { type: 'attention', heads: 3, dim: 6 }, { type: 'flatten' }, { units: 2 },
    ] },
    ops: ['Reshape', 'BatchNormalization', 'ReduceMean', 'Sub', 'Mul', 'ReduceMean', 'Add', 'Sqrt', 'Div', 'Mul', 'Add',
      'MatMul', 'Add', 'Reshape', 'Transpose', 'MatMul', 'Add', 'Reshape', 'Transpose', 'MatMul', 'Add', 'Reshape', 'Transpose',
      'MatMul', 'Mul', 'Softmax', 'MatMul', 'Transpose', 'Reshape', 'MatMul', 'Add', 'Flatten', 'Gemm', 'Identity'],
    prepare: TRAIN_A_LITTLE,
  },
  {
    name: "the issue's sequence model: embedding + causal attention + layerNorm + flatten + dense softmax",
    spec: { inputs: [12], loss: 'crossEntropy', layers: [
      { type: 'embedding', vocabulary: 20, dim: 16 }, { type: 'attention', heads: 2, dim: 16, causal: true }, { type: 'layerNorm' },
      { type: 'flatten' }, { units: 4, activation: 'softmax' },
    ] },
    ops: ['Cast', 'Gather', 'MatMul', 'Add', 'Reshape', 'Transpose', 'MatMul', 'Add', 'Reshape', 'Transpose', 'MatMul', 'Add', 'Reshape', 'Transpose',
      'MatMul', 'Mul', 'Add', 'Softmax', 'MatMul', 'Transpose', 'Reshape', 'MatMul', 'Add',
      'ReduceMean', 'Sub', 'Mul', 'ReduceMean', 'Add', 'Sqrt', 'Div', 'Mul', 'Add', 'Flatten', 'Gemm', 'Softmax', 'Identity'],
    rows: (n, d) => INDEX_ROWS(n, d, 20, 9),
    prepare: TRAIN_A_LITTLE,
  },
];

/* issue 12, recurrent: the ONNX LSTM/GRU/RNN operators (gates reordered, batch-first by Transpose). */
LAYER_NETS.push(
  {
    name: 'lstm (last step) + dense softmax',
    spec: { inputs: [6, 3], layers: [{ type: 'lstm', units: 5 }, { units: 3, activation: 'softmax' }] },
    ops: ['Reshape', 'Transpose', 'LSTM', 'Reshape', 'Gemm', 'Softmax', 'Identity'],
  },
  {
    name: 'gru (every step, linear_before_reset) + lstm (every step) + flatten + dense',
    spec: { inputs: [5, 4], layers: [
      { type: 'gru', units: 3, returnSequences: true }, { type: 'lstm', units: 2, returnSequences: true }, { type: 'flatten' }, { units: 2 },
    ] },
    ops: ['Reshape', 'Transpose', 'GRU', 'Reshape', 'Transpose', 'Transpose', 'LSTM', 'Reshape', 'Transpose', 'Flatten', 'Gemm', 'Identity'],
  },
  {
    name: 'rnn relu (every step) + rnn tanh (last step) + gru (last step)',
    spec: { inputs: [4, 2], layers: [
      { type: 'rnn', units: 4, nonlinearity: 'relu', returnSequences: true }, { type: 'rnn', units: 3, returnSequences: true }, { type: 'gru', units: 2 }, { units: 1, activation: 'sigmoid' },
    ] },
    ops: ['Reshape', 'Transpose', 'RNN', 'Reshape', 'Transpose', 'Transpose', 'RNN', 'Reshape', 'Transpose', 'Transpose', 'GRU', 'Reshape', 'Gemm', 'Sigmoid', 'Identity'],
  },
);

for (const { name, spec, ops, rows, prepare } of LAYER_NETS) {
  test(`layer types in ONNX (${name}): onnxruntime-web equals backprop to 1e-5`, async () => {
    const net = new Network({ ...spec, seed: 4 });
    const width = net.inputs;
    const x = rows ? rows(5, width) : SEEDED_ROWS(5, width, 9);
    if (prepare) prepare(net, rows ? rows(12, width) : SEEDED_ROWS(12, width, 3));
    const expected = net.predict(x).flat();
    const bytes = exportOnnx(net);
    assert.deepEqual(inspectOnnx(bytes).ops, ops);
    const out = await runOnnx(bytes, { input: new ort.Tensor('float32', Float32Array.from(x.flat()), [5, width]) });
    assert.deepEqual(out.output.dims, [5, net.outputs]);
    assertClose(out.output.data as Float32Array, expected, 1e-5, name);
  });
}
