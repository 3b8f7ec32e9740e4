// The explainer on a tiny conv net (one 2×2 kernel on a 3×3 image): every number of one forward and
// backward pass, checked against values computed by hand; the CLI prints them; big layers are refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderLayersText, traceLayers } from '../../src/explain/layers.js';
import type { NetworkSpec } from '../../src/index.js';
import { backprop, tempDir } from '../cli/spawn.js';

const TINY: NetworkSpec = {
  inputs: [1, 3, 3],
  layers: [
    { type: 'conv2d', filters: 1, kernelSize: 2, activation: 'relu', weights: [[0.5, -0.25, 0.1, 0.2]], bias: [0.1] },
    { type: 'flatten' },
    { units: 1, activation: 'sigmoid', weights: [[0.3, -0.2, 0.4, 0.1]], bias: [0] },
  ],
  loss: 'bce',
};
const X = [1, 2, 3, 4, 5, 6, 7, 8, 9];
const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);

test('a 2×2 kernel on a 3×3 image: forward sums, loss, δ and gradients equal the hand computation', () => {
  const t = traceLayers(TINY, X, [1]);
  const conv = t.layers[0];
  // Each output: the kernel times its window, plus the bias (windows at (0,0), (0,1), (1,0), (1,1)).
  const w = [0.5, -0.25, 0.1, 0.2];
  const windows = [[1, 2, 4, 5], [2, 3, 5, 6], [4, 5, 7, 8], [5, 6, 8, 9]];
  const z = windows.map((win) => win.reduce((s, v, k) => s + v * w[k], 0.1));
  conv.outputs!.forEach((o, i) => {
    assert.deepEqual(o.terms.map(([, , x]) => x), windows[i]);
    close(o.z, z[i]);
    close(o.a, Math.max(0, z[i]));
  });
  const v = [0.3, -0.2, 0.4, 0.1];
  const logit = z.reduce((s, zi, i) => s + v[i] * Math.max(0, zi), 0);
  const p = 1 / (1 + Math.exp(-logit));
  close(t.lossValue, -Math.log(p));
  const dense = t.layers[2];
  close(dense.outputs![0].delta, p - 1); // bce on the logit: δ = p − y
  const delta = v.map((vi) => (p - 1) * vi); // every z > 0, so relu passes δ through
  conv.outputs!.forEach((o, i) => close(o.delta, delta[i]));
  conv.weightGrad!.forEach((g, k) => close(g.value, windows.reduce((s, win, i) => s + delta[i] * win[k], 0)));
  close(conv.biasGrad![0], delta.reduce((a, b) => a + b, 0));
  const text = renderLayersText(t);
  assert.match(text, /z\[0, 0, 0\] = 0\.5·1 \+ -0\.25·2 \+ 0\.1·4 \+ 0\.2·5 \+ 0\.1 = 1\.5, a = relu\(z\) = 1\.5/);
  assert.match(text, /∂L\/∂w\[0, 0, 1, 1\] = -0\.04753·5 \+ 0\.03168·6 \+ -0\.06337·8 \+ -0\.01584·9 = -0\.6971/);
});

test('backprop explain on a conv net prints the layer-by-layer pass; other options and big layers are refused', () => {
  const t = tempDir();
  try {
    const file = t.file('tiny.json', JSON.stringify(TINY));
    const r = backprop(['explain', file, '--input', X.join(','), '--target', '1']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /layers\[0\] conv2d: \[1, 3, 3\] → \[1, 2, 2\]/);
    assert.match(r.stdout, /δ = ∂L\/∂z = -0\.04753, 0\.03168, -0\.06337, -0\.01584/);
    const steps = backprop(['explain', file, '--input', X.join(','), '--target', '1', '--steps', '2']);
    assert.equal(steps.code, 1);
    assert.match(steps.stderr, /--steps goes with a network of dense layers/);
    const big = t.file('big.json', JSON.stringify({ inputs: [1, 12, 12], layers: [{ type: 'conv2d', filters: 2, kernelSize: 3 }, { type: 'flatten' }, { units: 1 }] }));
    const b = backprop(['explain', big, '--input', new Array(144).fill(0).join(','), '--target', '1']);
    assert.equal(b.code, 1);
    assert.match(b.stderr, /layers\[0\] \(conv2d\) has 200 outputs; the explainer writes every number/);
  } finally {
    t.cleanup();
  }
});

