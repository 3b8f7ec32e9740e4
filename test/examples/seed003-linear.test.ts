/**
 * Seed 003 reproduced: inputs 0..4, targets 2·input, model y = W·x. SSE is 30 at W = 3 and 30.006 at
 * W = 3.0001; the numerical rate (≈60) agrees with the analytic gradient 60; gradient steps converge
 * to W = 2 from the article's three starting points.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { descend, main, seed003 } from '../../examples/seed003-linear.js';

test('seed 003: the table of squared errors at W = 3 and W = 3.0001', () => {
  const r = seed003();
  assert.deepEqual(r.table.map((t) => t.errAt3), [0, 1, 4, 9, 16]);
  const want = [0, 1.0002, 4.0008, 9.0018, 16.0032];
  r.table.forEach((t, i) => assert.ok(Math.abs(t.errAt30001 - want[i]) < 1e-6, `row ${i}: ${t.errAt30001}`));
  assert.equal(r.lossAt3, 30);
  assert.ok(Math.abs(r.lossAt30001 - 30.006) < 1e-6, `${r.lossAt30001}`);
  assert.ok(Math.abs(r.lossAt29999 - 29.994) < 1e-6, `${r.lossAt29999}`);
});

test('seed 003: the numerical rate (≈60) agrees with the analytic gradient 60', () => {
  const r = seed003();
  assert.equal(r.analyticGradient, 60);
  assert.ok(Math.abs(r.numericalRate - 60) < 0.01, `numerical rate ${r.numericalRate}`);
  assert.ok(Math.abs(r.numericalRate - r.analyticGradient) / 60 < 1e-4);
  assert.equal(r.chainGradient, 6);
});

test('seed 003: repeated gradient steps converge to W = 2 from 3, 5 and 0.5', () => {
  for (const d of seed003().descents) {
    assert.ok(Math.abs(d.final - 2) < 1e-9, `from ${d.start}: ${d.final}`);
    assert.ok(d.finalLoss < 1e-15);
    // Each step shrinks the distance to 2 by the same factor, |1 − 0.01·60| = 0.4.
    assert.ok(Math.abs((d.path[2] - 2) / (d.path[1] - 2) - 0.4) < 1e-9);
  }
  // A learning rate past 2/60 makes the delta rule diverge: the factor |1 − lr·60| exceeds 1.
  const wild = descend(3, 0.04, 1e-12, 20);
  assert.ok(Math.abs(wild.final - 2) > 1, `lr 0.04 should diverge, ended at ${wild.final}`);
});

test('seed 003: the example passes its own checks and prints a walk-through', () => {
  const { report, checks } = main();
  assert.ok(report.length > 10);
  assert.ok(checks.length >= 3);
  for (const [what, ok] of checks) assert.ok(ok, what);
});
