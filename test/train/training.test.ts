/**
 * Training, the one resumable loop: step() after step() makes exactly fit()'s updates, epoch() and
 * run() finish the same history, stop() ends it like an abort, best/restoreBest track the monitored
 * value, and Network.training gives learn()'s loop.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Dense, Network, Random, Sequential, Training, fit, mse, optim, tensor, training, type History } from '../../src/index.js';

const r = new Random(4);
const X = tensor(Array.from({ length: 9 }, () => [r.range(-1, 1), r.range(-1, 1)]), { dtype: 'float64' });
const Y = tensor(Array.from({ length: 9 }, () => [r.uniform()]), { dtype: 'float64' });
const make = () => new Sequential(new Dense(2, 3, { activation: 'tanh', seed: 1, dtype: 'float64' }), new Dense(3, 1, { seed: 2, dtype: 'float64' }));
const weights = (m: Sequential) => m.parameters().flatMap((p) => Array.from(p.data));
const strip = (h: History) => ({ ...h, epochs: h.epochs.map((e) => ({ ...e, seconds: 0 })) });

test('step() after step() makes fit()\'s updates; epoch() and run() end with fit()\'s history and weights', () => {
  for (const compiled of [true, false]) {
    const a = make(), b = make(), c = make();
    const opts = (m: Sequential) => ({ loss: mse, optimizer: new optim.Adam(m.parameters(), { lr: 0.05 }), epochs: 4, batchSize: 2, seed: 3, compiled });
    const h = fit(a, X, Y, opts(a));
    const t = training(b, X, Y, opts(b));
    assert.ok(t instanceof Training);
    const first = t.step()!;
    assert.deepEqual({ epoch: first.epoch, batch: first.batch, batches: first.batches, size: first.size }, { epoch: 1, batch: 1, batches: 5, size: 2 });
    assert.equal(t.history.updates, 1);
    for (let i = 0; i < 4; i++) t.step();
    assert.equal(t.history.epochs.length, 1, 'the fifth batch ends epoch 1');
    const e2 = t.epoch()!;
    assert.equal(e2.epoch, 2);
    t.run();
    assert.ok(t.done);
    assert.equal(t.step(), null);
    assert.deepEqual(strip(t.history), strip(h));
    assert.deepEqual(weights(b), weights(a));
    const u = training(c, X, Y, opts(c));
    while (!u.done) u.step();
    assert.deepEqual(weights(c), weights(a), `compiled ${compiled}: stepping to the end`);
  }
});

test('stop() ends training like an abort, keeping the partial epoch; best and restoreBest follow the monitored loss', () => {
  const m = make();
  const t = training(m, X, Y, { loss: mse, optimizer: new optim.SGD(m.parameters(), { lr: 0.5 }), epochs: 50, batchSize: 3, seed: 1 });
  assert.equal(t.best, null);
  t.keepBest();
  t.epoch(); t.epoch(); t.step();
  t.stop();
  assert.ok(t.done);
  assert.equal(t.history.stopReason, 'aborted');
  assert.equal(t.history.epochs.length, 3);
  assert.equal(t.history.epochs[2].updates, 7);
  const best = t.best!;
  // The aborted third epoch is logged but not a candidate: best is the lower of the first two.
  const [e1, e2] = t.history.epochs;
  assert.equal(best.value, Math.min(e1.loss, e2.loss));
  assert.equal(best.epoch, e1.loss < e2.loss ? 1 : 2);
  t.restoreBest();
  assert.equal(t.history.bestEpoch, best.epoch);
});

test('Network.training is learn()\'s loop: the same history step by step', () => {
  const spec = { inputs: 2, layers: [{ units: 3, activation: 'tanh' as const }, { units: 1, activation: 'sigmoid' as const }], loss: 'bce' as const, seed: 2, dtype: 'float64' as const };
  const xs = [[0, 0], [0, 1], [1, 0], [1, 1]], ys = [[0], [1], [1], [0]];
  const a = new Network(spec), b = new Network(spec);
  const h = a.learn(xs, ys, { epochs: 5, batchSize: 2, learningRate: 0.5, seed: 4 });
  const t = b.training(xs, ys, { epochs: 5, batchSize: 2, learningRate: 0.5, seed: 4 });
  while (!t.done) t.step();
  assert.deepEqual(strip(t.history), strip(h));
  assert.deepEqual(b.toJSON(), a.toJSON());
  assert.throws(() => b.training(xs, ys, { epochz: 1 } as never), /learn: unknown option 'epochz'/);
});

test('run() reads the clock every few epochs while its readings repeat, every epoch while they differ or onEpochEnd is set, and again for the last epoch', () => {
  const realNow = Date.now;
  let reads = 0, now = 1_000_000;
  let advance = 0;
  Date.now = () => { reads++; now += advance; return now; };
  try {
    const run = (options: { onEpochEnd?: () => void }) => {
      const m = make();
      reads = 0;
      const h = fit(m, X, Y, { loss: mse, optimizer: new optim.SGD(m.parameters(), { lr: 0.1 }), epochs: 160, batchSize: 'full', ...options });
      return { h, reads };
    };
    // A clock that does not move (epochs shorter than its tick): readings every 2, 4, 8, then 16 epochs.
    advance = 0;
    const still = run({});
    assert.ok(still.reads <= 160 / 16 + 8, `${still.reads} readings for 160 epochs`);
    assert.ok(still.h.epochs.every((e) => e.seconds === 0));
    // A callback sees every epoch's own reading.
    const watched = run({ onEpochEnd: () => {} });
    assert.ok(watched.reads >= 160, `${watched.reads} readings with onEpochEnd`);
    // A clock that moves 1 ms a reading: read at every epoch, each epoch its own time.
    advance = 1;
    const moving = run({});
    assert.ok(moving.reads >= 160, `${moving.reads} readings of a moving clock`);
    const secs = moving.h.epochs.map((e) => e.seconds);
    for (let i = 1; i < secs.length; i++) assert.ok(secs[i] > secs[i - 1], `epoch ${i + 1}: ${secs[i]} after ${secs[i - 1]}`);
    // Stopped (an abort after epoch 37, a stale epoch: readings at 31 and 47) as the clock jumps 5 ms: the last epoch gets a fresh reading.
    const m = make();
    const signal = { aborted: false };
    let e = 0;
    Date.now = () => now + (e >= 37 ? 5 : 0);
    const h = fit(m, X, Y, { loss: mse, optimizer: new optim.SGD(m.parameters(), { lr: 0.1 }), epochs: 160, batchSize: 'full', signal,
      scheduler: { step: () => { if (++e === 37) signal.aborted = true; } } });
    assert.equal(h.stopReason, 'aborted');
    assert.equal(h.epochs.length, 37);
    assert.equal(h.epochs[35].seconds, 0);
    assert.equal(h.epochs[36].seconds, 0.005);
  } finally {
    Date.now = realNow;
  }
});
