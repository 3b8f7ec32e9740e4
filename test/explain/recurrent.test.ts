// The explainer on a recurrent layer: backpropagation through time step by step (h₁, h₂, δ₂, δ₁
// flowing back through W_hh, each weight gradient as the sum over the steps), every number from the
// tape, checked against a hand computation of a tiny RNN (1 input, 1 hidden unit, 2 steps), and
// the same through `backprop explain` on a model file with 2 hidden units.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderLayersText, traceLayers } from '../../src/explain/layers.js';
import { Network, serializeModel, type NetworkSpec } from '../../src/index.js';
import { backprop, tempDir } from '../cli/spawn.js';

const close = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) <= 1e-12, `${what}: ${a} vs hand ${b}`);

// h_t = tanh(W_ih·x_t + b_ih + b_hh + W_hh·h_{t−1}), h₀ = 0; y = w·h₂ + b; L = (y − target)².
const TINY: NetworkSpec = { inputs: [2, 1], loss: 'mse', layers: [
  { type: 'rnn', units: 1, weightIh: [[0.5]], weightHh: [[-1]], biasIh: [0.1], biasHh: [0.2] },
  { units: 1, weights: [[2]], bias: [0.5] },
] };

test('a 2-step RNN: every forward and backward number of the trace equals a hand computation', () => {
  const x1 = 1, x2 = 2, target = 1;
  // By hand.
  const h1 = Math.tanh(0.5 * x1 + 0.1 + 0.2);
  const h2 = Math.tanh(0.5 * x2 + 0.1 + 0.2 - 1 * h1);
  const y = 2 * h2 + 0.5;
  const L = (y - target) ** 2;
  const dLdy = 2 * (y - target);
  const dLdh2 = 2 * dLdy;
  const d2 = dLdh2 * (1 - h2 * h2);
  const dLdh1 = d2 * -1; // back through W_hh
  const d1 = dLdh1 * (1 - h1 * h1);
  const gWih = d1 * x1 + d2 * x2, gWhh = d2 * h1, gB = d1 + d2;

  const t = traceLayers(TINY, [x1, x2], [target]);
  close(t.lossValue, L, 'loss');
  const r = t.layers[0].recurrent!;
  assert.equal(r.kind, 'rnn');
  assert.equal(r.steps.length, 2);
  const [s1, s2] = r.steps;
  close(s1.h[0], h1, 'h₁'); close(s2.h[0], h2, 'h₂');
  close(s2.dLdh[0], dLdh2, '∂L/∂h₂'); close(s1.dLdh[0], dLdh1, '∂L/∂h₁');
  close(s2.deltaIh[0], d2, 'δ₂'); close(s1.deltaIh[0], d1, 'δ₁');
  // Each step's share of each weight's gradient, and their sums (the layer's own gradient).
  close(s1.share.weight_ih[0], d1 * x1, 'W_ih step 1'); close(s2.share.weight_ih[0], d2 * x2, 'W_ih step 2');
  assert.equal(s1.share.weight_hh[0], 0, 'W_hh gets nothing at step 1 (h₀ = 0)');
  close(s2.share.weight_hh[0], d2 * h1, 'W_hh step 2');
  close(r.params.weight_ih.grad[0], gWih, '∂L/∂W_ih'); close(r.params.weight_hh.grad[0], gWhh, '∂L/∂W_hh');
  close(r.params.bias_ih.grad[0], gB, '∂L/∂b_ih'); close(r.params.bias_hh.grad[0], gB, '∂L/∂b_hh');
  // The dense layer after it.
  close(t.layers[1].weightGrad![0].value, dLdy * h2, '∂L/∂w');

  const text = renderLayersText(t);
  const f = (v: number) => String(Number(v.toPrecision(4)));
  for (const line of [
    `h₁[0] = tanh(0.5·1 + 0.1 + 0.2) = ${f(h1)}`,
    `h₂[0] = tanh(0.5·2 + 0.1 + 0.2 + -1·${f(h1)}) = ${f(h2)}`,
    `step 2: ∂L/∂h₂ = ${f(dLdh2)} (from the layer's output)`,
    `δ₂ = ∂L/∂z₂ (∂L/∂h₂ ⊙ tanh′) = ${f(d2)}`,
    `step 1: ∂L/∂h₁[0] = ${f(d2)}·-1 (δ₂ back through W_hh) = ${f(dLdh1)}`,
    `δ₁ = ∂L/∂z₁ (∂L/∂h₁ ⊙ tanh′) = ${f(d1)}`,
    `∂L/∂W_ih[0, 0] = step 1: δ₁[0]·x₁[0] = ${f(d1)}·1 = ${f(d1)} + step 2: δ₂[0]·x₂[0] = ${f(d2)}·2 = ${f(2 * d2)}; sum = ${f(gWih)}`,
    `∂L/∂W_hh[0, 0] = step 1: (h₀ = 0) = 0 + step 2: δ₂[0]·h₁[0] = ${f(d2)}·${f(h1)} = ${f(d2 * h1)}; sum = ${f(gWhh)}`,
    `∂L/∂b_ih[0] = step 1: δ₁[0] = ${f(d1)} + step 2: δ₂[0] = ${f(d2)}; sum = ${f(gB)}`,
  ]) assert.ok(text.includes(line), `missing: ${line}\n${text}`);
});

