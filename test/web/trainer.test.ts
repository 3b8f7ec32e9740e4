/**
 * The playground's trainer (web/src/trainer.ts) in Node, without a browser: Step after Step makes
 * exactly the updates a Train epoch makes, snapshots have the shapes the views expect, the landscape
 * comes from the library and contains the optimizer's path, and XOR trains to ≥ 95%.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pacer, Trainer, paramLocation } from '../../web/src/trainer.js';
import { buildData, networkSpec } from '../../web/src/experiment.js';
import { batchSizeOf, defaultState, featurize, SPEEDS, type PlaygroundState } from '../../web/src/state.js';
import type { TrainConfig } from '../../web/src/protocol.js';

function config(patch: Partial<PlaygroundState> = {}): TrainConfig {
  const s = { ...defaultState(), dataset: 'xor' as const, ...patch };
  const data = buildData(s);
  return {
    spec: networkSpec(s), optimizer: s.optimizer, learningRate: s.learningRate, batchSize: batchSizeOf(s), seed: s.seed,
    train: data.train, test: data.test, domain: data.domain, gridSize: 16, landscape: [s.landscapeX, s.landscapeY],
    features: s.features, l2: s.l2,
  };
}

const weights = (t: Trainer): number[] => t.net.parameters().flatMap((p) => Array.from(p.data));

test('Step after Step makes the same updates as one Train epoch', () => {
  for (const patch of [{}, { batchMode: 'full' as const }, { optimizer: 'sgd' as const, batchSize: 32 }]) {
    const a = new Trainer(1, config(patch));
    const b = new Trainer(1, config(patch));
    a.epochStep();
    for (let i = 0; i < b.batchesPerEpoch; i++) b.batchStep();
    assert.equal(a.epoch, 1);
    assert.equal(b.epoch, 1);
    assert.equal(a.updates, b.updates);
    assert.equal(a.updates, a.batchesPerEpoch);
    const wa = weights(a), wb = weights(b);
    wa.forEach((v, i) => assert.ok(Math.abs(v - wb[i]) < 1e-6, `${JSON.stringify(patch)}: weight ${i} ${v} vs ${wb[i]}`));
    assert.notDeepEqual(wa, weights(new Trainer(1, config(patch))), 'training moved the weights');
  }
});

test('snapshots carry what the views draw', () => {
  const t = new Trainer(3, config());
  t.batchStep();
  t.batchStep();
  const { snapshot: s, transfer } = t.snapshot(false);
  assert.equal(s.generation, 3);
  assert.equal(s.updates, 2);
  assert.equal(s.epoch, 0);
  assert.equal(s.boundary.length, 16 * 16);
  assert.deepEqual(s.neurons.map((l) => l.length), [2, 4, 4]);
  for (const layer of s.neurons) for (const n of layer) assert.equal(n.length, 256);
  assert.ok(s.boundary.every((v) => v >= 0 && v <= 1), 'sigmoid scores');
  assert.equal(s.path.length, 2 * 3, 'the start and one point per update');
  assert.equal(s.history.length, 3, 'the start and one history point per step');
  assert.ok(s.trainAccuracy >= 0 && s.trainAccuracy <= 1);
  assert.equal(s.spec.layers.length, 3);
  assert.equal(transfer.length, 2 + 10);
  // the path follows the tracked parameters' actual values
  assert.equal(s.path[4], t.net.layers[0].weight.data[0]);
  assert.equal(s.path[5], t.net.layers[0].weight.data[1]);
  assert.equal(t.snapshot(false).snapshot.history.length, 0, 'history is sent once');
});

test('the landscape is the library\'s loss over two parameters, around the path', () => {
  const t = new Trainer(1, config());
  for (let i = 0; i < 3; i++) t.epochStep();
  const land = t.landscape(['layers.1.weight[0][2]', 'layers.0.bias[1]'], 9);
  assert.equal(land.loss.length, 81);
  assert.ok(land.loss.every((v) => Number.isFinite(v) && v >= 0));
  assert.equal(land.path.length, 2 * (1 + t.updates));
  for (let i = 0; i < land.path.length; i += 2) {
    assert.ok(land.path[i] >= land.xRange[0] && land.path[i] <= land.xRange[1]);
    assert.ok(land.path[i + 1] >= land.yRange[0] && land.path[i + 1] <= land.yRange[1]);
  }
  assert.equal(land.path[land.path.length - 2], t.net.layers[1].weight.data[2]);
  assert.equal(land.path[land.path.length - 1], t.net.layers[0].bias!.data[1]);
  assert.throws(() => t.landscape(['layers.0.weight[9][0]', 'layers.0.bias[0]'], 5), /outside layer 0's 4×2 weights/);
});

test('parameter names map to tensors and offsets', () => {
  const t = new Trainer(1, config());
  assert.deepEqual(paramLocation(t.net, 'layers.0.weight[1][0]'), [0, 2]);
  assert.deepEqual(paramLocation(t.net, 'layers.0.bias[3]'), [1, 3]);
  assert.deepEqual(paramLocation(t.net, 'layers.2.weight[0][3]'), [4, 3]);
  assert.throws(() => paramLocation(t.net, 'w1'), /unknown parameter 'w1'/);
  assert.throws(() => paramLocation(t.net, 'layers.7.bias[0]'), /no layer 7/);
});

test('XOR quadrants train to at least 95% test accuracy with the default network', () => {
  const t = new Trainer(1, config());
  let acc = 0;
  while (t.epoch < 300 && acc < 0.95) {
    t.epochStep();
    acc = t.snapshot(false).snapshot.testAccuracy;
  }
  assert.ok(acc >= 0.95, `test accuracy ${acc} after ${t.epoch} epochs`);
  assert.ok(t.epoch < 300);
});

test('crossEntropy trains two softmax outputs with class-index targets', () => {
  const t = new Trainer(1, config({ loss: 'crossEntropy', dataset: 'gaussian' }));
  for (let i = 0; i < 20; i++) t.epochStep();
  const s = t.snapshot(false).snapshot;
  assert.equal(s.spec.layers[2].units, 2);
  assert.ok(s.testAccuracy >= 0.9, `gaussian clusters: ${s.testAccuracy}`);
  const [p] = t.probe([[0.9, 0.9]]);
  assert.equal(p.length, 2);
  assert.ok(Math.abs(p[0] + p[1] - 1) < 1e-5);
});

test('the speed control paces updates and epochs by the clock; "as fast as possible" is always due', () => {
  let now = 1000;
  const clock = () => now;
  const epochs = new Pacer(SPEEDS[1], clock); // 1 epoch/s
  assert.equal(epochs.due(), 1, 'the first epoch at once');
  epochs.did(1);
  assert.equal(epochs.due(), 0);
  assert.equal(epochs.wait(), 1000);
  now += 999;
  assert.equal(epochs.due(), 0);
  now += 1;
  assert.equal(epochs.due(), 1);
  epochs.did(1);
  const updates = new Pacer(SPEEDS[0], clock); // 2 updates/s
  updates.did(updates.due());
  now += 1500;
  assert.equal(updates.due(), 3, '1.5 s at 2 per second: the 2nd, 3rd and 4th updates');
  // a backlog over a second (a hidden tab) restarts the clock instead of bursting
  now += 60_000;
  assert.equal(updates.due(), 1);
  const max = new Pacer(SPEEDS[SPEEDS.length - 1], clock);
  assert.equal(max.due(), Infinity);
  assert.equal(max.wait(), 0);
  assert.equal(SPEEDS[SPEEDS.length - 1].label, 'as fast as possible');
});

test('input features: the network sees x², x·y, sin x … computed from each point, the grid too', () => {
  assert.deepEqual(featurize([2, 3], ['x1', 'x2', 'x1^2', 'x2^2', 'x1*x2']), [2, 3, 4, 9, 6]);
  assert.equal(featurize([Math.PI / 2, 0], ['sin(x1)', 'sin(x2)'])[0], 1);
  const t = new Trainer(1, config({ dataset: 'circle', features: ['x1^2', 'x2^2'], hidden: [] }));
  assert.equal(t.net.layers[0].inFeatures, 2);
  const { snapshot } = t.snapshot(false);
  // the input column of the diagram shows the features over the grid: x1² is never negative
  assert.ok(snapshot.neurons[0][0].every((v) => v >= 0));
  // with x² and y² a circle is linearly separable: no hidden layer needed
  for (let e = 0; e < 150; e++) t.epochStep();
  assert.ok(t.snapshot(false).snapshot.testAccuracy >= 0.95);
  assert.equal(t.probe([[0.5, -0.5]]).length, 1);
});

test('L2 regularisation (weight decay) keeps the weights smaller', () => {
  const size = (t: Trainer) => t.net.parameters().flatMap((p) => Array.from(p.data)).reduce((s, v) => s + v * v, 0);
  const plain = new Trainer(1, config({ dataset: 'xor', l2: 0 }));
  const l2 = new Trainer(1, config({ dataset: 'xor', l2: 0.01 }));
  for (let e = 0; e < 100; e++) { plain.epochStep(); l2.epochStep(); }
  assert.ok(size(l2) < 0.8 * size(plain), `‖w‖² ${size(l2)} with L2 vs ${size(plain)} without`);
});
