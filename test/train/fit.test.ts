// The training loop: batch modes, determinism, validation, early stopping, tolerance, divergence, abort.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, fit, mse, Dense, Sequential, optim, DivergenceError, Network, type History } from '../../src/index.js';

const X = tensor([[0, 0], [0, 1], [1, 0], [1, 1], [0.5, 0.5], [0.2, 0.9], [0.9, 0.1]]);
const Y = tensor([[0], [1], [1], [1], [1], [1], [1]]);

function model(seed = 1) {
  return new Sequential(new Dense(2, 3, { seed, activation: 'tanh' }), new Dense(3, 1, { seed: seed + 1, activation: 'sigmoid' }));
}

test("batch modes make 1, N and ⌈N/B⌉ updates per epoch ('full', 1, B)", () => {
  const cases: [number | 'full', number][] = [['full', 1], [1, 7], [3, 3], [7, 1], [100, 1]];
  for (const [batchSize, perEpoch] of cases) {
    const m = model();
    let batchCalls = 0;
    const h = fit(m, X, Y, { loss: mse, optimizer: new optim.SGD(m.parameters(), { lr: 0.1 }), epochs: 2, batchSize, onBatchEnd: () => batchCalls++ });
    assert.equal(h.updates, 2 * perEpoch, `batchSize ${batchSize}`);
    assert.equal(batchCalls, 2 * perEpoch);
  }
});

test('the same seed gives bit-identical training; another seed differs', () => {
  const run = (seed: number) => {
    const m = model();
    const h = fit(m, X, Y, { loss: mse, optimizer: new optim.Adam(m.parameters(), { lr: 0.05 }), epochs: 5, batchSize: 2, seed });
    return [h.epochs.map((e) => e.loss), Array.from(m.parameters()[0].data)];
  };
  assert.deepEqual(run(7), run(7));
  assert.notDeepEqual(run(7), run(8));
});

test('history has one entry per epoch with loss, learning rate and updates', () => {
  const m = model();
  const h = fit(m, X, Y, { loss: mse, optimizer: new optim.SGD(m.parameters(), { lr: 0.5 }), epochs: 30, batchSize: 'full' });
  assert.equal(h.epochs.length, 30);
  assert.equal(h.stopReason, 'completed');
  assert.deepEqual(h.epochs.map((e) => e.epoch), Array.from({ length: 30 }, (_, i) => i + 1));
  assert.ok(h.epochs[29].loss < h.epochs[0].loss);
  assert.equal(h.epochs[0].learningRate, 0.5);
});

test('validationSplit holds rows out and reports valLoss', () => {
  const m = model();
  let trainRows = 0;
  const h = fit(m, X, Y, { loss: mse, optimizer: new optim.SGD(m.parameters(), { lr: 0.1 }), epochs: 1, batchSize: 1, validationSplit: 0.3, onBatchEnd: () => trainRows++ });
  assert.equal(trainRows, 5); // 7 rows, 2 held out
  assert.ok(Number.isFinite(h.epochs[0].valLoss));
});

test('tolerance stops once the loss is below it', () => {
  const m = model();
  const h = fit(m, X, Y, { loss: mse, optimizer: new optim.Adam(m.parameters(), { lr: 0.1 }), epochs: 5000, batchSize: 'full', tolerance: 0.01 });
  assert.equal(h.stopReason, 'tolerance');
  assert.ok(h.epochs.at(-1)!.loss < 0.01);
  assert.ok(h.epochs.slice(0, -1).every((e) => e.loss >= 0.01));
});

test('early stopping stops after `patience` epochs without improvement and restores the best weights', () => {
  const m = model();
  // A learning rate of 0 never improves: stop after exactly 1 + patience epochs.
  const h = fit(m, X, Y, { loss: mse, optimizer: new optim.SGD(m.parameters(), { lr: 0 }), epochs: 100, batchSize: 'full', earlyStopping: { patience: 3 } });
  assert.equal(h.stopReason, 'earlyStopping');
  assert.equal(h.epochs.length, 4);
  assert.equal(h.bestEpoch, 1);
});

test('divergence is detected, names the epoch, and suggests a remedy', () => {
  const big = tensor([[1000, -2000], [3000, 500], [-1500, 800]]);
  const target = tensor([[1], [2], [3]]);
  const m = new Sequential(new Dense(2, 1, { seed: 1 }));
  assert.throws(
    () => fit(m, big, target, { loss: mse, optimizer: new optim.SGD(m.parameters(), { lr: 1 }), epochs: 50, batchSize: 1 }),
    (err: Error) => err instanceof DivergenceError && /diverged at epoch \d+, batch \d+/.test(err.message) && /lower learning rate/.test(err.message) && /scaled/.test(err.message),
  );
});

test('an AbortSignal stops training between batches', () => {
  const m = model();
  const controller = new AbortController();
  const h: History = fit(m, X, Y, {
    loss: mse, optimizer: new optim.SGD(m.parameters(), { lr: 0.1 }), epochs: 100, batchSize: 1,
    onBatchEnd: (b) => { if (b.epoch === 3 && b.batch === 2) controller.abort(); }, signal: controller.signal,
  });
  assert.equal(h.stopReason, 'aborted');
  assert.equal(h.updates, 2 * 7 + 2);
});

