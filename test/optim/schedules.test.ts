/**
 * Learning-rate schedules: their lr sequences against PyTorch's closed forms worked by hand, every
 * group updated, a rate changed by someone else (a training loop's remedy) kept, state round trips
 * and option checks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor } from '../../src/index.js';
import { CosineAnnealingLR, ExponentialLR, SGD, StepLR, Adam, type LRScheduler } from '../../src/optim/index.js';

/** The rate before any step, then after each of n steps. */
function rates(s: LRScheduler, n: number): number[] {
  const out = [s.optimizer.learningRate];
  for (let i = 0; i < n; i++) {
    s.step();
    assert.equal(s.lastLr, s.optimizer.learningRate);
    out.push(s.lastLr);
  }
  return out;
}

const opt = (lr: number): SGD => new SGD([tensor([1])], { lr });

test('StepLR: lr = base·gamma^⌊epoch/stepSize⌋', () => {
  // stepSize 2, gamma 0.5 from 0.1: 0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.0125
  assert.deepEqual(rates(new StepLR(opt(0.1), { stepSize: 2, gamma: 0.5 }), 6), [0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.0125]);
  // gamma defaults to 0.1, as in PyTorch
  const s = new StepLR(opt(1), { stepSize: 1 });
  s.step();
  assert.equal(s.lastLr, 0.1);
});

test('ExponentialLR: lr = base·gamma^epoch', () => {
  assert.deepEqual(rates(new ExponentialLR(opt(1), { gamma: 0.5 }), 4), [1, 0.5, 0.25, 0.125, 0.0625]);
});

test('CosineAnnealingLR: lr = etaMin + (base − etaMin)(1 + cos(π·epoch/tMax))/2', () => {
  // tMax 4 from 1 to 0: cos(π/4) = 0.70710678 → 0.85355339; cos(π/2) = 0 → 0.5; cos(3π/4) → 0.14644661; cos(π) = −1 → 0;
  // epoch 5 climbs back (cos(5π/4) = −0.70710678 → 0.14644661), as PyTorch's does.
  const got = rates(new CosineAnnealingLR(opt(1), { tMax: 4 }), 5);
  const want = [1, 0.8535533905932737, 0.5, 0.14644660940672627, 0, 0.14644660940672605];
  got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-15, `epoch ${i}: ${v}, expected ${want[i]}`));
  // etaMin 0.1: 0.1 + 0.9·(1 + cos(π/2))/2 = 0.55 at epoch 1 of tMax 2, then 0.1
  const withMin = rates(new CosineAnnealingLR(opt(1), { tMax: 2, etaMin: 0.1 }), 2);
  [1, 0.55, 0.1].forEach((w, i) => assert.ok(Math.abs(withMin[i] - w) < 1e-15, `epoch ${i}: ${withMin[i]}`));
});

test('schedules set every group from its own base rate', () => {
  const o = new SGD([{ params: [tensor([1])], lr: 0.1 }, { params: [tensor([2])], lr: 1 }]);
  const s = new ExponentialLR(o, { gamma: 0.5 });
  s.step();
  assert.deepEqual(s.lastLrs, [0.05, 0.5]);
  assert.deepEqual(o.paramGroups.map((g) => g.lr), [0.05, 0.5]);
  assert.deepEqual(s.getLr(), [0.05, 0.5]);
});

test('a rate changed between steps (a remedy halving it) is kept: the base scales by the same factor', () => {
  const o = opt(0.1);
  const s = new StepLR(o, { stepSize: 2, gamma: 0.5 });
  s.step(); // epoch 1: 0.1
  o.learningRate = 0.05; // e.g. fit() halving the rate after a loss spike
  s.step(); // epoch 2: base is now 0.05, so 0.05·0.5
  assert.equal(o.learningRate, 0.025);
  assert.deepEqual(s.baseLrs, [0.05]);
});

test('scheduler stateDict round trip continues the same sequence', () => {
  const a = new CosineAnnealingLR(opt(1), { tMax: 10, etaMin: 0.01 });
  for (let i = 0; i < 3; i++) a.step();
  const b = new CosineAnnealingLR(opt(1), { tMax: 10, etaMin: 0.01 });
  b.loadStateDict(JSON.parse(JSON.stringify(a.stateDict())));
  b.optimizer.learningRate = a.optimizer.learningRate; // the optimizer's own state dict carries this in practice
  a.step();
  b.step();
  assert.equal(b.lastEpoch, 4);
  assert.equal(b.lastLr, a.lastLr);
  assert.throws(() => b.loadStateDict({ ...a.stateDict(), scheduler: 'StepLR' }), { message: 'CosineAnnealingLR.loadStateDict: this state was saved by "StepLR", not CosineAnnealingLR' });
});

test('schedule options are checked', () => {
  const o = new Adam([tensor([1])]);
  const cases: Array<[() => unknown, string]> = [
    [() => new StepLR(o, { stepSize: 0 }), 'StepLR: stepSize must be a whole number >= 1 (epochs, e.g. 30), got 0'],
    [() => new StepLR(o, {} as never), 'StepLR: stepSize must be a whole number >= 1 (epochs, e.g. 30), got undefined'],
    [() => new StepLR(o, { stepSize: 2, gamma: -1 }), 'StepLR: gamma must be a finite number > 0 (the factor applied to the rate, e.g. 0.1), got -1'],
    [() => new StepLR(o, { step_size: 2 } as never), "StepLR: unknown option 'step_size' (known: stepSize, gamma)"],
    [() => new ExponentialLR(o, {} as never), 'ExponentialLR: gamma is required (the factor per epoch, e.g. 0.95)'],
    [() => new ExponentialLR(o, { gamma: NaN }), 'ExponentialLR: gamma must be a finite number > 0 (the factor applied to the rate, e.g. 0.1), got NaN'],
    [() => new CosineAnnealingLR(o, { tMax: 2.5 }), 'CosineAnnealingLR: tMax must be a whole number >= 1 (epochs, e.g. 100), got 2.5'],
    [() => new CosineAnnealingLR(o, { tMax: 10, etaMin: -1 }), 'CosineAnnealingLR: etaMin must be a finite number >= 0 (the lowest rate), got -1'],
    [() => new ExponentialLR({ lr: 1 } as never, { gamma: 0.9 }), 'ExponentialLR: the first argument must be an optimizer (new SGD(...), new Adam(...)), got an object'],
  ];
  for (const [fn, message] of cases) assert.throws(fn, { name: 'ValueError', message });
});