test('normalisation, embedding and attention layers: the statistics, lookups and attention weights equal the hand computation', () => {
  // layerNorm after an identity dense layer (so ∂L/∂x is on the tape), then z = 1·x̂₀ + 2·x̂₁ + 3·x̂₂, mse against 0.
  const ln = traceLayers({
    inputs: 3,
    layers: [{ units: 3, weights: [[1, 0, 0], [0, 1, 0], [0, 0, 1]], bias: [0, 0, 0] }, { type: 'layerNorm' }, { units: 1, weights: [[1, 2, 3]], bias: [0] }],
    loss: 'mse',
  }, [1, 2, 4], [0]);
  const x = [1, 2, 4], mu = 7 / 3, variance = 14 / 9, sd = Math.sqrt(variance + 1e-5);
  const xhat = x.map((v) => (v - mu) / sd);
  const norm = ln.layers[1].norm!;
  close(norm.mean[0], mu);
  close(norm.variance[0], variance);
  norm.normalized.forEach((v, i) => close(v, xhat[i]));
  const z = xhat[0] + 2 * xhat[1] + 3 * xhat[2];
  const g = [1, 2, 3].map((w) => 2 * z * w); // ∂L/∂x̂ = γ·δ, γ = 1, δ = w·2z
  norm.dLdxhat.forEach((v, i) => close(v, g[i]));
  const gMean = g.reduce((a, b) => a + b) / 3, gx = g.reduce((s, gi, i) => s + gi * xhat[i], 0) / 3;
  norm.dLdx!.forEach((v, i) => assert.ok(Math.abs(v - (g[i] - gMean - xhat[i] * gx) / sd) < 1e-9, `∂L/∂x[${i}] ${v}`));
  const lnText = renderLayersText(ln);
  assert.match(lnText, /x̂ = \(x − μ\)\/√\(σ² \+ ε\), ε = 1e-5, with the sample's mean and variance: μ = 2\.333; σ² = 1\.556/);
  assert.match(lnText, /∂L\/∂x = \(∂L\/∂x̂ − mean\(∂L\/∂x̂\) − x̂·mean\(∂L\/∂x̂·x̂\)\) \/ √\(σ² \+ ε\)/);

  // An embedding looks rows up; attention (one head, identity projections) weighs the positions by softmax(q·k/√2).
  const I2 = [[1, 0], [0, 1]];
  const at = traceLayers({
    inputs: [2],
    layers: [
      { type: 'embedding', vocabulary: 3, dim: 2, weights: [[1, 0], [0, 1], [1, 1]] },
      { type: 'attention', heads: 1, dim: 2, inProjWeight: [...I2, ...I2, ...I2], inProjBias: [0, 0, 0, 0, 0, 0], outProjWeight: I2, outProjBias: [0, 0] },
      { type: 'flatten' },
      { units: 1, weights: [[1, 1, 1, 1]], bias: [0] },
    ],
    loss: 'mse',
  }, [2, 0], [1]);
  assert.deepEqual(at.layers[0].a, [1, 1, 1, 0]);
  const e = [[1, 1], [1, 0]]; // rows 2 and 0
  const dot = (a: number[], b: number[]) => a[0] * b[0] + a[1] * b[1];
  const att = at.layers[1].attention!;
  for (let q = 0; q < 2; q++) {
    const s = [0, 1].map((k) => Math.exp(dot(e[q], e[k]) / Math.SQRT2));
    [0, 1].forEach((k) => close(att.weights[q * 2 + k], s[k] / (s[0] + s[1])));
  }
  assert.deepEqual(at.layers[1].params!.map((p) => p.name), ['in_proj_weight', 'in_proj_bias', 'out_proj.weight', 'out_proj.bias']);
  const atText = renderLayersText(at);
  assert.match(atText, /z\[0, 0\] = w\[2, 0\] = 1\n/);
  assert.match(atText, /attention weights softmax\(Q·Kᵀ\/√d\), one row per query position:\n {4}\[0\] 0\.6698, 0\.3302\n {4}\[1\] 0\.5, 0\.5\n/);
  assert.match(atText, /∂L\/∂w = 0 for the other 2 weights \(no output used them this pass\)/);
  assert.doesNotMatch(atText, /embedding.*\n.*\+ 0 =/);
});
