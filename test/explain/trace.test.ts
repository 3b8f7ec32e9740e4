import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../../src/index.js';
import { explain } from '../../src/explain/trace.js';
import { renderMarkdown, renderText } from '../../src/explain/render.js';
import { engineGradient, lossAndGradient } from '../../src/explain/engine.js';
import { resolveSpec } from '../../src/explain/spec.js';
import { roundSig } from '../../src/explain/format.js';
import { Network } from '../../src/train/network.js';
import type { NetworkSpec } from '../../src/spec/index.js';
import { SEED004, SEED004_INPUT, SEED004_TARGET } from './fixtures.js';

const r4 = (x: number): number => roundSig(x, 4);

test('seed 004: the trace holds the article\'s numbers', () => {
  const t = explain(SEED004, SEED004_INPUT, SEED004_TARGET, { learningRate: 1.2 });
  const st = t.steps[0];
  const [h1, h2] = st.layers[0].neurons;
  assert.equal(r4(h1.z), 0.16);
  assert.equal(r4(h2.z), -0.145);
  assert.equal(r4(h1.a), 0.5399);
  assert.equal(r4(h2.a), 0.4638);
  const [y1, y2] = st.layers[1].neurons;
  // The article rounds as it goes (z₃ = 0.9271 from rounded h's) and prints 0.7164 and 0.5238;
  // exact float64 gives 0.7165 and 0.5239.
  assert.equal(r4(y1.a), 0.7165);
  assert.equal(r4(y2.a), 0.5239);
  // ∂L/∂y₁ = −(0.9 − 0.7165) with mse = mean over the 2 outputs of (y − t)² (the article: −0.1836).
  assert.equal(r4(st.outputs[0].dLdy), -0.1835);
  const w = st.params.find((p) => p.param === 'layers.1.weight[0][0]')!;
  assert.deepEqual(w.factors.map((f) => r4(f.value)), [-0.1835, 0.2031, 0.5399]);
  assert.equal(w.label, 'w(h1→y1)');
  assert.equal(r4(w.after), 0.3941);
  const v = st.params.find((p) => p.param === 'layers.0.weight[0][0]')!;
  // The article: −0.0370 · 0.2484 · 0.5 = −0.0045954, then 0.1 + 1.2·0.0045954 = 0.1055.
  assert.deepEqual(v.factors.map((f) => r4(f.value)), [-0.03705, 0.2484, 0.5]);
  assert.equal(r4(v.gradient), -0.004602);
  assert.equal(r4(v.after), 0.1055);
  assert.ok(st.lossAfter < st.loss);
  // a hidden neuron's ∂L/∂a is the sum over the neurons it feeds
  assert.equal(h1.dLdaTerms!.length, 2);
  assert.ok(Math.abs(h1.dLdaTerms!.reduce((p, q) => p + q.product, 0) - h1.dLda) < 1e-15);
});

test('seed 004: rendered text, Markdown and JSON show the numbers', () => {
  const t = explain(SEED004, SEED004_INPUT, SEED004_TARGET, { learningRate: 1.2 });
  const text = renderText(t);
  for (const s of ['0.5399', '0.4638', '0.7165', '0.5239', '-0.1835 · 0.2031 · 0.5399', '0.37 → 0.3941', '0.1 → 0.1055', '0.1·0.5 + (-0.2)·(-0.5) + 0.01']) {
    assert.ok(text.includes(s), `text output lacks ${s}`);
  }
  const md = renderMarkdown(t);
  for (const s of ['| h1 |', '0.5399', '-0.1835 · 0.2031 · 0.5399', '0.37 → 0.3941', '0.1 → 0.1055']) assert.ok(md.includes(s), `markdown lacks ${s}`);
  const json = JSON.parse(JSON.stringify(t));
  assert.equal(json.kind, 'backprop-trace');
  assert.equal(r4(json.steps[0].layers[1].neurons[0].a), 0.7165);
  assert.ok(json.steps[0].layers[1].neurons[0].sum.includes('0.37·0.5399 + 0.9·0.4638 + 0.31'));
  assert.equal(r4(json.updated.layers[1].weights[0][0]), 0.3941);
  assert.equal(r4(json.updated.layers[0].weights[0][0]), 0.1055);
});

