// BatchNorm1d, BatchNorm2d, LayerNorm: hand-computed values, PyTorch on fixed weights (train, eval, running statistics), float64 gradient checks, compiled vs eager, state dicts with buffers, errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BatchNorm1d, BatchNorm2d, Conv2d, Dense, Flatten, LayerNorm, Random, ReLU, Sequential, ShapeError, Tensor, ValueError,
  checkGradients, crossEntropy, fit, jit, whyNotCompiled, mse, mul, optim, sum, tensor, training, type Module,
} from '../../src/index.js';
import { skipWithoutTorch } from '../io/torch.js';
import { compareWithTorch, runBackprop, runTorch, type TorchCase } from './torch-layers.js';

const f64 = { dtype: 'float64' } as const;

function random(shape: number[], rng: Random, scale = 1, shift = 0): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(Float32Array.from({ length: n }, () => Math.fround(shift + scale * rng.range(-1, 1))), shape);
}

/** Fills every parameter and buffer with values other than the defaults, so nothing passes by accident. */
function perturb(m: Module, rng: Random): void {
  for (const [name, t] of [...m.namedParameters(), ...m.namedBuffers()]) {
    if (name.endsWith('num_batches_tracked')) continue;
    for (let i = 0; i < t.size; i++) t.data[i] = name.endsWith('running_var') ? 0.5 + rng.uniform() : rng.range(-1, 1);
  }
}

test('BatchNorm1d by hand: batch mean and biased variance in training, running stats with momentum 0.1 and the unbiased variance', () => {
  const bn = new BatchNorm1d(2, f64);
  const x = tensor([[1, 2], [3, 6], [5, 10]], f64);
  // column 0: mean 3, biased variance 8/3; column 1: mean 6, variance 32/3 → (x − mean)/√(var + 1e-5)
  const y = bn.forward(x).toArray() as number[][];
  const expect = [[-2 / Math.sqrt(8 / 3 + 1e-5), -4 / Math.sqrt(32 / 3 + 1e-5)], [0, 0], [2 / Math.sqrt(8 / 3 + 1e-5), 4 / Math.sqrt(32 / 3 + 1e-5)]];
  y.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - expect[i][j]) < 1e-12, `${v} vs ${expect[i][j]}`)));
  // running_mean = 0.9·0 + 0.1·mean; running_var = 0.9·1 + 0.1·(unbiased variance 4, 16)
  assert.deepEqual((bn.runningMean!.toArray() as number[]).map((v) => +v.toFixed(12)), [0.3, 0.6]);
  assert.deepEqual((bn.runningVar!.toArray() as number[]).map((v) => +v.toFixed(12)), [1.3, 2.5]);
  assert.equal(bn.numBatchesTracked!.item(), 1);
  // eval: the running statistics, then weight·x̂ + bias
  bn.weight!.data.set([2, 1]);
  bn.bias!.data.set([0.5, -1]);
  const e = bn.eval().forward(tensor([[1.3, 0.6]], f64)).toArray() as number[][];
  assert.ok(Math.abs(e[0][0] - (2 * (1.3 - 0.3) / Math.sqrt(1.3 + 1e-5) + 0.5)) < 1e-12);
  assert.ok(Math.abs(e[0][1] - -1) < 1e-12);
  assert.equal(bn.numBatchesTracked!.item(), 1, 'eval does not count batches');
  // momentum null: the cumulative average of the batch statistics
  const cum = new BatchNorm1d(1, { ...f64, momentum: null });
  cum.forward(tensor([[0], [2]], f64));
  cum.forward(tensor([[4], [6]], f64));
  assert.equal(cum.runningMean!.item(), (1 + 5) / 2);
  assert.equal(cum.runningVar!.item(), (2 + 2) / 2);
});

