// The recurrent layer types of the JSON spec ("lstm", "gru", "rnn"): shapes ([time, features] →
// [units] or [time, units]), the modules they build (the same numbers as the layers themselves),
// field and shape errors (one line naming the layer index, type and both shapes), model-file round
// trips, and an LSTM spec that learns the sequence-memory task end to end with Network.learn (compiled).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GRU, LSTM, Network, RNN, Random, ShapeError, Tensor, ValueError, parseModel, serializeModel, type NetworkSpec } from '../../src/index.js';
import { noGrad } from '../../src/autograd/graph.js';
import { sequences } from '../../examples/sequence-memory.js';

const TYPES = ['lstm', 'gru', 'rnn'] as const;
const GATES = { lstm: 4, gru: 3, rnn: 1 };

function rows(n: number, d: number, seed: number): number[][] {
  const r = new Random(seed);
  return Array.from({ length: n }, () => Array.from({ length: d }, () => r.range(-1, 1)));
}

for (const type of TYPES) {
  test(`${type}: shapes, tensors and the module's numbers (last step and every step)`, () => {
    const last = new Network({ inputs: [5, 3], layers: [{ type, units: 4 }, { units: 2 }], seed: 1 });
    assert.deepEqual(last.architecture[0].output, [4]);
    assert.deepEqual(last.architecture[0].tensors.map((t) => [t.field, t.key, t.shape]), [
      ['weightIh', 'weight_ih', [GATES[type] * 4, 3]], ['weightHh', 'weight_hh', [GATES[type] * 4, 4]],
      ['biasIh', 'bias_ih', [GATES[type] * 4]], ['biasHh', 'bias_hh', [GATES[type] * 4]],
    ]);
    assert.deepEqual(last.namedParameters().map(([n]) => n).slice(0, 4), ['layers.0.weight_ih', 'layers.0.weight_hh', 'layers.0.bias_ih', 'layers.0.bias_hh']);
    const seq = new Network({ inputs: [5, 3], layers: [{ type, units: 4, returnSequences: true }, { type: 'flatten' }, { units: 2 }], seed: 1 });
    assert.deepEqual(seq.architecture[0].output, [5, 4]);
    assert.deepEqual(seq.architecture[1].output, [20]);
    // The spec's module is the layer itself: the same output as a layer built on the same weights.
    const spec = last.toJSON().layers[0];
    const x = rows(3, 15, 2);
    const Layer = type === 'lstm' ? LSTM : type === 'gru' ? GRU : RNN;
    const layer = new Layer(3, 4);
    layer.weight_ih.data.set(spec.weightIh!.flat());
    layer.weight_hh.data.set(spec.weightHh!.flat());
    layer.bias_ih!.data.set(spec.biasIh!);
    layer.bias_hh!.data.set(spec.biasHh!);
    const h = noGrad(() => layer.forward(new Tensor(Float32Array.from(x.flat()), [3, 5, 3]))).data;
    const hidden = noGrad(() => last.modules[0].forward(new Tensor(Float32Array.from(x.flat()), [3, 5, 3]))).data;
    assert.deepEqual(Array.from(hidden), Array.from(h));
    // Shaped tensors [rows, time, features] are accepted as well as flat rows.
    assert.deepEqual(last.predict(new Tensor(Float32Array.from(x.flat()), [3, 5, 3])).data, last.predict(new Tensor(Float32Array.from(x.flat()), [3, 15])).data);
  });
}

test('rnn: nonlinearity relu is the module\'s; lstm and gru have no nonlinearity field', () => {
  const net = new Network({ inputs: [2, 2], layers: [{ type: 'rnn', units: 3, nonlinearity: 'relu' }, { units: 1 }] });
  assert.equal((net.modules[0] as RNN).nonlinearity, 'relu');
  assert.deepEqual(net.architecture[0].spec, { type: 'rnn', units: 3, returnSequences: false, nonlinearity: 'relu' });
  assert.throws(() => new Network({ inputs: [2, 2], layers: [{ type: 'lstm', units: 3, nonlinearity: 'relu' }, { units: 1 }] }),
    /^ValueError: network\.layers\[0\]: unknown field 'nonlinearity' \(known for lstm: type, units, returnSequences, weightIh, weightHh, biasIh, biasHh\)$/);
});

