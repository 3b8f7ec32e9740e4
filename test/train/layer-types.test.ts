// The spec's layer types: the issue's CNN example builds, trains and round-trips; shapes that do
// not fit are one error naming the layer; Dropout is seeded and the identity in evaluation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Network, parseModel, serializeModel, tensor, ShapeError, ValueError } from '../../src/index.js';
import { Dropout } from '../../src/nn/dropout.js';
import { LAYER_TYPE_TABLE } from '../../src/nn/layer-types.js';
import { LAYER_TYPES, type NetworkSpec } from '../../src/spec/index.js';

const EXAMPLE: NetworkSpec = {
  inputs: [1, 28, 28],
  layers: [
    { type: 'conv2d', filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' },
    { type: 'maxPool2d', poolSize: 2 },
    { type: 'flatten' },
    { type: 'dropout', rate: 0.25 },
    { units: 10, activation: 'softmax' },
  ],
  loss: 'crossEntropy',
};

function images(n: number, seed = 1): { x: number[][]; y: number[] } {
  // Class k: a bright vertical bar at column 2k+4 (learnable by a conv in a few steps).
  let s = seed;
  const r = () => ((s = (s * 16807) % 2147483647) / 2147483647);
  const x: number[][] = [], y: number[] = [];
  for (let i = 0; i < n; i++) {
    const k = i % 10;
    x.push(Array.from({ length: 784 }, (_, p) => (p % 28 === 2 * k + 4 ? 1 : 0) + 0.1 * r()));
    y.push(k);
  }
  return { x, y };
}

test('every layer type has a row in the table', () => {
  assert.deepEqual(Object.keys(LAYER_TYPE_TABLE).sort(), [...LAYER_TYPES].sort());
});

test("the issue's CNN spec: shapes, fused loss, training, predict and evaluate", () => {
  const net = new Network(EXAMPLE);
  assert.deepEqual(net.architecture.map((l) => [l.type, l.input, l.output]), [
    ['conv2d', [1, 28, 28], [16, 28, 28]],
    ['maxPool2d', [16, 28, 28], [16, 14, 14]],
    ['flatten', [16, 14, 14], [3136]],
    ['dropout', [3136], [3136]],
    ['dense', [3136], [10]],
  ]);
  assert.equal(net.inputs, 784);
  assert.equal(net.outputs, 10);
  assert.equal(net.usesFusedLoss, true);
  assert.deepEqual(net.namedParameters().map(([n, t]) => [n, t.shape]), [
    ['layers.0.weight', [16, 1, 3, 3]], ['layers.0.bias', [16]], ['layers.4.weight', [10, 3136]], ['layers.4.bias', [10]],
  ]);
  const { x, y } = images(40);
  const before = net.evaluate(x, y).loss;
  net.learn(x, y, { epochs: 4, optimizer: 'adam', learningRate: 0.003, batchSize: 10, seed: 2 });
  const after = net.evaluate(x, y);
  assert.ok(after.loss < before / 2, `loss ${before} → ${after.loss}`);
  assert.ok(after.accuracy! >= 0.9, `accuracy ${after.accuracy}`);
  const p = net.predict(x.slice(0, 2));
  assert.equal(p.length, 2);
  assert.ok(Math.abs(p[0].reduce((a, b) => a + b, 0) - 1) < 1e-5);
  // Shaped tensors are taken as they are, flat rows are reshaped: the same outputs.
  const flat = tensor(x.slice(0, 3));
  assert.deepEqual(net.predict(flat.reshape([3, 1, 28, 28])).toArray(), net.predict(flat).toArray());
  assert.throws(() => net.layers, /Network\.layers: layers\[0\] is conv2d, not dense; use net\.modules/);
});

test('a conv net computes what the hand computes: one 2×2 kernel on a 3×3 image', () => {
  const net = new Network({
    inputs: [1, 3, 3],
    layers: [
      { type: 'conv2d', filters: 1, kernelSize: 2, activation: 'relu', weights: [[1, 0, 0, -1]], bias: [0.5] },
      { type: 'flatten' },
      { units: 1, weights: [[1, 2, 3, 4]], bias: [0] },
    ],
  });
  // windows: [1,2;4,5] → 1 − 5 + 0.5 = −3.5 → 0; [2,3;5,6] → −3.5 → 0; all four windows are x[i] − x[i+4] + 0.5.
  const img = [1, 2, 3, 4, 5, 6, 7, 8, 9];
  assert.deepEqual(net.predict([img]), [[0]]);
  const img2 = [9, 8, 7, 6, 5, 4, 3, 2, 1];
  // each window: 4 + 0.5 = 4.5 → relu 4.5; dense: 4.5·(1+2+3+4) = 45
  assert.deepEqual(net.predict([img2]), [[45]]);
});

test("shapes that do not fit: one error naming the layer's index, type and shapes", () => {
  const cases: [NetworkSpec, RegExp][] = [
    [{ inputs: [1, 2, 2], layers: [{ type: 'conv2d', filters: 4, kernelSize: 3 }, { type: 'flatten' }] },
      /^network\.layers\[0\] \(conv2d\): input shape \[1, 2, 2\] does not fit: conv2d: the 3×3 kernel .*larger than the 2×2 padded input/],
    [{ inputs: [1, 8, 8], layers: [{ type: 'conv2d', filters: 4, kernelSize: 3 }, { units: 2 }] },
      /^network\.layers\[1\] \(dense\): input shape \[4, 6, 6\] does not fit: dense takes a flat input \[features\], not \[4, 6, 6\]; add \{ "type": "flatten" \} before it/],
    [{ inputs: 784, layers: [{ type: 'conv2d', filters: 4, kernelSize: 3 }, { type: 'flatten' }] },
      /^network\.layers\[0\] \(conv2d\): input shape \[784\] does not fit: conv2d takes \[channels, height, width\], not \[784\]; give inputs as \[channels, height, width\]/],
    [{ inputs: [3, 8, 8], layers: [{ type: 'conv2d', filters: 4, kernelSize: 3, groups: 2 }, { type: 'flatten' }] },
      /^network\.layers\[0\] \(conv2d\): input shape \[3, 8, 8\] does not fit: conv2d: groups \(2\) must divide both the input's 3 channels and the 4 filters/],
    [{ inputs: [1, 3, 3], layers: [{ type: 'maxPool2d', poolSize: 4 }, { type: 'flatten' }] }, /^network\.layers\[0\] \(maxPool2d\): input shape \[1, 3, 3\] does not fit/],
    [{ inputs: [1, 4, 4], layers: [{ type: 'conv2d', filters: 2, kernelSize: 3 }] }, /^network\.layers\[0\] \(conv2d\): the network's output shape \[2, 2, 2\] is not flat/],
  ];
  for (const [spec, re] of cases) assert.throws(() => new Network(spec), (e: Error) => e instanceof ShapeError && re.test(e.message) && !e.message.includes('\n'), re.source);
});

test('layer fields are checked by type, each message naming the field', () => {
  const cases: [unknown, RegExp][] = [
    [{ type: 'conv3d' }, /layers\[0\]\.type is "conv3d"; expected one of dense, conv2d/],
    [{ type: 'conv2d', filters: 4 }, /layers\[0\]\.kernelSize is required/],
    [{ type: 'conv2d', filters: 0, kernelSize: 3 }, /layers\[0\]\.filters must be a whole number ≥ 1, got 0/],
    [{ type: 'conv2d', filters: 2, kernelSize: 3, padding: 'full' }, /layers\[0\]\.padding is "full"; expected a number, a pair \[height, width\], 'same' or 'valid'/],
    [{ type: 'conv2d', filters: 2, kernelSize: 3, units: 3 }, /layers\[0\]: unknown field 'units' \(known for conv2d: type, filters/],
    [{ type: 'maxPool2d' }, /layers\[0\]\.poolSize is required/],
    [{ type: 'dropout', rate: 1 }, /layers\[0\]\.rate must be a probability in \[0, 1\), got 1/],
    [{ type: 'conv2d', filters: 2, kernelSize: 2, weights: [[1, 2, 3]] }, /layers\[0\]\.weights has 1 rows, expected 2 \(filters\)/],
    [{ type: 'conv2d', filters: 1, kernelSize: 2, weights: [[1, 2, 3]] }, /layers\[0\]\.weights\[0\] has 3 numbers, expected 4 \(inChannels\/groups × kh × kw = 1 × 2 × 2\)/],
  ];
  for (const [layer, re] of cases) {
    assert.throws(() => new Network({ inputs: [1, 4, 4], layers: [layer as never, { type: 'flatten' }] }), (e: Error) => (e instanceof ValueError || e instanceof ShapeError) && re.test(e.message), re.source);
  }
  assert.throws(() => new Network({ inputs: [1, 0, 3], layers: [{ type: 'flatten' }] }), /network\.inputs must be a whole number ≥ 1 or the shape of one sample/);
});

test('toJSON and model files carry every layer: identical predictions; version 2 for layer types, 1 for dense', () => {
  const net = new Network({ ...EXAMPLE, inputs: [1, 8, 8], seed: 3, layers: [
    { type: 'conv2d', filters: 3, kernelSize: [3, 2], stride: 1, padding: 1, activation: 'tanh' },
    { type: 'avgPool2d', poolSize: 2 },
    { type: 'conv2d', filters: 4, kernelSize: 2, groups: 1, dilation: 1, activation: 'leakyRelu', alpha: 0.2 },
    { type: 'maxPool2d', poolSize: 2, stride: 1 },
    { type: 'globalAvgPool2d' },
    { type: 'dropout', rate: 0.5, seed: 4 },
    { units: 3, activation: 'softmax' },
  ] });
  const x = images(4).x.map((r) => r.slice(0, 64));
  const text = serializeModel({ network: net });
  const file = JSON.parse(text);
  assert.equal(file.version, 2);
  assert.deepEqual(file.network.inputs, [1, 8, 8]);
  assert.equal(file.network.layers[0].weights.length, 3);
  assert.equal(file.network.layers[0].weights[0].length, 6);
  assert.deepEqual(file.network.layers[1], { type: 'avgPool2d', poolSize: 2 });
  assert.equal(file.network.layers[2].alpha, 0.2);
  const back = parseModel(text).network;
  assert.deepEqual(back.predict(x), net.predict(x));
  assert.deepEqual(back.toJSON(), net.toJSON());
  const dense = new Network({ inputs: 2, layers: [{ units: 1 }] });
  assert.equal(JSON.parse(serializeModel({ network: dense })).version, 1);
  assert.throws(() => parseModel(text.replace('"bias"', '"bias_"')), /unknown field 'bias_'/);
  const noWeights = JSON.parse(text); delete noWeights.network.layers[2].weights;
  assert.throws(() => parseModel(JSON.stringify(noWeights)), /network\.layers\[2\] has no weights; a model file stores every parameter/);
});

test('an old (version 1) model file loads unchanged', () => {
  const OLD = `{
 "format": "backprop-model",
 "version": 1,
 "network": {
  "inputs": 2,
  "layers": [
   { "units": 2, "activation": "tanh", "weights": [[0.5, -0.25], [1, 2]], "bias": [0.1, -0.1] },
   { "units": 1, "activation": "sigmoid", "weights": [[1.5, -2]], "bias": [0.25] }
  ],
  "loss": "bce"
 },
 "metadata": { "epochs": 3 }
}`;
  const { network, metadata } = parseModel(OLD, 'old.json');
  const h = [Math.tanh(0.5 * 1 - 0.25 * 2 + 0.1), Math.tanh(1 + 4 - 0.1)];
  const expected = 1 / (1 + Math.exp(-(1.5 * h[0] - 2 * h[1] + 0.25)));
  assert.ok(Math.abs(network.predict([[1, 2]])[0][0] - expected) < 1e-6);
  assert.deepEqual(metadata, { epochs: 3 });
  assert.equal(network.layers[0].weight.data[1], -0.25);
  assert.equal(JSON.parse(serializeModel({ network })).version, 1);
});

test('Dropout: inverted scaling while training, the identity in eval, masks repeat with the seed', () => {
  const x = tensor([[1, 2, 3, 4, 5, 6, 7, 8]]);
  const a = new Dropout(0.5, { seed: 7 }), b = new Dropout(0.5, { seed: 7 });
  const first = a.forward(x).toArray() as number[][];
  for (const [i, v] of first[0].entries()) assert.ok(v === 0 || v === 2 * (i + 1), `element ${i}: ${v}`);
  assert.deepEqual(b.forward(x).toArray(), first);
  assert.notDeepEqual(a.forward(x).toArray(), first, 'the next call draws a new mask');
  assert.deepEqual(a.eval().forward(x).toArray(), x.toArray());
  assert.throws(() => new Dropout(1), /Dropout: p must be a probability in \[0, 1\), got 1/);
  assert.throws(() => new Dropout(0.5, { sead: 1 } as never), /Dropout: unknown option 'sead' \(known: seed\)/);
});

test('a network with dropout trains the same compiled and eager (the masks come from the same seeded generator)', () => {
  const spec: NetworkSpec = { inputs: 4, layers: [{ units: 8, activation: 'tanh' }, { type: 'dropout', rate: 0.3 }, { units: 2, activation: 'softmax' }], loss: 'crossEntropy', seed: 9 };
  const x = [[0, 1, 2, 3], [1, 0, 1, 0], [2, 1, 0, 1], [0, 0, 1, 1]];
  const y = [0, 1, 0, 1];
  const weights = (compiled: boolean) => {
    const net = new Network(spec);
    net.learn(x, y, { epochs: 5, batchSize: 2, optimizer: 'sgd', learningRate: 0.1, seed: 1, compiled });
    return net.parameters().flatMap((p) => Array.from(p.data));
  };
  const c = weights(true), e = weights(false);
  const untrained = new Network(spec).parameters().flatMap((p) => Array.from(p.data));
  assert.ok(c.some((v, i) => v !== untrained[i]));
  for (let i = 0; i < c.length; i++) assert.ok(Math.abs(c[i] - e[i]) < 1e-5, `parameter ${i}: compiled ${c[i]}, eager ${e[i]}`);
  // Training with dropout changes the result compared with no dropout.
  const plain = new Network({ ...spec, layers: [spec.layers[0], spec.layers[2]] });
  plain.learn(x, y, { epochs: 5, batchSize: 2, optimizer: 'sgd', learningRate: 0.1, seed: 1 });
  assert.notDeepEqual(plain.parameters().flatMap((p) => Array.from(p.data)), c);
});

// ---- normalisation, embedding, attention -----------------------------------------------------

/** The issue's sequence model: 12 token indices → embedding → causal attention → layerNorm → flatten → dense softmax. */
export const SEQUENCE_SPEC: NetworkSpec = {
  inputs: [12], loss: 'crossEntropy', layers: [
    { type: 'embedding', vocabulary: 20, dim: 16 },
    { type: 'attention', heads: 2, dim: 16, causal: true },
    { type: 'layerNorm' },
    { type: 'flatten' },
    { units: 4, activation: 'softmax' },
  ],
};

/** Sequences of 12 indices in 0..19; the class is the first token mod 4 (needs attention to look back). */
function sequences(n: number, seed = 1): { x: number[][]; y: number[] } {
  let s = seed;
  const r = () => ((s = (s * 16807) % 2147483647) / 2147483647);
  const x = Array.from({ length: n }, () => Array.from({ length: 12 }, () => Math.floor(r() * 20)));
  return { x, y: x.map((row) => row[0] % 4) };
}

test('the sequence spec (embedding → causal attention → layerNorm → flatten → dense) trains compiled and round-trips a model file', () => {
  const net = new Network({ ...SEQUENCE_SPEC, seed: 2 });
  assert.deepEqual(net.architecture.map((l) => l.output), [[12, 16], [12, 16], [12, 16], [192], [4]]);
  assert.ok(net.usesFusedLoss);
  const { x, y } = sequences(64);
  const before = net.evaluate(x, y);
  net.learn(x, y, { epochs: 25, optimizer: 'adam', learningRate: 0.01, batchSize: 16, seed: 1 });
  const after = net.evaluate(x, y);
  assert.ok(after.loss < before.loss / 4, `loss ${before.loss} → ${after.loss}`);
  assert.ok(after.accuracy! > 0.9, `accuracy ${after.accuracy}`);
  const text = serializeModel({ network: net });
  assert.equal(JSON.parse(text).version, 2);
  const back = parseModel(text).network;
  assert.deepEqual(back.predict(x), net.predict(x));
  assert.deepEqual(back.toJSON(), net.toJSON());
  // The compiled steps compute what the eager ones do (SGD: Adam magnifies the rounding noise of zero-gradient biases).
  const [a, b] = [true, false].map((compiled) => {
    const n = new Network({ ...SEQUENCE_SPEC, seed: 4 });
    n.learn(x, y, { epochs: 2, optimizer: 'momentum', learningRate: 0.05, batchSize: 16, seed: 1, compiled });
    return n.predict(x).flat();
  });
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-5, `compiled ${v} vs eager ${b[i]}`));
  assert.deepEqual(back.namedParameters().map(([n]) => n), [
    'layers.0.weight', 'layers.1.in_proj_weight', 'layers.1.in_proj_bias', 'layers.1.out_proj.weight', 'layers.1.out_proj.bias', 'layers.2.weight', 'layers.2.bias', 'layers.4.weight', 'layers.4.bias',
  ]);
});

test('an embedding input that is not a whole-number index in range is one error naming the row, column and value', () => {
  const net = new Network(SEQUENCE_SPEC);
  const good = sequences(3).x;
  for (const [bad, re] of [[2.5, /^predict: row 2 has 2\.5 at column 7; layers\[0\] \(embedding\) takes whole-number indices 0\.\.19 \(its vocabulary is 20\)$/], [20, /row 2 has 20 at column 7/], [-1, /row 2 has -1 at column 7/]] as const) {
    const x = good.map((r) => [...r]);
    x[2][7] = bad;
    assert.throws(() => net.predict(x), (e: Error) => e instanceof ValueError && re.test(e.message), re.source);
  }
  const x = good.map((r) => [...r]); x[1][0] = 0.5;
  assert.throws(() => net.learn(x, [0, 1, 2]), /^ValueError: learn inputs: row 1 has 0\.5 at column 0/);
});

test('batchNorm: BatchNorm1d on [C] and [C, L], BatchNorm2d on images; eval in predict; running stats survive toJSON and model files', () => {
  const net = new Network({ inputs: [2, 3, 3], loss: 'mse', seed: 1, layers: [
    { type: 'batchNorm' }, { type: 'conv2d', filters: 3, kernelSize: 2, activation: 'relu' }, { type: 'flatten' },
    { type: 'batchNorm', momentum: 0.3, eps: 1e-3 }, { units: 2 },
  ] });
  assert.deepEqual(net.modules.map((m) => m.constructor.name).slice(0, 4), ['BatchNorm2d', 'ActivatedConv2d', 'Flatten', 'BatchNorm1d']);
  const seq = new Network({ inputs: [3, 5], layers: [{ type: 'batchNorm' }, { type: 'flatten' }, { units: 1 }] });
  assert.equal(seq.modules[0].constructor.name, 'BatchNorm1d');
  let s = 7;
  const r = () => ((s = (s * 16807) % 2147483647) / 2147483647) * 4 - 1;
  const x = Array.from({ length: 16 }, () => Array.from({ length: 18 }, r));
  const y = x.map((row) => [row[0] + row[5], row[9] - row[3]]);
  // predict runs in eval: with fresh running stats (mean 0, var 1) a BN layer is (x − 0)/√(1 + eps)
  const p0 = net.predict(x);
  net.learn(x, y, { epochs: 3, batchSize: 8, learningRate: 0.05 });
  const bn = net.modules[0] as unknown as { runningMean: { data: Float32Array }; numBatchesTracked: { data: Float32Array } };
  assert.notEqual(bn.runningMean.data[0], 0);
  assert.equal(bn.numBatchesTracked.data[0], 6);
  assert.notDeepEqual(net.predict(x), p0);
  assert.deepEqual(net.predict(x), net.predict(x), 'eval: predictions do not move the running stats');
  net.evaluate(x, y);
  assert.equal(bn.numBatchesTracked.data[0], 6, 'predict and evaluate run in eval mode');
  const json = net.toJSON();
  assert.deepEqual(Object.keys(json.layers[0]), ['type', 'momentum', 'eps', 'scale', 'bias', 'runningMean', 'runningVar', 'numBatchesTracked']);
  assert.equal(json.layers[0].numBatchesTracked, 6);
  const back = parseModel(serializeModel({ network: net })).network;
  assert.deepEqual(back.predict(x), net.predict(x));
  assert.deepEqual(back.toJSON(), json);
  // buffers are not parameters
  assert.equal(net.parameters().length, 2 + 2 + 2 + 2);
  const noStats = JSON.parse(serializeModel({ network: net })); delete noStats.network.layers[3].runningVar;
  assert.throws(() => parseModel(JSON.stringify(noStats)), /network\.layers\[3\] has no runningVar/);
});

test('layerNorm, embedding and attention round-trip toJSON exactly, tensors in PyTorch layouts', () => {
  const net = new Network({ inputs: [4, 6], loss: 'mse', seed: 5, layers: [
    { type: 'layerNorm', eps: 1e-4 }, { type: 'attention', heads: 3, dim: 6 }, { type: 'flatten' }, { units: 1 },
  ] });
  const json = net.toJSON();
  assert.deepEqual(json.layers[0], { type: 'layerNorm', eps: 1e-4, scale: [1, 1, 1, 1, 1, 1], bias: [0, 0, 0, 0, 0, 0] });
  const att = json.layers[1] as Record<string, number[][]>;
  assert.equal(att.inProjWeight.length, 18);
  assert.equal(att.inProjWeight[0].length, 6);
  assert.equal(att.outProjWeight.length, 6);
  assert.equal((json.layers[1] as { causal: boolean }).causal, false);
  const x = Array.from({ length: 3 }, (_, i) => Array.from({ length: 24 }, (_, k) => Math.cos(i + k)));
  const back = new Network(json);
  assert.deepEqual(back.predict(x), net.predict(x));
  assert.deepEqual(back.toJSON(), json);
  const emb = new Network({ inputs: [2], layers: [{ type: 'embedding', vocabulary: 3, dim: 2, weights: [[1, 2], [3, 4], [5, 6]] }, { type: 'flatten' }, { units: 1, weights: [[1, 10, 100, 1000]], bias: [0] }] });
  assert.deepEqual(emb.predict([[2, 0]]), [[5 + 60 + 100 + 2000]]);
});

test('shapes that do not fit the new types: one error naming the index, the type and both shapes', () => {
  const cases: [NetworkSpec, RegExp][] = [
    [{ inputs: [12, 8], layers: [{ type: 'attention', heads: 2, dim: 16 }, { type: 'flatten' }, { units: 1 }] },
      /^network\.layers\[0\] \(attention\): input shape \[12, 8\] does not fit: attention's dim is 16 but its input has 8 features per step; set "dim": 8$/],
    [{ inputs: 8, layers: [{ type: 'attention', heads: 2, dim: 8 }, { units: 1 }] },
      /^network\.layers\[0\] \(attention\): input shape \[8\] does not fit: attention takes a sequence \[time, dim\]/],
    [{ inputs: [1, 2, 3, 4] as unknown as number[], layers: [{ type: 'batchNorm' }, { type: 'flatten' }] }, /inputs must be a whole number/],
    [{ inputs: [4], layers: [{ type: 'embedding', vocabulary: 5, dim: 3 }, { type: 'embedding', vocabulary: 5, dim: 3 }, { type: 'embedding', vocabulary: 5, dim: 2 }, { type: 'batchNorm' }, { type: 'flatten' }] },
      /^network\.layers\[3\] \(batchNorm\): input shape \[4, 3, 3, 2\] does not fit: batchNorm takes \[channels\], \[channels, length\] or \[channels, height, width\], not \[4, 3, 3, 2\]$/],
    [{ inputs: [12], layers: [{ type: 'embedding', vocabulary: 20, dim: 4 }, { units: 2 }] },
      /^network\.layers\[1\] \(dense\): input shape \[12, 4\] does not fit: dense takes a flat input/],
    [{ inputs: [5], layers: [{ type: 'layerNorm' }, { type: 'embedding', vocabulary: 3, dim: 2 }] },
      /^network\.layers\[1\] \(embedding\): the network's output shape \[5, 2\] is not flat/],
  ];
  for (const [spec, re] of cases) assert.throws(() => new Network(spec), (e: Error) => re.test(e.message) && !e.message.includes('\n'), re.source);
  const fields: [unknown, RegExp][] = [
    [{ type: 'attention', heads: 3, dim: 8 }, /layers\[0\]: dim \(8\) must be divisible by heads \(3\)/],
    [{ type: 'attention', heads: 2, dim: 8, causal: 'yes' }, /layers\[0\]\.causal must be true or false/],
    [{ type: 'batchNorm', momentum: 2 }, /layers\[0\]\.momentum must be a number in \[0, 1\], got 2/],
    [{ type: 'layerNorm', eps: 0 }, /layers\[0\]\.eps must be a finite number > 0, got 0/],
    [{ type: 'embedding', vocabulary: 0, dim: 8 }, /layers\[0\]\.vocabulary must be a whole number ≥ 1, got 0/],
    [{ type: 'embedding', vocabulary: 4, dim: 8, heads: 2 }, /layers\[0\]: unknown field 'heads' \(known for embedding: type, vocabulary, dim, weights\)/],
    [{ type: 'batchNorm', runningMean: [0, 0] }, /layers\[0\]\.runningMean has 2 numbers, expected 3 \(channels\)/],
    [{ type: 'batchNorm', numBatchesTracked: 'x' }, /layers\[0\]\.numBatchesTracked is "x"/],
  ];
  for (const [layer, re] of fields) {
    assert.throws(() => new Network({ inputs: [3, 8], layers: [layer as never, { type: 'flatten' }] }), (e: Error) => (e instanceof ValueError || e instanceof ShapeError) && re.test(e.message), re.source);
  }
});
