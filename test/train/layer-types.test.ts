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
