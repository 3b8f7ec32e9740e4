/**
 * The playground's defaults train what it offers: every built-in dataset with every depth preset
 * (1–4 hidden layers of 8 tanh units) and the default network reaches its accuracy target with each
 * optimizer's default learning rate, through the playground's own Trainer (web/src/trainer.ts) in Node.
 * Also: no hidden layer solves exactly the linearly separable sets, and the stall hint appears for a
 * learning rate that is too large (and not for the default).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Trainer } from '../../web/src/trainer.js';
import { buildData, networkSpec } from '../../web/src/experiment.js';
import {
  batchSizeOf, DEFAULT_LEARNING_RATES, defaultState, DEPTH_PRESETS, OPTIMIZERS, PRESET_UNITS, type DatasetName, type OptimizerChoice, type PlaygroundState,
} from '../../web/src/state.js';

function trainer(patch: Partial<PlaygroundState>): Trainer {
  const s: PlaygroundState = { ...defaultState(), ...patch };
  const data = buildData(s);
  return new Trainer(1, {
    spec: networkSpec(s), optimizer: s.optimizer, learningRate: s.learningRate, batchSize: batchSizeOf(s), seed: s.seed,
    train: data.train, test: data.test, domain: data.domain, gridSize: 4, landscape: [s.landscapeX, s.landscapeY], l2: s.l2, features: s.features,
    task: data.task,
  });
}

/** Epochs until the test accuracy reaches `target` (checked every 5 epochs), or null within `max`. */
function epochsTo(t: Trainer, target: number, max: number): { epochs: number | null; best: number } {
  let best = 0;
  while (t.epoch < max) {
    t.epochStep();
    if (t.epoch % 5 !== 0) continue;
    const acc = t.snapshot(false).snapshot.testAccuracy;
    best = Math.max(best, acc);
    if (acc >= target) return { epochs: t.epoch, best };
  }
  return { epochs: null, best };
}

const layers = (depth: number) => Array.from({ length: depth }, () => ({ units: PRESET_UNITS, activation: 'tanh' as const }));
/** Test-accuracy targets: the 4-row gates must be all right; the 2-D sets (200 points, no noise) 95%. */
const TARGETS: [DatasetName, number][] = [['gate-or', 1], ['gate-and', 1], ['gate-xor', 1], ['circle', 0.95], ['gaussian', 0.95], ['xor', 0.95]];

for (const optimizer of OPTIMIZERS) {
  test(`${optimizer} at its default learning rate ${DEFAULT_LEARNING_RATES[optimizer]}: every dataset × depth preset reaches its target`, () => {
    const misses: string[] = [];
    for (const [dataset, target] of TARGETS) {
      for (const depth of [...DEPTH_PRESETS, 'default' as const]) {
        const hidden = depth === 'default' ? defaultState().hidden : layers(depth);
        const t = trainer({ dataset, optimizer: optimizer as OptimizerChoice, learningRate: DEFAULT_LEARNING_RATES[optimizer], hidden });
        const r = epochsTo(t, target, 600);
        if (r.epochs === null) misses.push(`${dataset}, depth ${depth}: best ${(100 * r.best).toFixed(0)}% < ${100 * target}% in 600 epochs`);
      }
    }
    assert.deepEqual(misses, []);
  });
}

test('no hidden layer: the linearly separable sets are solved, the others are not (one line cannot)', () => {
  for (const dataset of ['gate-or', 'gate-and', 'gaussian'] as const) {
    assert.notEqual(epochsTo(trainer({ dataset, hidden: [] }), dataset === 'gaussian' ? 0.95 : 1, 600).epochs, null, dataset);
  }
  for (const dataset of ['gate-xor', 'circle', 'xor'] as const) {
    assert.ok(epochsTo(trainer({ dataset, hidden: [] }), 0.95, 200).best <= 0.8, `${dataset} without a hidden layer`);
  }
});