test('LayerNorm by hand: each row over its last dims, biased variance, then weight and bias', () => {
  const ln = new LayerNorm(3, f64);
  ln.weight!.data.set([1, 2, 3]);
  ln.bias!.data.set([0, 0, 1]);
  // row [1, 2, 3]: mean 2, variance 2/3
  const s = Math.sqrt(2 / 3 + 1e-5);
  const y = ln.forward(tensor([[1, 2, 3], [4, 4, 4]], f64)).toArray() as number[][];
  [[-1 / s, 0, 3 / s + 1], [0, 0, 1]].forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(y[i][j] - v) < 1e-12, `${y[i][j]} vs ${v}`)));
  const ln2 = new LayerNorm([2, 2], { ...f64, elementwiseAffine: false });
  assert.deepEqual(ln2.namedParameters(), []);
  const z = ln2.forward(tensor([[[[1, 3], [1, 3]]]], f64)).toArray() as number[][][][];
  const t = 1 / Math.sqrt(1 + 1e-5);
  assert.deepEqual(z[0][0].flat().map((v) => +v.toFixed(12)), [-t, t, -t, t].map((v) => +v.toFixed(12)));
});

test('BatchNorm1d ([N, C] and [N, C, L]), BatchNorm2d and LayerNorm equal PyTorch: outputs, input and parameter gradients, running stats after 3 steps, eval', { skip: skipWithoutTorch() }, () => {
  const rng = new Random(12);
  const steps = (shape: number[], trainSteps: number, evalSteps: number) => [
    ...Array.from({ length: trainSteps }, () => ({ train: true, inputs: [random(shape, rng, 2, 0.5)], g: random(shape, rng) })),
    ...Array.from({ length: evalSteps }, () => ({ train: false, inputs: [random(shape, rng, 2, 0.5)], g: random(shape, rng) })),
  ];
  const withParams = <M extends Module>(m: M): M => { perturb(m, rng); return m; };
  const cases: TorchCase[] = [
    { module: 'nn.BatchNorm1d(3)', layer: withParams(new BatchNorm1d(3)), steps: steps([5, 3], 3, 1) },
    { module: 'nn.BatchNorm1d(4, momentum=0.3, eps=1e-3)', layer: withParams(new BatchNorm1d(4, { momentum: 0.3, eps: 1e-3 })), steps: steps([3, 4, 6], 3, 1) },
    { module: 'nn.BatchNorm1d(2, momentum=None)', layer: new BatchNorm1d(2, { momentum: null }), steps: steps([4, 2, 3], 3, 1) },
    { module: 'nn.BatchNorm2d(3)', layer: withParams(new BatchNorm2d(3)), steps: steps([2, 3, 4, 5], 3, 2) },
    { module: 'nn.BatchNorm2d(2, affine=False)', layer: new BatchNorm2d(2, { affine: false }), steps: steps([3, 2, 3, 3], 3, 1) },
    { module: 'nn.BatchNorm2d(2, track_running_stats=False)', layer: withParams(new BatchNorm2d(2, { trackRunningStats: false })), steps: steps([2, 2, 3, 3], 2, 1) },
    { module: 'nn.LayerNorm(6)', layer: withParams(new LayerNorm(6)), steps: steps([2, 3, 6], 1, 1) },
    { module: 'nn.LayerNorm([3, 4], eps=1e-3)', layer: withParams(new LayerNorm([3, 4], { eps: 1e-3 })), steps: steps([2, 3, 4], 1, 0) },
    { module: 'nn.LayerNorm(5, elementwise_affine=False)', layer: new LayerNorm(5, { elementwiseAffine: false }), steps: steps([4, 5], 1, 0) },
  ];
  const torch = runTorch(cases);
  cases.forEach((c, i) => compareWithTorch(c.module, runBackprop(c), torch[i], c.layer.stateDict()));
});

test('float64 gradient checks of each layer in train and eval (input, weight and bias; checkGradients against central differences)', () => {
  const rng = new Random(3);
  const layers: [string, Module, number[]][] = [
    ['BatchNorm1d [N, C]', new BatchNorm1d(3, f64), [4, 3]],
    ['BatchNorm1d [N, C, L]', new BatchNorm1d(2, f64), [3, 2, 4]],
    ['BatchNorm2d', new BatchNorm2d(2, f64), [2, 2, 3, 3]],
    ['LayerNorm', new LayerNorm([2, 3], f64), [3, 2, 3]],
  ];
  for (const [what, layer, shape] of layers) {
    perturb(layer, rng);
    for (const mode of [true, false]) {
      layer.train(mode);
      const x = new Tensor(random(shape, rng, 2, 0.3).to('float64').data, shape, true);
      const weights = random(shape, rng).to('float64'); // a random weighting: a plain sum hides transposition bugs
      const report = checkGradients(() => sum(mul(layer.forward(x), weights)), [['x', x], ...layer.namedParameters()], { atol: 1e-6, rtol: 1e-5 });
      assert.ok(report.ok, `${what} (${mode ? 'train' : 'eval'}): ${JSON.stringify(report.rows.filter((r) => !r.ok).slice(0, 3))}`);
      assert.equal(report.rows.length, x.size + layer.parameters().reduce((n, p) => n + p.size, 0));
    }
  }
});