test('recurrent spec errors: one line naming the layer index, the type and both shapes, or the field', () => {
  const bad = (spec: NetworkSpec, kind: typeof ShapeError | typeof ValueError, re: RegExp): void => {
    assert.throws(() => new Network(spec), (err: Error) => {
      assert.ok(err instanceof kind, `${err.name}: ${err.message}`);
      assert.ok(!err.message.includes('\n'), 'one line');
      assert.match(err.message, re);
      return true;
    });
  };
  bad({ inputs: 8, layers: [{ type: 'lstm', units: 4 }, { units: 1 }] }, ShapeError,
    /^network\.layers\[0\] \(lstm\): input shape \[8\] does not fit: lstm takes \[time, features\] samples, not \[8\]; give inputs as \[time, features\], e\.g\. \[20, 8\]/);
  bad({ inputs: [1, 4, 4], layers: [{ type: 'conv2d', filters: 2, kernelSize: 3 }, { type: 'gru', units: 4 }, { units: 1 }] }, ShapeError,
    /^network\.layers\[1\] \(gru\): input shape \[2, 2, 2\] does not fit: gru takes \[time, features\] samples, not \[2, 2, 2\]/);
  bad({ inputs: [5, 3], layers: [{ type: 'rnn', units: 4, returnSequences: true }, { units: 1 }] }, ShapeError,
    /^network\.layers\[1\] \(dense\): input shape \[5, 4\] does not fit: dense takes a flat input \[features\], not \[5, 4\]; add \{ "type": "flatten" \} before it$/);
  bad({ inputs: [5, 3], layers: [{ type: 'lstm', units: 0 }, { units: 1 }] }, ValueError, /^network\.layers\[0\]\.units must be a whole number ≥ 1, got 0$/);
  bad({ inputs: [5, 3], layers: [{ type: 'gru', units: 2, returnSequences: 'yes' as unknown as boolean }, { units: 1 }] }, ValueError, /^network\.layers\[0\]\.returnSequences must be true or false, got "yes"$/);
  bad({ inputs: [5, 3], layers: [{ type: 'rnn', units: 2, nonlinearity: 'sigmoid' as 'tanh' }, { units: 1 }] }, ValueError, /^network\.layers\[0\]\.nonlinearity is "sigmoid"; expected 'tanh' or 'relu'$/);
  bad({ inputs: [5, 3], layers: [{ type: 'lstm', units: 2, weightIh: [[1, 2, 3]] }, { units: 1 }] }, ShapeError, /^network\.layers\[0\]\.weightIh has 1 rows, expected 8 \(4 gates \(i, f, g, o\) × units\)$/);
  bad({ inputs: [5, 3], layers: [{ type: 'rnn', units: 2, weightHh: [[1, 2, 3], [4, 5, 6]] }, { units: 1 }] }, ShapeError, /^network\.layers\[0\]\.weightHh\[0\] has 3 numbers, expected 2 \(units\)$/);
  bad({ inputs: [5, 3], layers: [{ type: 'gru', units: 2, biasHh: [1] }, { units: 1 }] }, ShapeError, /^network\.layers\[0\]\.biasHh has 1 numbers, expected 6 \(3 gates \(r, z, n\) × units\)$/);
});

test('recurrent model files round-trip: the same predictions and the same JSON; a missing tensor is named', () => {
  const net = new Network({ inputs: [4, 3], seed: 6, loss: 'crossEntropy', layers: [
    { type: 'gru', units: 3, returnSequences: true }, { type: 'rnn', units: 2, nonlinearity: 'relu', returnSequences: true },
    { type: 'lstm', units: 5 }, { units: 3, activation: 'softmax' },
  ] });
  const text = serializeModel({ network: net });
  const file = JSON.parse(text);
  assert.equal(file.version, 2);
  assert.deepEqual(file.network.inputs, [4, 3]);
  assert.equal(file.network.layers[2].weightIh.length, 20);
  assert.equal(file.network.layers[2].weightIh[0].length, 2);
  assert.equal(file.network.layers[2].biasHh.length, 20);
  const back = parseModel(text).network;
  const x = rows(5, 12, 7);
  assert.deepEqual(back.predict(x), net.predict(x));
  assert.deepEqual(back.toJSON(), net.toJSON());
  const missing = JSON.parse(text); delete missing.network.layers[1].weightHh;
  assert.throws(() => parseModel(JSON.stringify(missing)), /network\.layers\[1\] has no weightHh; a model file stores every parameter/);
});

/**
 * The sequence-memory task (examples/sequence-memory.ts) as rows of 20·8 values: a sequence of
 * `length` one-hot symbols (4 kinds, features 4–7 always zero), labelled by its first symbol,
 * right-aligned in 20 steps with zeros before it. Training lengths 2–20 (as the example trains),
 * held-out sequences all 20 long.
 */
function memoryRows(count: number, rng: Random, minLength: number): { x: number[][]; y: number[] } {
  const x: number[][] = [], y: number[] = [];
  for (let b = 0; b < count; b++) {
    const length = minLength + rng.int(21 - minLength);
    const s = sequences(1, length, rng);
    const row = new Array<number>(160).fill(0);
    for (let t = 0; t < length; t++) for (let f = 0; f < 4; f++) row[(20 - length + t) * 8 + f] = s.x.data[t * 4 + f];
    x.push(row);
    y.push(s.labels[0]);
  }
  return { x, y };
}

test('an LSTM spec learns the sequence-memory task with Network.learn (compiled): ≥ 95% on held-out length-20 sequences', () => {
  const rng = new Random(3);
  const train = memoryRows(2048, rng, 2), held = memoryRows(256, rng, 20);
  const net = new Network({ inputs: [20, 8], layers: [{ type: 'lstm', units: 32 }, { units: 4, activation: 'softmax' }], loss: 'crossEntropy', seed: 1 });
  assert.ok(net.usesFusedLoss);
  const history = net.learn(train.x, train.y, { optimizer: 'adam', learningRate: 0.01, epochs: 6, batchSize: 32, seed: 2 });
  const { accuracy } = net.evaluate(held.x, held.y);
  assert.ok(accuracy! >= 0.95, `held-out accuracy ${accuracy} (losses ${history.epochs.map((e) => e.loss.toFixed(3)).join(', ')})`);
  // The trained model file predicts the same.
  assert.deepEqual(parseModel(serializeModel({ network: net })).network.predict(held.x.slice(0, 8)), net.predict(held.x.slice(0, 8)));
});
