// Network: the JSON spec, checked up front; learn/predict; fused losses; toJSON/fromJSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Network, tensor, type NetworkSpec } from '../../src/index.js';

const XOR = [[0, 0], [0, 1], [1, 0], [1, 1]];

test('the issue example: a spec with given weights, then learn, predict and toJSON', () => {
  const net = new Network({
    inputs: 2,
    layers: [
      { units: 2, activation: 'sigmoid', weights: [[0.1, -0.2], [0.3, 0.55]], bias: [0.01, -0.02] },
      { units: 2, activation: 'sigmoid' },
    ],
    loss: 'mse', init: 'xavier', seed: 1,
  });
  const before = net.predict([[0.5, -0.5]]);
  const history = net.learn([[0.5, -0.5]], [[0.9, 0.1]], { epochs: 100, learningRate: 0.5, optimizer: 'sgd', batchSize: 'full', shuffle: true, seed: 1 });
  assert.equal(history.epochs.length, 100);
  const after = net.predict([[0.5, -0.5]]);
  assert.ok(Math.abs(after[0][0] - 0.9) < Math.abs(before[0][0] - 0.9));
  const spec = net.toJSON();
  assert.equal(spec.layers[0].weights!.length, 2);
  assert.equal(spec.layers[1].bias!.length, 2);
  assert.deepEqual(Network.fromJSON(spec).predict([[0.5, -0.5]]), after);
  assert.deepEqual(JSON.parse(JSON.stringify(spec)), spec);
});

test('weights[j][i] is the weight from input i to neuron j', () => {
  const net = new Network({ inputs: 2, layers: [{ units: 2, weights: [[1, 0], [0, 10]], bias: [0, 0] }] });
  assert.deepEqual(net.predict([[3, 4]]), [[3, 40]]);
});

test('spec errors name the field', () => {
  const cases: [unknown, RegExp][] = [
    [{ inputs: 2, layers: [{ units: 2 }, { units: 2, weights: [[1, 2], [3, 4], [5, 6]] }] }, /layers\[1\]\.weights has 3 rows, expected 2 \(units\)/],
    [{ inputs: 2, layers: [{ units: 1, weights: [[1, 2, 3]] }] }, /layers\[0\]\.weights\[0\] has 3 numbers, expected 2 \(the inputs\)/],
    [{ inputs: 2, layers: [{ units: 1, bias: [1, 2] }] }, /layers\[0\]\.bias has 2 numbers, expected 1 \(units\)/],
    [{ inputs: 2, layers: [{ units: 1, weights: [[1, null]] }] }, /layers\[0\]\.weights\[0\]\[1\] is null/],
    [{ inputs: 0, layers: [{ units: 1 }] }, /inputs must be a whole number ≥ 1, got 0/],
    [{ inputs: 2, layers: [] }, /layers must be a non-empty array/],
    [{ inputs: 2, layers: [{ units: 1, activation: 'swish' }] }, /layers\[0\]\.activation is "swish"; expected one of linear, sigmoid/],
    [{ inputs: 2, layers: [{ units: 1 }], loss: 'hinge' }, /loss is "hinge"/],
    [{ inputs: 2, layers: [{ unit: 1 }] }, /layers\[0\]: unknown field 'unit'/],
    [{ inputs: 2, layers: [{ units: 1 }], optimizer: 'sgd' }, /unknown field 'optimizer'/],
  ];
  for (const [spec, pattern] of cases) assert.throws(() => new Network(spec as NetworkSpec), pattern);
});

test('learn and predict check their data with row and column', () => {
  const net = new Network({ inputs: 2, layers: [{ units: 1, activation: 'sigmoid' }] });
  assert.throws(() => net.predict([[1, 2], [3]]), /predict: row 1 has 1 values, expected 2/);
  assert.throws(() => net.predict([[1, NaN]]), /predict: row 0, column 1 is NaN/);
  assert.throws(() => net.learn([[1, 2]], [[1], [0]]), /2 targets for 1 input rows/);
  assert.throws(() => net.learn([[1, 2]], [[1]], { optimizer: 'adadelta' as never }), /unknown optimizer 'adadelta'/);
  assert.throws(() => net.learn([[1, 2]], [[1]], { learningRate: -1 }), /Invalid learning rate: -1/);
});