test('text tables line up: in every table each column starts at the same place on every row', () => {
  const lines = renderText(explain(SEED004, SEED004_INPUT, SEED004_TARGET, { learningRate: 1.2 })).split('\n');
  let tables = 0;
  lines.forEach((rule, r) => {
    if (!/^ +-+( +-+)+$/.test(rule)) return;
    tables++;
    const cols = [...rule.matchAll(/-+/g)].map((m) => [m.index!, m.index! + m[0].length]);
    const body = [lines[r - 1]];
    for (let k = r + 1; k < lines.length && lines[k].startsWith('  ') && !lines[k].startsWith('  L =') && !lines[k].startsWith('  After'); k++) body.push(lines[k]);
    for (const row of body) {
      const chars = [...row];
      // the two columns of spaces between cells are blank on every row
      for (const [start] of cols.slice(1)) assert.equal(chars.slice(start - 2, start).join('').trim(), '', `misaligned row: ${row}`);
    }
  });
  assert.ok(tables >= 6);
});

const cases: [string, NetworkSpec, number[], number[]][] = [
  ['seed 004, mse', SEED004, SEED004_INPUT, SEED004_TARGET],
  ['seed 004, sse', { ...SEED004, loss: 'sse' }, SEED004_INPUT, SEED004_TARGET],
  ['seed 004, mae', { ...SEED004, loss: 'mae' }, SEED004_INPUT, SEED004_TARGET],
  ['seed 004, bce (fused with the sigmoid)', { ...SEED004, loss: 'bce' }, SEED004_INPUT, [1, 0]],
  ['tanh → linear, bce on probabilities (clamped)', {
    inputs: 2, loss: 'bce',
    layers: [{ units: 3, activation: 'tanh', weights: [[0.2, -0.4], [0.7, 0.1], [-0.3, 0.5]], bias: [0.1, 0, -0.2] },
      { units: 1, activation: 'linear', weights: [[0.3, 0.2, -0.1]], bias: [0.4] }],
  }, [1, 2], [1]],
  ['relu → leakyRelu → softmax, crossEntropy with a class index', {
    inputs: 3, loss: 'crossEntropy',
    layers: [{ units: 3, activation: 'relu', weights: [[0.2, -0.4, 0.3], [0.7, 0.1, -0.5], [-0.3, 0.5, 0.9]], bias: [0.1, 0, -0.2] },
      { units: 2, activation: 'leakyRelu', alpha: 0.1, weights: [[0.3, -0.2, 0.6], [-0.5, 0.4, 0.2]], bias: [0.05, -0.3] },
      { units: 3, activation: 'softmax', weights: [[0.3, 0.2], [-0.1, 0.4], [0.5, -0.6]], bias: [0, 0.1, -0.1] }],
  }, [0.5, -1, 2], [2]],
  ['linear outputs with crossEntropy (outputs are logits)', {
    inputs: 2, loss: 'crossEntropy',
    layers: [{ units: 3, activation: 'linear', weights: [[0.3, 0.2], [-0.1, 0.4], [0.5, -0.6]], bias: [0, 0.1, -0.1] }],
  }, [1, -2], [0, 1, 0]],
  ['sigmoid → softmax with mse (the softmax Jacobian)', {
    inputs: 2, loss: 'mse',
    layers: [{ units: 2, activation: 'sigmoid', weights: [[0.3, 0.2], [-0.1, 0.4]], bias: [0, 0.1] },
      { units: 3, activation: 'softmax', weights: [[0.3, 0.2], [-0.1, 0.4], [0.5, -0.6]], bias: [0, 0.1, -0.1] }],
  }, [1, -2], [0.2, 0.5, 0.3]],
];