/** A small CNN with BatchNorm2d, BatchNorm1d and LayerNorm, and its training data. */
function normNet(seed: number, dtype: 'float32' | 'float64') {
  const model = new Sequential(
    // No bias before a batch norm (it would be removed with the mean: its gradient is rounding noise, which Adam magnifies).
    new Conv2d(1, 3, 3, { padding: 1, seed, dtype, bias: false }), new BatchNorm2d(3, { dtype }), new ReLU(), new Flatten(),
    new Dense(3 * 4 * 4, 6, { seed: seed + 1, dtype, bias: false }), new BatchNorm1d(6, { dtype }), new ReLU(),
    new LayerNorm(6, { dtype }), new Dense(6, 2, { seed: seed + 2, dtype }),
  );
  perturb(model.layers[7], new Random(seed + 3));
  const rng = new Random(seed + 4);
  const n = 8;
  const x = new Tensor(Float64Array.from({ length: n * 16 }, () => rng.range(-1, 1)), [n, 1, 4, 4]).to(dtype);
  const y = new Tensor(Float64Array.from({ length: n * 2 }, () => rng.range(-1, 1)), [n, 2]).to(dtype);
  return { model, x, y };
}

test('compiled training steps leave parameters and running stats identical to eager ones; eval outputs agree; a mode switch traces again', () => {
  for (const [dtype, tol] of [['float32', 1e-6], ['float64', 1e-12]] as const) {
    const a = normNet(5, dtype), b = normNet(5, dtype);
    const optA = new optim.Adam(a.model.parameters(), { lr: 0.01 }), optB = new optim.Adam(b.model.parameters(), { lr: 0.01 });
    const step = jit((x: Tensor, y: Tensor) => {
      optA.zeroGrad();
      const loss = mse(a.model.forward(x), y);
      loss.backward();
      optA.step();
      return loss;
    });
    for (let i = 0; i < 5; i++) {
      const compiled = step(a.x, a.y).item();
      optB.zeroGrad();
      const loss = mse(b.model.forward(b.x), b.y);
      loss.backward();
      optB.step();
      assert.ok(Math.abs(compiled - loss.item()) <= tol * Math.max(1, Math.abs(loss.item())), `${dtype} step ${i}: loss ${compiled} vs ${loss.item()}`);
    }
    assert.equal(step.traces, 1);
    assert.equal(step.lastMode, 'kernels');
    const sa = a.model.stateDict(), sb = b.model.stateDict();
    assert.ok(Object.keys(sa).includes('1.running_mean') && Object.keys(sa).includes('5.running_var'));
    for (const k of Object.keys(sb)) {
      sa[k].data.forEach((v, i) => assert.ok(Math.abs(v - sb[k].data[i]) <= tol * Math.max(1, Math.abs(sb[k].data[i])), `${dtype} ${k}[${i}]: compiled ${v} vs eager ${sb[k].data[i]}`));
    }
    assert.equal(sa['1.num_batches_tracked'].item(), 5);
    // eval: the running statistics, compiled and eager alike
    const infer = jit((x: Tensor) => a.model.forward(x));
    a.model.eval();
    b.model.eval();
    const ya = Array.from(infer(a.x).data), yb = b.model.forward(b.x).data;
    infer(a.x);
    assert.equal(infer.lastMode !== 'eager', true, 'the second eval call replays');
    Array.from(infer(a.x).data).forEach((v, i) => assert.ok(Math.abs(v - yb[i]) <= tol * Math.max(1, Math.abs(yb[i])), `${dtype} eval output ${i}`));
    ya.forEach((v, i) => assert.ok(Math.abs(v - yb[i]) <= tol * Math.max(1, Math.abs(yb[i]))));
    // Back in training mode the eval plan is not replayed: the call traces again and updates the stats.
    a.model.train();
    const before = Array.from((a.model.layers[1] as BatchNorm2d).runningMean!.data);
    infer(a.x);
    assert.equal(infer.traces, 2);
    assert.notDeepEqual(Array.from((a.model.layers[1] as BatchNorm2d).runningMean!.data), before);
  }
});

