// Module bookkeeping, Dense, activations, Sequential and the seeded initialisers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, Dense, Sequential, Tanh, ReLU, Sigmoid, LeakyReLU, Softmax, Step, Identity, Random, init, gradcheck } from '../../src/index.js';

test('Dense keeps weight as [out, in] and computes x·Wᵀ + b', () => {
  const d = new Dense(2, 3);
  assert.deepEqual(d.weight.shape, [3, 2]);
  assert.deepEqual(d.bias!.shape, [3]);
  d.weight.data.set([1, 2, 3, 4, 5, 6]);
  d.bias!.data.set([0.5, 0, -1]);
  assert.deepEqual(d.forward(tensor([[1, 1]])).toArray(), [[3.5, 7, 10]]);
});

test('Dense rejects a wrong input width with both shapes in the message', () => {
  assert.throws(() => new Dense(3, 2).forward(tensor([[1, 2]])), /Dense\(3 → 2\): expected input of shape \[batch, 3\], got \[1, 2\]/);
  assert.throws(() => new Dense(0, 2), /inFeatures must be a whole number ≥ 1, got 0/);
  assert.throws(() => new Dense(2, 2, { activation: 'swish' as never }), /unknown activation 'swish'/);
});

test('Dense default init is uniform in ±1/√in and the same for the same seed', () => {
  const a = new Dense(16, 8, { seed: 3 }), b = new Dense(16, 8, { seed: 3 }), c = new Dense(16, 8, { seed: 4 });
  assert.deepEqual(Array.from(a.weight.data), Array.from(b.weight.data));
  assert.notDeepEqual(Array.from(a.weight.data), Array.from(c.weight.data));
  for (const w of a.weight.data) assert.ok(Math.abs(w) <= 0.25);
  assert.ok(a.bias!.data.every((v) => v === 0));
});

test('initialisers have their documented scales', () => {
  const big = tensor(new Float64Array(200 * 100), { shape: [100, 200] });
  const r = new Random(1);
  init.xavierUniform_(big, r);
  const limit = Math.sqrt(6 / 300);
  assert.ok(big.data.every((v) => Math.abs(v) <= limit));
  init.heNormal_(big, r);
  let sq = 0;
  for (const v of big.data) sq += v * v;
  const std = Math.sqrt(sq / big.size);
  assert.ok(Math.abs(std - Math.sqrt(2 / 200)) < 0.005, `std ${std}`);
  init.constant_(big, 0.25);
  assert.ok(big.data.every((v) => v === 0.25));
});

test('parameters, namedParameters and stateDict use dotted names', () => {
  const model = new Sequential(new Dense(2, 4), new Tanh(), new Dense(4, 1));
  assert.deepEqual(model.namedParameters().map(([n]) => n), ['0.weight', '0.bias', '2.weight', '2.bias']);
  assert.equal(model.parameters().length, 4);
  const state = model.stateDict();
  const other = new Sequential(new Dense(2, 4, { seed: 9 }), new Tanh(), new Dense(4, 1, { seed: 9 }));
  other.loadStateDict(state);
  const x = tensor([[0.3, -0.7]]);
  assert.deepEqual(other.forward(x).toArray(), model.forward(x).toArray());
  state['0.weight'].data[0] += 1; // stateDict is a copy
  assert.notEqual(model.parameters()[0].data[0], state['0.weight'].data[0]);
});

test('loadStateDict is strict about names and shapes', () => {
  const model = new Sequential(new Dense(2, 2));
  assert.throws(() => model.loadStateDict({ ...model.stateDict(), extra: tensor([1]) }), /unexpected key 'extra'/);
  assert.throws(() => model.loadStateDict({ '0.weight': tensor([[1, 2]]), '0.bias': tensor([1, 2]) }), /'0\.weight' has shape \[1, 2\], expected \[2, 2\]/);
  assert.throws(() => model.loadStateDict({ '0.weight': tensor([[1, 2], [3, 4]]) }), /missing key '0\.bias'/);
});

test('train() and eval() set the mode on every child', () => {
  const model = new Sequential(new Dense(2, 2), new ReLU());
  model.eval();
  assert.ok(model.layers.every((m) => !m.training) && !model.training);
  model.train();
  assert.ok(model.layers.every((m) => m.training));
});

test('activation layers compute their functions', () => {
  const x = tensor([[-2, 0, 3]]);
  assert.deepEqual(new ReLU().forward(x).toArray(), [[0, 0, 3]]);
  assert.deepEqual(new Step().forward(x).toArray(), [[0, 0, 1]]);
  assert.deepEqual(new Identity().forward(x).toArray(), [[-2, 0, 3]]);
  assert.ok(Math.abs((new LeakyReLU(0.1).forward(x).toArray() as number[][])[0][0] + 0.2) < 1e-6);
  assert.ok(Math.abs((new Sigmoid().forward(tensor([[0]])).toArray() as number[][])[0][0] - 0.5) < 1e-7);
  const s = new Softmax().forward(x).toArray() as number[][];
  assert.ok(Math.abs(s[0].reduce((a, b) => a + b) - 1) < 1e-6);
});

test('a Sequential of Dense layers back-propagates the numerically measured gradients', () => {
  const model = new Sequential(new Dense(3, 4, { dtype: 'float64', seed: 1, activation: 'tanh' }), new Dense(4, 2, { dtype: 'float64', seed: 2 }));
  const params = model.parameters();
  const x = tensor([[0.1, -0.4, 0.9], [1, 0.5, -0.2]], { dtype: 'float64' });
  // Numerical gradients of the same function, with the parameters passed in as gradcheck inputs.
  const r = gradcheck((...ps) => {
    params.forEach((p, i) => p.data.set(ps[i].data));
    return model.forward(x);
  }, params.map((p) => p.clone()), { seed: 5 });
  // Analytic gradients from the module itself, with the same output weighting gradcheck uses.
  model.zeroGrad();
  const out = model.forward(x);
  const rng = new Random(5);
  const weights = tensor(Float64Array.from({ length: out.size }, () => rng.range(0.5, 1.5) * (rng.uniform() < 0.5 ? -1 : 1)), { shape: out.shape });
  out.backward(weights);
  params.forEach((p, i) => {
    p.grad!.data.forEach((g, j) => assert.ok(Math.abs(g - r.numerical[i][j]) < 1e-6, `param ${i}[${j}]: ${g} vs ${r.numerical[i][j]}`));
  });
});