test('a NaN or ±∞ anywhere in the inputs is found: every position modulo the check\'s eight sums, and the tail', () => {
  const net = new Network({ inputs: 3, layers: [{ units: 1, activation: 'sigmoid' }] });
  for (const bad of [NaN, Infinity, -Infinity]) {
    // 21 values: two blocks of the eight sums (every position mod 8, twice), then a tail of 5.
    for (let at = 0; at < 21; at++) {
      const x = Array.from({ length: 7 }, (_, r) => [r, r + 1, r + 2]);
      x[Math.floor(at / 3)][at % 3] = bad;
      assert.throws(() => net.learn(tensor(x), tensor([[0], [1], [0], [1], [0], [1], [0]])), new RegExp(`learn inputs: row ${Math.floor(at / 3)}, column ${at % 3} is ${bad}`));
    }
  }
});

test('a NaN in the inputs is found on either side of the check\'s chunk boundaries (8192 values)', () => {
  const net = new Network({ inputs: 4, layers: [{ units: 1, activation: 'sigmoid' }] });
  const rows = 4100;
  for (const at of [8183, 8191, 8192, 8193, 8200, 16383, 16384, 16399]) {
    const x = new Float32Array(rows * 4).fill(0.5);
    x[at] = NaN;
    assert.throws(() => net.learn(tensor(x, { shape: [rows, 4] }), tensor(new Float32Array(rows), { shape: [rows, 1] })), new RegExp(`learn inputs: row ${Math.floor(at / 4)}, column ${at % 4} is NaN`));
  }
});

test('a hidden layer learns XOR; predict returns arrays for arrays and a Tensor for a Tensor', () => {
  const net = new Network({ inputs: 2, layers: [{ units: 4, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }], loss: 'bce', seed: 2 });
  const h = net.learn(XOR, [[0], [1], [1], [0]], { epochs: 600, learningRate: 1, batchSize: 'full' });
  assert.equal(h.epochs.at(-1)!.accuracy, 1);
  const out = net.predict(XOR);
  assert.deepEqual(out.map((r) => Math.round(r[0])), [0, 1, 1, 0]);
  const t = net.predict(tensor(XOR));
  assert.deepEqual(t.shape, [4, 1]);
});

test('crossEntropy with a softmax output takes class indices and trains on logits', () => {
  const net = new Network({ inputs: 2, layers: [{ units: 8, activation: 'relu' }, { units: 3, activation: 'softmax' }], loss: 'crossEntropy', seed: 3 });
  assert.ok(net.usesFusedLoss);
  const x = [[0, 0], [1, 0], [0, 1], [0.1, 0.1], [0.9, 0.1], [0.1, 0.9]];
  const labels = [0, 1, 2, 0, 1, 2];
  const h = net.learn(x, labels, { epochs: 300, optimizer: 'adam', learningRate: 0.05, batchSize: 'full' });
  assert.equal(h.epochs.at(-1)!.accuracy, 1);
  const probs = net.predict(x);
  for (const row of probs) assert.ok(Math.abs(row.reduce((a, b) => a + b) - 1) < 1e-5);
  assert.deepEqual(probs.map((r) => r.indexOf(Math.max(...r))), labels);
  assert.equal(net.evaluate(x, labels).accuracy, 1);
});

test('sigmoid + bce trains on logits and stays finite where probabilities saturate', () => {
  const net = new Network({ inputs: 1, layers: [{ units: 1, activation: 'sigmoid', weights: [[60]], bias: [0] }], loss: 'bce' });
  assert.ok(net.usesFusedLoss);
  const { loss } = net.evaluate([[1], [-1]], [[0], [1]]);
  assert.ok(Math.abs(loss - 60) < 1e-3, `loss ${loss}`); // −log σ(−60) ≈ 60, where clamped probabilities would give 16.1
});