test('onEpochEnd returning false stops training', () => {
  const m = model();
  const h = fit(m, X, Y, { loss: mse, optimizer: new optim.SGD(m.parameters(), { lr: 0.1 }), epochs: 100, onEpochEnd: (e) => e.epoch < 5 });
  assert.equal(h.stopReason, 'callback');
  assert.equal(h.epochs.length, 5);
});

test('fit rejects nonsense options with the option named', () => {
  const m = model();
  const opt = new optim.SGD(m.parameters(), { lr: 0.1 });
  assert.throws(() => fit(m, X, Y, { loss: mse, optimizer: opt, epochs: -1 }), /epochs must be a whole number ≥ 0, got -1/);
  assert.throws(() => fit(m, X, Y, { loss: mse, optimizer: opt, batchSize: 0 }), /batchSize must be a whole number ≥ 1 or 'full', got 0/);
  assert.throws(() => fit(m, X, Y, { loss: mse, optimizer: opt, validationSplit: 1.5 }), /validationSplit must be in \[0, 1\), got 1\.5/);
  assert.throws(() => fit(m, X, Y, { loss: mse, optimizer: opt, epoch: 3 } as never), /unknown option 'epoch'/);
  // Options of the wrong type, each named with what it got (before: TypeErrors deep inside the loop,
  // e.g. 'accuracy is not a function' after the first batch had already updated the weights).
  const bad: [object, RegExp][] = [
    [{ accuracy: true }, /fit: accuracy must be a function, got boolean true/],
    [{ onEpochEnd: 'log' }, /fit: onEpochEnd must be a function, got string log/],
    [{ loss: 'mse' }, /fit: loss must be a function, got string mse/],
    [{ optimizer: 'adam' }, /fit: optimizer must be an optimizer .*got string adam/],
    [{ scheduler: {} }, /fit: scheduler must have a step\(\) method, got an object \(no keys\)/],
    [{ shuffle: 'yes' }, /fit: shuffle must be true or false, got string yes/],
    [{ seed: NaN }, /fit: seed must be a finite number, got number NaN/],
    [{ signal: true }, /fit: signal must be an AbortSignal/],
    [{ earlyStopping: 5 }, /fit: earlyStopping must be true, false or an options object, got number 5/],
    [{ validationData: [X] }, /fit: validationData must be \[inputs, targets\], two tensors, got an array of 1/],
  ];
  const before = Array.from(m.parameters()[0].data);
  for (const [o, re] of bad) assert.throws(() => fit(m, X, Y, { loss: mse, optimizer: opt, ...o } as never), re);
  assert.deepEqual(Array.from(m.parameters()[0].data), before, 'no update happened');
  const net = new Network({ inputs: 2, layers: [{ units: 1, activation: 'sigmoid' }], seed: 1 });
  assert.throws(() => net.learn([[0, 1]], [[1]], { onBatchEnd: 3 } as never), /learn: onBatchEnd must be a function, got number 3/);
});

test('Network.learn makes 1, N and ⌈N/B⌉ updates per epoch too', () => {
  const rows = [[0, 0], [0, 1], [1, 0], [1, 1], [0.5, 0.5]];
  const targets = [[0], [1], [1], [1], [1]];
  for (const [batchSize, perEpoch] of [['full', 1], [1, 5], [2, 3]] as const) {
    const net = new Network({ inputs: 2, layers: [{ units: 1, activation: 'sigmoid' }], seed: 1 });
    assert.equal(net.learn(rows, targets, { epochs: 3, batchSize, learningRate: 0.1 }).updates, 3 * perEpoch);
  }
});

test('batches of images and sequences keep their shape, the last partial batch included (fit compiled and eager)', async () => {
  // Before the fix the gatherer knew only [n] and [n, f] sources: a [7, 1, 3, 3] input's last batch
  // of 1 became a tensor of shape [1] (and every batch of a rank-3 input lost its shape).
  const { Conv2d, Flatten } = await import('../../src/index.js');
  const n = 7, data = new Float64Array(n * 9).map((_, i) => Math.sin(i * 1.7));
  const x = tensor(data, { shape: [n, 1, 3, 3], dtype: 'float64' });
  const y = tensor(Float64Array.from({ length: n }, (_, i) => Math.cos(i)), { shape: [n, 1], dtype: 'float64' });
  const make = () => new Sequential(new Conv2d(1, 2, 2, { seed: 3, dtype: 'float64' }), new Flatten(), new Dense(8, 1, { seed: 4, dtype: 'float64' }));
  const byHand = make();
  const opt = new optim.SGD(byHand.parameters(), { lr: 0.1 });
  for (const [from, size] of [[0, 3], [3, 3], [6, 1]]) {
    opt.zeroGrad();
    const xb = tensor(data.slice(from * 9, (from + size) * 9), { shape: [size, 1, 3, 3], dtype: 'float64' });
    const yb = tensor(y.data.slice(from, from + size), { shape: [size, 1], dtype: 'float64' });
    mse(byHand.forward(xb), yb).backward();
    opt.step();
  }
  for (const compiled of [true, false]) {
    const m = make();
    fit(m, x, y, { loss: mse, optimizer: new optim.SGD(m.parameters(), { lr: 0.1 }), epochs: 1, batchSize: 3, shuffle: false, compiled });
    m.parameters().forEach((p, i) => {
      const want = byHand.parameters()[i].data;
      p.data.forEach((v, j) => assert.ok(Math.abs(v - want[j]) < 1e-12, `compiled ${compiled}: parameter ${i}[${j}] ${v} vs ${want[j]}`));
    });
  }
});