test('the two spirals with Adam\'s default: 2–4 hidden layers of 8 reach 80% on the test points, one layer of 8 is too shallow', () => {
  for (const depth of [2, 3, 4]) {
    const r = epochsTo(trainer({ dataset: 'spirals', hidden: layers(depth) }), 0.8, 1500);
    assert.notEqual(r.epochs, null, `spirals, depth ${depth}: best ${(100 * r.best).toFixed(0)}%`);
  }
  assert.ok(epochsTo(trainer({ dataset: 'spirals', hidden: layers(1) }), 0.8, 600).best < 0.8);
});

test('the issue\'s case: spirals with four tanh layers of 8 no longer collapse at the default learning rate, and 0.1 shows the stall hint', () => {
  const good = trainer({ dataset: 'spirals', hidden: layers(4) });
  for (let e = 0; e < 300; e++) good.epochStep();
  const ok = good.snapshot(false).snapshot;
  assert.ok(ok.trainAccuracy > 0.65, `train accuracy ${ok.trainAccuracy}`);
  assert.equal(ok.stalled, 0, 'no hint while it learns');
  const bad = trainer({ dataset: 'spirals', hidden: layers(4), learningRate: 0.1 });
  let first = 0;
  for (let e = 0; e < 120 && first === 0; e++) {
    bad.epochStep();
    if (bad.snapshot(false).snapshot.stalled > 0) first = bad.epoch;
  }
  assert.ok(first >= 50 && first < 120, `the hint came at epoch ${first}`);
  assert.ok(bad.snapshot(false).snapshot.trainAccuracy < 0.6);
});

/** R² on the test points: 1 − MSE / the variance of the values (what predicting their mean would score). */
function r2(t: Trainer): number {
  const y = t.config.test.label;
  const mean = y.reduce((a, b) => a + b, 0) / y.length;
  const variance = y.reduce((a, b) => a + (b - mean) ** 2, 0) / y.length;
  return 1 - t.snapshot(false).snapshot.testLoss / variance;
}

test('the regression sets: every optimizer\'s default fits the plane (R² ≥ 0.99) and the Gaussian bumps (R² ≥ 0.8) at every depth preset', () => {
  const misses: string[] = [];
  for (const optimizer of OPTIMIZERS) {
    for (const dataset of ['reg-plane', 'reg-bumps'] as const) {
      for (const depth of [...DEPTH_PRESETS, 'default' as const]) {
        const t = trainer({ dataset, optimizer, learningRate: DEFAULT_LEARNING_RATES[optimizer], hidden: depth === 'default' ? defaultState().hidden : layers(depth) });
        const target = dataset === 'reg-plane' ? 0.99 : 0.8;
        let best = -Infinity;
        while (t.epoch < 600 && best < target) {
          for (let k = 0; k < 25; k++) t.epochStep();
          best = Math.max(best, r2(t));
        }
        if (best < target) misses.push(`${optimizer}, ${dataset}, depth ${depth}: R² ${best.toFixed(3)} < ${target}`);
      }
    }
  }
  assert.deepEqual(misses, []);
  // a regression set has no accuracy, and the network ends in one linear unit fitted by MSE
  const t = trainer({ dataset: 'reg-bumps' });
  const s = t.snapshot(false).snapshot;
  assert.ok(Number.isNaN(s.trainAccuracy));
  assert.deepEqual([s.spec.layers.at(-1)!.units, s.spec.layers.at(-1)!.activation, s.spec.loss], [1, 'linear', 'mse']);
  // without a hidden layer the plane is exact, the bumps are not
  const flat = trainer({ dataset: 'reg-plane', hidden: [] });
  for (let e = 0; e < 200; e++) flat.epochStep();
  assert.ok(r2(flat) > 0.999);
  const bumps = trainer({ dataset: 'reg-bumps', hidden: [] });
  for (let e = 0; e < 200; e++) bumps.epochStep();
  assert.ok(r2(bumps) < 0.2);
});