test('the same seed gives the same initial weights and the same training', () => {
  const make = () => new Network({ inputs: 3, layers: [{ units: 5, activation: 'relu' }, { units: 1 }], seed: 11, init: 'he' });
  const a = make(), b = make();
  assert.deepEqual(a.toJSON(), b.toJSON());
  const x = [[1, 2, 3], [0, -1, 2], [3, 1, 0]], y = [[1], [0], [2]];
  a.learn(x, y, { epochs: 20, batchSize: 2, seed: 4, optimizer: 'adam', learningRate: 0.01 });
  b.learn(x, y, { epochs: 20, batchSize: 2, seed: 4, optimizer: 'adam', learningRate: 0.01 });
  assert.deepEqual(a.toJSON(), b.toJSON());
});

test('namedParameters follow PyTorch dotted names', () => {
  const net = new Network({ inputs: 2, layers: [{ units: 2 }, { units: 1 }] });
  assert.deepEqual(net.namedParameters().map(([n]) => n), ['layers.0.weight', 'layers.0.bias', 'layers.1.weight', 'layers.1.bias']);
});

test('trainingLoss is the loss learn minimises: fused on the logits, with a graph', () => {
  const net = new Network({ inputs: 1, layers: [{ units: 1, activation: 'sigmoid', weights: [[60]], bias: [0] }], loss: 'bce', dtype: 'float64' });
  const x = tensor([[1], [-1]], { dtype: 'float64' });
  const y = tensor([[0], [1]], { dtype: 'float64' });
  const loss = net.trainingLoss(x, y);
  assert.ok(Math.abs(loss.item() - net.evaluate([[1], [-1]], [[0], [1]]).loss) < 1e-12);
  assert.ok(Math.abs(loss.item() - 60) < 1e-9); // the fused form; clamped probabilities would give 16.1
  loss.backward();
  // ∂L/∂w = mean((σ(z) − t)·x) = ((1 − 0)·1 + (0 − 1)·(−1)) / 2 = 1, to within σ(60)'s distance from 1
  assert.ok(Math.abs(net.layers[0].weight.grad!.item() - 1) < 1e-12);
});

test('learn hands every fit option on: callbacks, scheduler, signal, tolerance, validation, early stopping, divergence, compiled', () => {
  const make = () => new Network({ inputs: 2, layers: [{ units: 3, activation: 'tanh' }, { units: 1 }], seed: 3 });
  const x = [[0, 0], [0, 1], [1, 0], [1, 1], [0.5, 0.5], [0.2, 0.8]], y = [[0], [1], [1], [0], [0.5], [0.6]];
  let batches = 0, epochs = 0, steps = 0;
  const h = make().learn(x, y, {
    epochs: 3, batchSize: 2, shuffle: false, seed: 1, learningRate: 0.05, validationSplit: 0.34, compiled: false,
    onBatchEnd: () => { batches++; }, onEpochEnd: () => { epochs++; }, scheduler: { step: () => { steps++; } },
  });
  assert.deepEqual([batches, epochs, steps, h.epochs.length], [6, 3, 3, 3]);
  assert.ok(h.epochs.every((e) => typeof e.valLoss === 'number'));
  assert.equal(make().learn(x, y, { epochs: 5, signal: { aborted: true } }).stopReason, 'aborted');
  assert.equal(make().learn(x, y, { epochs: 5, tolerance: 1e9 }).stopReason, 'tolerance');
  assert.equal(make().learn(x, y, { epochs: 50, learningRate: 0, earlyStopping: { patience: 2 } }).stopReason, 'earlyStopping');
  assert.throws(() => make().learn(x, y, { epochs: 5, learningRate: 1e6, divergenceFactor: 1.5 }), /diverged/);
});