for (const [name, spec, x, t] of cases) {
  test(`the trace's gradients equal the engine's autograd: ${name}`, () => {
    const trace = explain(spec, x, t, { learningRate: 0.5 });
    const engine = engineGradient(spec, { inputs: [x], targets: [t] });
    const traced = trace.steps[0].params.map((p) => p.gradient);
    assert.equal(traced.length, engine.gradient.length);
    traced.forEach((g, k) => assert.ok(Math.abs(g - engine.gradient[k]) <= 1e-12 + 1e-9 * Math.abs(g), `${trace.steps[0].params[k].param}: trace ${g}, engine ${engine.gradient[k]}`));
    assert.ok(Math.abs(trace.steps[0].loss - engine.loss) < 1e-12, `loss: trace ${trace.steps[0].loss}, engine ${engine.loss}`);
  });
}

test('batch gradients (the landscape\'s) equal the engine\'s on a dataset', () => {
  const spec = cases[5][1];
  const data = { inputs: [[0.5, -1, 2], [1, 1, 1], [-1, 0.3, 0.2]], targets: [[2], [0], [1]] };
  const mine = lossAndGradient(resolveSpec('test', spec), data);
  const engine = engineGradient(spec, data);
  assert.ok(Math.abs(mine.loss - engine.loss) < 1e-12);
  mine.gradient.forEach((g, k) => assert.ok(Math.abs(g - engine.gradient[k]) < 1e-12));
});

test('explain accepts a Network (anything with toJSON), and a spec without weights', () => {
  const net = new Network({ ...SEED004, dtype: 'float64' });
  const t = explain(net, SEED004_INPUT, SEED004_TARGET, { learningRate: 1.2 });
  assert.equal(r4(t.steps[0].layers[1].neurons[0].a), 0.7165);
  // weights left out: initialised as Network initialises them (seeded), biases 0
  const bare = { inputs: 2, layers: [{ units: 1, activation: 'sigmoid' as const }], seed: 3 };
  const t2 = explain(bare, [1, 2], [1]);
  assert.deepEqual(t2.network.layers[0].weights, new Network(bare).toJSON().layers[0].weights);
  assert.deepEqual(t2.network.layers[0].bias, [0]);
});

test('several steps: the loss falls step after step and each step starts where the last ended', () => {
  const t = explain(SEED004, SEED004_INPUT, SEED004_TARGET, { learningRate: 1.2, steps: 3 });
  assert.equal(t.steps.length, 3);
  for (let k = 1; k < 3; k++) {
    assert.equal(t.steps[k].loss, t.steps[k - 1].lossAfter);
    assert.ok(t.steps[k].lossAfter < t.steps[k].loss);
  }
  assert.ok(renderText(t).includes('Loss over the steps:'));
});

test('bad options and inputs are errors that name them', () => {
  assert.throws(() => explain(SEED004, [1], [0.9, 0.1]), /input has 1 values, but the network takes 2/);
  assert.throws(() => explain(SEED004, SEED004_INPUT, [1]), /target has 1 values, but the network has 2 outputs/);
  assert.throws(() => explain(SEED004, SEED004_INPUT, SEED004_TARGET, { rate: 1 } as never), /unknown option 'rate'/);
  assert.throws(() => explain(SEED004, SEED004_INPUT, SEED004_TARGET, { digits: 0 }), /digits must be an integer from 1 to 17/);
  assert.throws(() => explain(SEED004, SEED004_INPUT, SEED004_TARGET, { steps: 1.5 }), /steps must be a whole number/);
});

test('digits changes the rounding of the written-out numbers only', () => {
  const t = explain(SEED004, SEED004_INPUT, SEED004_TARGET, { learningRate: 1.2, digits: 6 });
  assert.ok(renderText(t).includes('0.539915'));
  assert.ok(t.steps[0].layers[1].neurons[0].sum.startsWith('0.37·0.539915'));
});