test('fit() compiles a network with batch norm and layer norm, and matches fit({ compiled: false })', () => {
  const run = (compiled: boolean) => {
    const model = new Sequential(new Dense(4, 8, { seed: 1, bias: false }), new BatchNorm1d(8), new ReLU(), new LayerNorm(8), new Dense(8, 2, { seed: 2 }));
    const rng = new Random(6);
    const x = random([16, 4], rng);
    const y = new Tensor(Float32Array.from({ length: 16 }, (_, i) => (x.data[i * 4] + x.data[i * 4 + 1] > 0 ? 1 : 0)), [16]);
    const optimizer = new optim.SGD(model.parameters(), { lr: 0.1 });
    const h = fit(model, x, y, { loss: crossEntropy, optimizer, epochs: 4, batchSize: 8, seed: 1, compiled });
    if (compiled) assert.equal(whyNotCompiled(model, { loss: crossEntropy, optimizer }), null, 'the steps were compiled');
    assert.equal(model.training, false, 'fit leaves the model in eval mode');
    return { h, state: model.stateDict() };
  };
  const c = run(true), e = run(false);
  c.h.epochs.forEach((ep, i) => assert.ok(Math.abs(ep.loss - e.h.epochs[i].loss) < 1e-5, `epoch ${i}: ${ep.loss} vs ${e.h.epochs[i].loss}`));
  assert.ok(c.h.epochs[3].loss < c.h.epochs[0].loss, 'it learns');
  for (const k of Object.keys(e.state)) {
    e.state[k].data.forEach((v, i) => assert.ok(Math.abs(c.state[k].data[i] - v) <= 1e-5 * Math.max(1, Math.abs(v)), `${k}[${i}]: compiled ${c.state[k].data[i]} vs eager ${v}`));
  }
  assert.equal(c.state['1.num_batches_tracked'].item(), 8, '2 batches × 4 epochs');
});

test('stateDict carries buffers under PyTorch\'s names and loadStateDict restores them; buffers are not parameters', () => {
  const { model } = normNet(2, 'float32');
  const keys = Object.keys(model.stateDict());
  assert.deepEqual(keys.filter((k) => k.startsWith('1.')), ['1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked']);
  assert.deepEqual(model.namedBuffers().map(([n]) => n), ['1.running_mean', '1.running_var', '1.num_batches_tracked', '5.running_mean', '5.running_var', '5.num_batches_tracked']);
  assert.equal(model.parameters().length, model.namedParameters().length);
  assert.ok(!model.namedParameters().some(([n]) => n.includes('running')));
  for (const [, b] of model.namedBuffers()) assert.equal(b.requiresGrad, false);
  perturb(model, new Random(4));
  const saved = model.stateDict();
  const other = normNet(3, 'float32').model;
  const storage = other.namedBuffers().map(([, t]) => t.data);
  other.loadStateDict(saved);
  for (const k of keys) assert.deepEqual(Array.from(other.stateDict()[k].data), Array.from(saved[k].data), k);
  other.namedBuffers().forEach(([, t], i) => assert.equal(t.data, storage[i], 'loaded in place'));
  const missing = { ...saved };
  delete missing['5.running_var'];
  assert.throws(() => other.loadStateDict(missing), /loadStateDict: missing key '5.running_var'/);
  // A parameter-only model keeps its keys exactly
  assert.deepEqual(Object.keys(new Sequential(new Dense(2, 3), new ReLU(), new Dense(3, 1)).stateDict()), ['0.weight', '0.bias', '2.weight', '2.bias']);
  assert.deepEqual(new BatchNorm1d(3, { trackRunningStats: false }).namedBuffers(), []);
});

