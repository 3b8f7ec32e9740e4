/** Every number of seed 004's step can say where it comes from, with the article's numbers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explain } from '../../src/explain/trace.js';
import { lossProvenance, neuronProvenance, paramProvenance } from '../../src/explain/provenance.js';
import { SEED004, SEED004_INPUT, SEED004_TARGET } from './fixtures.js';

const trace = explain(SEED004, SEED004_INPUT, SEED004_TARGET, { learningRate: 1.2 });
const st = trace.steps[0];

test('a neuron\'s numbers: weighted sum, activation, slope, ∂L/∂a and δ, written out', () => {
  const h1 = neuronProvenance(trace, st, 0, 0);
  assert.equal(h1.z, 'z(h1) = Σ w·input + b = 0.1·0.5 + (-0.2)·(-0.5) + 0.01 = 0.16');
  assert.equal(h1.a, '0.5399 = σ(z) at z = 0.16');
  assert.equal(h1.dLda, '∂L/∂h1 = Σ δ·w over the neurons it feeds = (-0.03727)·0.37 + 0.1057·(-0.22) = -0.03705');
  const y1 = neuronProvenance(trace, st, 1, 0);
  assert.equal(y1.slope, '0.2031 = σ(z)(1 − σ(z)) at z = 0.9272');
  assert.equal(y1.a, '0.7165 = σ(z) at z = 0.9272');
  assert.equal(y1.delta, 'δ(y1) = ∂L/∂y1 · ∂y1/∂z = -0.1835 · 0.2031 = -0.03727, where ∂y1/∂z: 0.2031 = σ(z)(1 − σ(z)) at z = 0.9272');
  assert.match(y1.dLda, /^∂L\/∂y1 = 2\(y − t\)\/\(N·m\) at y = 0\.7165, t = 0\.9: -0\.1835$/);
});

test('a weight\'s gradient is the product of its factors, and its update uses η', () => {
  const w = st.params.find((p) => p.param === 'layers.1.weight[0][0]')!;
  assert.equal(paramProvenance(trace, w), '∂L/∂w(h1→y1) = ∂L/∂y1 · ∂y1/∂z · ∂z/∂w = -0.1835 · 0.2031 · 0.5399 = -0.02012; update 0.37 − 1.2·(-0.02012) = 0.3941');
  const hidden = st.params.find((p) => p.param === 'layers.0.weight[0][0]')!;
  assert.match(paramProvenance(trace, hidden), /= -0\.004602; update 0\.1 − 1\.2·\(-0\.004602\) = 0\.1055$/);
  assert.equal(lossProvenance(trace, st), 'L = (1/(N·m)) Σ (y − t)² with y = (0.7165, 0.5239), t = (0.9, 0.1) = 0.1067; after the update 0.08478');
});

test('a fused sigmoid + cross-entropy output says δ = y − t', () => {
  const t = explain({ inputs: 2, layers: [{ units: 1, activation: 'sigmoid', weights: [[1, -1]], bias: [0] }], loss: 'bce' }, [0.5, 0.5], [1]);
  const p = neuronProvenance(t, t.steps[0], 0, 0);
  assert.equal(p.slope, null);
  assert.equal(p.delta, 'δ(y1) = y − t = 0.5 − 1 → -0.5 (sigmoid with bce, computed together)');
});
