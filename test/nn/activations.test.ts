/**
 * The activation table is what every consumer reads, so a row added to it (softplus was the
 * experiment) must be right on every path: its gradient (checked numerically), a Dense layer and a
 * Network using it, compiled and eager training (test/train/compiled.test.ts runs every row), the
 * explainer, and the exporters (which either write it or refuse it by name, never silently).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ACTIVATIONS, ACTIVATION_TABLE, Dense, HIDDEN_ACTIVATIONS, Network, Random, exportOnnx, exportTfjs, explain, gradcheck, linear, tensor, type Tensor,
} from '../../src/index.js';
import { ONNX_COMPOSED } from '../../src/io/onnx/export.js';

const rows = Object.values(ACTIVATION_TABLE);

test('the table has exactly one row per activation name', () => {
  assert.deepEqual(rows.map((r) => r.name).sort(), [...ACTIVATIONS].sort());
  for (const r of rows) assert.ok(r.formula.length > 0 && r.derivative.length > 0 && r.label.length > 0, r.name);
  assert.ok(HIDDEN_ACTIVATIONS.includes('softplus') && !HIDDEN_ACTIVATIONS.includes('softmax'));
});

test('every row\'s op has the gradient central differences give (away from kinks)', () => {
  const r = new Random(3);
  const x = tensor(Array.from({ length: 2 }, () => Array.from({ length: 5 }, () => r.range(0.2, 2) * (r.uniform() < 0.5 ? -1 : 1))), { dtype: 'float64' });
  for (const row of rows) {
    const result = gradcheck((z: Tensor) => row.apply(z, 0.2), [x], { seed: 1 });
    assert.ok(result.ok, `${row.name}: ${JSON.stringify(result.worst)}`);
  }
});

test('softplus: ln(1 + eᶻ) without overflow, derivative σ(z), through Dense and Network', () => {
  const z = tensor([-800, -2, 0, 3, 800], { dtype: 'float64', requiresGrad: true });
  const y = ACTIVATION_TABLE.softplus.apply(z, 0);
  const want = [0, Math.log1p(Math.exp(-2)), Math.LN2, 3 + Math.log1p(Math.exp(-3)), 800];
  y.data.forEach((v, i) => assert.ok(Math.abs(v - want[i]) <= 1e-12 * Math.max(1, want[i]), `softplus(${z.data[i]}) = ${v}`));
  y.sum().backward();
  z.grad!.data.forEach((g, i) => assert.ok(Math.abs(g - 1 / (1 + Math.exp(-z.data[i]))) <= 1e-12, `softplus'(${z.data[i]}) = ${g}`));
  const dense = new Dense(3, 2, { activation: 'softplus', seed: 1, dtype: 'float64' });
  const x = tensor([[0.5, -1, 2]], { dtype: 'float64' });
  assert.deepEqual(Array.from(dense.forward(x).data), Array.from(ACTIVATION_TABLE.softplus.apply(linear(x, dense.weight, dense.bias), 0).data));
  const net = new Network({ inputs: 2, layers: [{ units: 6, activation: 'softplus' }, { units: 1, activation: 'sigmoid' }], loss: 'bce', seed: 2 });
  const h = net.learn([[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]], { epochs: 400, batchSize: 4, optimizer: 'adam', learningRate: 0.05 });
  assert.ok(h.epochs.at(-1)!.loss < 0.1, `XOR with softplus hidden units: loss ${h.epochs.at(-1)!.loss}`);
  // The explainer prints its formula from the table.
  const trace = explain(net, [1, 0], [1]);
  assert.match(JSON.stringify(trace), /1 \/ \(1 \+ e\^−z\)/);
});

test('exporters write every row they have a form for and refuse the others by name', () => {
  for (const row of rows) {
    const net = new Network({ inputs: 2, layers: [{ units: 3, activation: row.name }, { units: 1 }], seed: 1 });
    const onnxOk = row.onnx !== null || ONNX_COMPOSED.includes(row.name);
    if (onnxOk) assert.ok(exportOnnx(net).byteLength > 0, `${row.name}: onnx`);
    else assert.throws(() => exportOnnx(net), new RegExp(`activation '${row.name}'`));
    const tfjsOk = row.tfjs !== null || row.name === 'leakyRelu';
    if (tfjsOk) assert.ok(exportTfjs(net).modelJson, `${row.name}: tfjs`);
    else assert.throws(() => exportTfjs(net), new RegExp(`activation '${row.name}'`));
  }
});

test('gelu, elu and silu rows: the table applies their ops, Dense and Network train with them, the explainer prints their formulas', () => {
  const z = tensor([-1.5, 0, 2], { dtype: 'float64' });
  const want: Record<'gelu' | 'elu' | 'silu', number[]> = {
    gelu: [-1.5 * 0.06680720126885809, 0, 2 * 0.9772498680518208], // z·Φ(z)
    elu: [Math.exp(-1.5) - 1, 0, 2],
    silu: [-1.5 / (1 + Math.exp(1.5)), 0, 2 / (1 + Math.exp(-2))],
  };
  for (const name of ['gelu', 'elu', 'silu'] as const) {
    const row = ACTIVATION_TABLE[name];
    row.apply(z, 0.2).data.forEach((v, i) => assert.ok(Math.abs(v - want[name][i]) <= 1e-15, `${name}(${z.data[i]}) = ${v}, expected ${want[name][i]}`));
    assert.ok(HIDDEN_ACTIVATIONS.includes(name));
    const net = new Network({ inputs: 2, layers: [{ units: 6, activation: name }, { units: 1, activation: 'sigmoid' }], loss: 'bce', seed: 2 });
    const h = net.learn([[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]], { epochs: 400, batchSize: 4, optimizer: 'adam', learningRate: 0.05 });
    assert.ok(h.epochs.at(-1)!.loss < 0.1, `XOR with ${name} hidden units: loss ${h.epochs.at(-1)!.loss}`);
    const trace = JSON.stringify(explain(net, [1, 0], [1]));
    assert.ok(trace.includes(JSON.stringify(row.derivative).slice(1, -1)), `${name}: the explainer prints ${row.derivative}`);
  }
});