test('wrong input shapes and options are one-line errors naming the layer', () => {
  const throwsLine = (f: () => unknown, type: typeof ShapeError | typeof ValueError, re: RegExp) =>
    assert.throws(f, (e: unknown) => e instanceof type && re.test((e as Error).message) && !(e as Error).message.includes('\n'));
  throwsLine(() => new BatchNorm2d(3).forward(new Tensor(new Float32Array(2 * 4 * 9), [2, 4, 3, 3])), ShapeError, /^BatchNorm2d\(3\): expected input of shape \[batch, 3, height, width\], got \[2, 4, 3, 3\]$/);
  throwsLine(() => new BatchNorm1d(3).forward(new Tensor(new Float32Array(6), [2, 3, 1, 1])), ShapeError, /^BatchNorm1d\(3\): expected input of shape \[batch, 3\] or \[batch, 3, length\], got \[2, 3, 1, 1\]$/);
  throwsLine(() => new BatchNorm1d(3).forward(tensor([[1, 2, 3]])), ShapeError, /BatchNorm1d\(3\): expected more than 1 value per channel when training, got input of shape \[1, 3\]/);
  assert.doesNotThrow(() => new BatchNorm1d(3).eval().forward(tensor([[1, 2, 3]])));
  throwsLine(() => new LayerNorm([2, 3]).forward(new Tensor(new Float32Array(6), [3, 2])), ShapeError, /^LayerNorm\(\[2, 3\]\): expected input of shape \[\.\.\., 2, 3\], got \[3, 2\]$/);
  throwsLine(() => new BatchNorm1d(0), ValueError, /BatchNorm1d: numFeatures must be a whole number ≥ 1, got 0/);
  throwsLine(() => new BatchNorm2d(3, { momentum: 1.5 }), ValueError, /BatchNorm2d: momentum must be a number in \[0, 1\] or null/);
  throwsLine(() => new BatchNorm2d(3, { eps: 0 }), ValueError, /BatchNorm2d: eps must be a finite number > 0, got 0/);
  throwsLine(() => new BatchNorm2d(3, { track_running_stats: false } as never), ValueError, /BatchNorm2d: unknown option 'track_running_stats' \(known: eps, momentum, affine, trackRunningStats, dtype\)/);
  throwsLine(() => new LayerNorm([]), ValueError, /LayerNorm: normalizedShape must be a number or a non-empty array/);
  throwsLine(() => new LayerNorm(4, { elementwise_affine: false } as never), ValueError, /LayerNorm: unknown option 'elementwise_affine'/);
});

test("restoring the best epoch restores BatchNorm's running statistics with the weights", () => {
  const r = new Random(4);
  const x = tensor(Float32Array.from({ length: 64 * 3 }, () => r.range(-2, 2)), { shape: [64, 3] });
  const y = tensor(Float32Array.from({ length: 64 }, (_, i) => (i % 2 ? 1 : -1)), { shape: [64, 1] });
  const bn = new BatchNorm1d(6);
  const model = new Sequential(new Dense(3, 6, { seed: 1 }), bn, new ReLU(), new Dense(6, 1, { seed: 2 }));
  const opt = new optim.SGD(model.parameters(), { lr: 0.05 });
  const snapshots: Float32Array[][] = [];
  const t = training(model, x, y, {
    loss: mse, optimizer: opt, epochs: 3, batchSize: 16, shuffle: false, earlyStopping: { patience: 10, restoreBest: true },
    // After epoch 1 the rate is made far too large, so epochs 2 and 3 end worse than epoch 1.
    onEpochEnd: (logs) => { snapshots.push([bn.runningMean!, bn.runningVar!].map((b) => Float32Array.from(b.data))); if (logs.epoch === 1) opt.learningRate = 1.2; },
  });
  const history = t.run();
  assert.equal(history.bestEpoch, 1, 'epoch 1 should be the best (the test relies on it)');
  assert.notDeepEqual(snapshots[2][0], snapshots[0][0], 'the statistics moved after epoch 1');
  assert.deepEqual(Float32Array.from(bn.runningMean!.data), snapshots[0][0]);
  assert.deepEqual(Float32Array.from(bn.runningVar!.data), snapshots[0][1]);
});