test('lstm and gru traces: the per-step shares add up to the layer\'s own gradient (read off an ordinary pass)', () => {
  for (const type of ['lstm', 'gru', 'rnn'] as const) {
    const spec: NetworkSpec = { inputs: [3, 2], loss: 'mse', seed: 3, layers: [{ type, units: 2, returnSequences: true }, { type: 'flatten' }, { units: 1 }] };
    const t = traceLayers(spec, [0.5, -1, 1, 0.25, -0.5, 2], [0.3]);
    const r = t.layers[0].recurrent!;
    assert.equal(r.steps.length, 3);
    for (const name of ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'] as const) {
      r.params[name].grad.forEach((g, e) => {
        const sum = r.steps.reduce((acc, s) => acc + s.share[name][e], 0);
        assert.ok(Math.abs(sum - g) <= 1e-12, `${type} ${name}[${e}]: Σ steps ${sum} vs ${g}`);
      });
    }
    // The stepwise output is the layer's own.
    const net = new Network({ ...spec, dtype: 'float64' });
    assert.ok(Math.abs(net.predict([[0.5, -1, 1, 0.25, -0.5, 2]])[0][0] - t.layers[2].a[0]) <= 1e-12);
    assert.match(renderLayersText(t), /the weight gradients, each the sum over the steps/);
  }
});

test('backprop explain on a 2-step RNN model file prints backpropagation through time step by step', () => {
  const net = new Network({ inputs: [2, 1], loss: 'mse', layers: [
    { type: 'rnn', units: 2, weightIh: [[0.5], [-1]], weightHh: [[0.25, 0.5], [-0.5, 1]], biasIh: [0.1, 0], biasHh: [0, 0.2] },
    { units: 1, weights: [[1, -1]], bias: [0] },
  ] });
  const t = tempDir();
  try {
    const file = t.file('rnn.json', serializeModel({ network: net }));
    const r = backprop(['explain', file, '--input', '1,2', '--target', '0.5']);
    assert.equal(r.code, 0, r.stderr);
    // Hand: h₁ = tanh(0.6), tanh(−0.8); h₂[0] = tanh(1.1 + 0.25·h₁[0] + 0.5·h₁[1]).
    const h1 = [Math.tanh(0.6), Math.tanh(-0.8)];
    const h20 = Math.tanh(1.1 + 0.25 * h1[0] + 0.5 * h1[1]);
    const f = (v: number) => String(Number(v.toPrecision(4)));
    assert.ok(r.stdout.includes(`h₁[0] = tanh(0.5·1 + 0.1 + 0) = ${f(h1[0])}`), r.stdout);
    assert.ok(r.stdout.includes(`h₂[0] = tanh(0.5·2 + 0.1 + 0 + 0.25·${f(h1[0])} + 0.5·${f(h1[1])}) = ${f(h20)}`), r.stdout);
    assert.match(r.stdout, /step 1: ∂L\/∂h₁\[1\] = \S+·0\.5 \+ \S+·1 \(δ₂ back through W_hh\) = /);
    assert.match(r.stdout, /∂L\/∂W_hh\[1, 1\] = step 1: \(h₀ = 0\) = 0 \+ step 2: δ₂\[1\]·h₁\[1\] = /);
  } finally {
    t.cleanup();
  }
});
