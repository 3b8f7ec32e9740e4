import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../../src/index.js';
import { record } from '../../src/autograd/graph.js';
import { Tensor, tensor } from '../../src/tensor/tensor.js';
import { mul, sum, sigmoid, sub, mean } from '../../src/ops/index.js';
import {
  checkGradients, gradcheckNetwork, perturbationTable, renderGradcheckText, renderPerturbationText,
} from '../../src/explain/gradcheck.js';
import { SEED003, SEED004, SEED004_INPUT, SEED004_TARGET, OR_DATA, SEED000 } from './fixtures.js';

/** A test-only op: x² whose backward is deliberately wrong (3x instead of 2x). */
function badSquare(x: Tensor): Tensor {
  const out = new Tensor(Float64Array.from(x.data, (v) => v * v), x.shape);
  return record(out, 'badSquare', [x], (g) => [mul(g, mul(x, 3))]);
}

test('gradcheck fails on a deliberately wrong gradient and names the parameter', () => {
  const w = tensor([[0.5, -1.5]], { dtype: 'float64', requiresGrad: true });
  const b = tensor([0.2], { dtype: 'float64', requiresGrad: true });
  const x = tensor([[1], [2]], { dtype: 'float64' });
  const lossFn = () => mean(sub(sigmoid(badSquare(w).matmul(x).add(b)), 0.3).pow(2));
  const report = checkGradients(lossFn, [['w', w], ['b', b]]);
  assert.equal(report.ok, false);
  const bad = report.rows.filter((r) => !r.ok).map((r) => r.param);
  assert.deepEqual(bad, ['w[0][0]', 'w[0][1]']); // b's gradient does not pass through the broken op
  const row = report.rows[0];
  assert.ok(Math.abs(row.analytic / row.numerical - 1.5) < 1e-6, 'the wrong rule gives 3/2 of the true gradient');
  assert.match(renderGradcheckText(report), /2 of 3 gradients DISAGREE/);
  assert.match(renderGradcheckText(report), /w\[0\]\[0\] .* NO/);
});

test('gradcheck passes on the correct op and on every network loss', () => {
  const w = tensor([0.5, -1.5], { dtype: 'float64', requiresGrad: true });
  assert.ok(checkGradients(() => sum(mul(w, w)), [['w', w]]).ok);
  for (const loss of ['mse', 'sse', 'mae', 'bce'] as const) {
    const r = gradcheckNetwork(SEED004, { inputs: [SEED004_INPUT, [0.3, 0.4]], targets: [loss === 'bce' ? [1, 0] : SEED004_TARGET, [0.9, 0.9]] }, { loss });
    assert.ok(r.ok, `${loss}: ${renderGradcheckText(r)}`);
    assert.equal(r.rows.length, 12);
    assert.deepEqual(r.rows.slice(0, 2).map((x) => x.param), ['layers.0.weight[0][0]', 'layers.0.weight[0][1]']);
  }
  const or = gradcheckNetwork(SEED000, OR_DATA);
  assert.ok(or.ok);
});

test('checkGradients rejects float32 parameters and unknown options', () => {
  const w = tensor([1], { requiresGrad: true });
  assert.throws(() => checkGradients(() => sum(w), [['w', w]]), /parameter 'w' is float32/);
  const v = tensor([1], { dtype: 'float64', requiresGrad: true });
  assert.throws(() => checkGradients(() => sum(v), [['v', v]], { step: 1 } as never), /unknown option 'step'/);
});

test('seed 003: the loss at W = 3 and 3.0001, and the rate 60', () => {
  const data = { inputs: [[0], [1], [2], [3], [4]], targets: [[0], [2], [4], [6], [8]] };
  const p = perturbationTable(SEED003, data, 'w1', 0.0001);
  assert.equal(p.param, 'layers.0.weight[0][0]');
  assert.deepEqual(p.rows.map((r) => r.term), [0, 1, 4, 9, 16]);
  // exactly 1.00020001, 4.00080004, …; the article prints 4 decimals
  assert.deepEqual(p.rows.map((r) => Number(r.termNudged.toFixed(4))), [0, 1.0002, 4.0008, 9.0018, 16.0032]);
  assert.equal(p.lossAt, 30);
  assert.equal(Number(p.lossNudged.toFixed(6)), 30.006);
  assert.equal(Number(p.lossBack.toFixed(6)), 29.994);
  assert.equal(Number(p.rate.toFixed(3)), 60.003); // the article rounds to 60
  assert.equal(p.derivative, 60);
  const text = renderPerturbationText(p);
  for (const s of ['30.006', '29.994', '1.0002', '16.0032', 'rate = (30.006 − 30) / 0.0001 = 60.003', '∂L/∂w1 = 60']) assert.ok(text.includes(s), `lacks ${s}:\n${text}`);
  assert.throws(() => perturbationTable(SEED003, data, 'w9'), /parameter 'w9' does not exist/);
});
