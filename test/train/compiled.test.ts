// The compiled step (jit: traced once per batch shape, replayed) computes what the eager autograd
// path computes: the same weights, history, optimizer state and callbacks, for every activation ×
// loss × optimizer × batch size from the library's tables, float64 to rounding (1e-12) and float32
// to 2e-5; a user's own Module compiles as well as Dense; anything that cannot be traced falls back
// to the eager step with identical results and says why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ACTIVATIONS, Dense, DivergenceError, LOSSES, Module, Network, Random, Sequential, Tanh, crossEntropy, fit, linear, matmul, mse, optim, sigmoid, tensor, whyNotCompiled,
  type ActivationName, type EpochLogs, type History, type LearnOptions, type LossName, type NetworkSpec, type Tensor,
} from '../../src/index.js';

const rng = new Random(11);
const X = Array.from({ length: 7 }, () => Array.from({ length: 3 }, () => rng.range(-1, 1)));
const probs = (w: number) => X.map(() => Array.from({ length: w }, () => rng.uniform()));
const bits = (w: number) => X.map(() => Array.from({ length: w }, () => (rng.uniform() < 0.5 ? 0 : 1)));
const classes = X.map((_, i) => i % 3);
const oneHot = classes.map((c) => [0, 1, 2].map((j) => (j === c ? 1 : 0)));

/** An output layer, loss and targets: each exercises a different loss gradient or activation backward. */
const HEADS: { name: string; loss: LossName; act: ActivationName; units: number; targets: number[][] | number[]; bias?: number[] }[] = [
  { name: 'mse + linear', loss: 'mse', act: 'linear', units: 2, targets: probs(2) },
  { name: 'mse + sigmoid', loss: 'mse', act: 'sigmoid', units: 2, targets: probs(2) },
  { name: 'mse + softmax', loss: 'mse', act: 'softmax', units: 3, targets: oneHot },
  { name: 'sse + tanh', loss: 'sse', act: 'tanh', units: 2, targets: probs(2) },
  { name: 'mae + linear', loss: 'mae', act: 'linear', units: 2, targets: probs(2) },
  { name: 'mse + relu', loss: 'mse', act: 'relu', units: 2, targets: probs(2), bias: [0.3, 0.2] },
  { name: 'mse + leakyRelu', loss: 'mse', act: 'leakyRelu', units: 2, targets: probs(2) },
  // A nonzero bias keeps logits off exactly 0, where the autograd bceWithLogits gradient takes
  // |z|'s subgradient 0 and so differs from the true derivative σ(0) − t that the fast path uses.
  { name: 'bce + sigmoid (fused, logits)', loss: 'bce', act: 'sigmoid', units: 2, targets: bits(2), bias: [0.05, -0.07] },
  { name: 'bce + softmax (probabilities, clamped)', loss: 'bce', act: 'softmax', units: 2, targets: bits(2) },
  { name: 'crossEntropy + softmax (fused, class indices)', loss: 'crossEntropy', act: 'softmax', units: 3, targets: classes },
  { name: 'crossEntropy + linear (one-hot rows)', loss: 'crossEntropy', act: 'linear', units: 3, targets: oneHot },
];
const HIDDEN: readonly ActivationName[] = ACTIVATIONS;
const OPTIMIZERS: [LearnOptions['optimizer'], number, Record<string, unknown>][] = [
  ['sgd', 0.2, {}],
  ['momentum', 0.05, { nesterov: true }],
  ['adam', 0.02, {}],
  ['adam', 0.02, { amsgrad: true, weightDecay: 0.01 }],
  ['adamw', 0.02, {}],
  ['rmsprop', 0.01, { centered: true, momentum: 0.3 }],
  ['adagrad', 0.1, { weightDecay: 0.001 }],
  ['sgd', 0.1, { momentum: 0.5, dampening: 0.1, weightDecay: 0.01 }],
];
const BATCHES: (number | 'full')[] = [1, 3, 'full'];

function spec(hidden: ActivationName, head: (typeof HEADS)[number], dtype: 'float32' | 'float64'): NetworkSpec {
  return {
    inputs: 3,
    layers: [
      { units: 4, activation: hidden, ...(hidden === 'leakyRelu' ? { alpha: 0.1 } : {}) },
      { units: 3, activation: 'tanh' },
      { units: head.units, activation: head.act, ...(head.bias ? { bias: head.bias } : {}) },
    ],
    loss: head.loss, init: 'xavier', seed: 5, dtype,
  };
}

function weights(net: Network): number[] {
  return net.parameters().flatMap((p) => Array.from(p.data));
}

function maxDiff(a: readonly number[], b: readonly number[]): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) !== Number.isNaN(b[i])) return Infinity;
    if (!Number.isNaN(a[i])) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  }
  return m;
}

const LOG_KEYS: (keyof EpochLogs)[] = ['loss', 'valLoss', 'accuracy', 'valAccuracy', 'learningRate'];

function assertSameHistory(fast: History, slow: History, tol: number, what: string): void {
  assert.equal(fast.epochs.length, slow.epochs.length, `${what}: epochs`);
  assert.equal(fast.stopReason, slow.stopReason, `${what}: stopReason`);
  assert.equal(fast.updates, slow.updates, `${what}: updates`);
  assert.equal(fast.bestEpoch, slow.bestEpoch, `${what}: bestEpoch`);
  fast.epochs.forEach((e, i) => {
    const s = slow.epochs[i];
    assert.equal(e.epoch, s.epoch);
    assert.equal(e.updates, s.updates);
    for (const key of LOG_KEYS) {
      assert.equal(key in e, key in s, `${what}: epoch ${i + 1} has ${key} in one history only`);
      if (!(key in s)) continue;
      const d = maxDiff([e[key] as number], [s[key] as number]);
      // Accuracy counts argmax/threshold hits: a tie broken by a last-bit difference moves it by 1/rows.
      const allowed = key.endsWith('ccuracy') && tol > 1e-9 ? 1 / X.length + 1e-9 : tol;
      assert.ok(d <= allowed, `${what}: epoch ${i + 1} ${key} ${e[key]} vs ${s[key]} (diff ${d})`);
    }
  });
}

/** Trains two copies, compiled and eager; returns both for comparison. */
function trainBoth(s: NetworkSpec, targets: number[][] | number[], options: LearnOptions) {
  const fast = new Network(s), slow = new Network(s);
  const hf = fast.learn(X, targets, { ...options, compiled: true });
  const hs = slow.learn(X, targets, { ...options, compiled: false });
  return { fast, slow, hf, hs };
}

function matrix(dtype: 'float32' | 'float64', tol: number, hidden = HIDDEN): void {
  let k = 0;
  for (const h of hidden) {
    for (const head of HEADS) {
      for (const batchSize of BATCHES) {
        const [optimizer, learningRate, optimizerOptions] = OPTIMIZERS[k++ % OPTIMIZERS.length];
        const what = `${dtype}: hidden ${h}, ${head.name}, ${String(optimizer)} ${JSON.stringify(optimizerOptions)}, batch ${batchSize}`;
        const epochs = dtype === 'float64' ? 12 : 4;
        const { fast, slow, hf, hs } = trainBoth(spec(h, head, dtype), head.targets, { epochs, batchSize, optimizer, learningRate, optimizerOptions, seed: k });
        assertSameHistory(hf, hs, tol, what);
        const d = maxDiff(weights(fast), weights(slow));
        assert.ok(d <= tol, `${what}: weights differ by ${d}`);
      }
    }
  }
}

test('the tables are covered: every loss has a head, every optimizer a row', () => {
  assert.deepEqual(LOSSES.filter((l) => !HEADS.some((h) => h.loss === l)), []);
  assert.deepEqual(optim.OPTIMIZER_NAMES.filter((o) => !OPTIMIZERS.some(([name]) => name === o)), []);
});

test('float64: every hidden activation × output activation/loss × batch size (1, 3, full) gives the eager weights and history to 1e-12', () => {
  matrix('float64', 1e-12);
});

test('float32: the same matrix to 2e-5', () => {
  matrix('float32', 2e-5);
});

test('every optimizer × every batch size, float64, on a fused-loss classifier and a regression head', () => {
  for (const head of [HEADS[7], HEADS[9], HEADS[1]]) {
    for (const [optimizer, learningRate, optimizerOptions] of OPTIMIZERS) {
      for (const batchSize of [...BATCHES, 2]) {
        const what = `${head.name}, ${String(optimizer)} ${JSON.stringify(optimizerOptions)}, batch ${batchSize}`;
        const { fast, slow, hf, hs } = trainBoth(spec('tanh', head, 'float64'), head.targets, { epochs: 15, batchSize, optimizer, learningRate, optimizerOptions, seed: 3 });
        assertSameHistory(hf, hs, 1e-12, what);
        assert.ok(maxDiff(weights(fast), weights(slow)) <= 1e-12, what);
      }
    }
  }
});

test('a mid-size float32 network (the planned-kernel replay, wasm matmuls where available) matches eager over many steps', () => {
  const r = new Random(2);
  const n = 96, inputs = 40;
  const x = tensor(Array.from({ length: n }, () => Array.from({ length: inputs }, () => r.range(-1, 1))));
  const y = Array.from({ length: n }, (_, i) => i % 5);
  const s: NetworkSpec = { inputs, layers: [{ units: 64, activation: 'relu' }, { units: 32, activation: 'tanh' }, { units: 5, activation: 'softmax' }], loss: 'crossEntropy', seed: 9 };
  for (const optimizer of ['adam', 'adamw', 'momentum'] as const) {
    const fast = new Network(s), slow = new Network(s);
    const options: LearnOptions = { epochs: 3, batchSize: 16, optimizer, learningRate: 0.003, seed: 4, validationSplit: 0.25 };
    const hf = fast.learn(x, y, options);
    const hs = slow.learn(x, y, { ...options, compiled: false });
    assertSameHistory(hf, hs, 1e-4, optimizer);
    assert.ok(maxDiff(weights(fast), weights(slow)) <= 1e-4, `${optimizer}: weights differ by ${maxDiff(weights(fast), weights(slow))}`);
  }
});

test('the optimizer state after compiled training is the autograd one (stateDict), so training can go on either way', () => {
  for (const name of ['adam', 'rmsprop', 'momentum'] as const) {
    const s = spec('relu', HEADS[0], 'float64');
    const fast = new Network(s), slow = new Network(s);
    const of = optim.optimizerByName(name, fast.parameters(), { lr: 0.01 });
    const os = optim.optimizerByName(name, slow.parameters(), { lr: 0.01 });
    fast.learn(X, HEADS[0].targets, { epochs: 5, batchSize: 2, optimizer: of, seed: 1 });
    slow.learn(X, HEADS[0].targets, { epochs: 5, batchSize: 2, optimizer: os, seed: 1, compiled: false });
    const a = of.stateDict(), b = os.stateDict();
    assert.deepEqual(a.paramGroups, b.paramGroups);
    a.state.forEach((st, i) => {
      for (const [key, v] of Object.entries(st!)) {
        const w = (b.state[i] as Record<string, unknown>)[key];
        if (Array.isArray(v)) assert.ok(maxDiff(v, w as number[]) <= 1e-12, `${name} state[${i}].${key}`);
        else assert.equal(v, w, `${name} state[${i}].${key}`);
      }
    });
    // Continue both on the general path: still identical.
    fast.learn(X, HEADS[0].targets, { epochs: 3, batchSize: 2, optimizer: of, seed: 2, compiled: false });
    slow.learn(X, HEADS[0].targets, { epochs: 3, batchSize: 2, optimizer: os, seed: 2, compiled: false });
    assert.ok(maxDiff(weights(fast), weights(slow)) <= 1e-12, name);
  }
});

test('validation, early stopping with restoreBest, tolerance, onEpochEnd and schedulers behave as in fit()', () => {
  const head = HEADS[9];
  const cases: [string, (n: Network) => LearnOptions][] = [
    ['validationSplit + earlyStopping(restoreBest)', () => ({ epochs: 60, batchSize: 2, learningRate: 0.5, validationSplit: 0.3, earlyStopping: { patience: 2, minDelta: 1e-3 } })],
    ['validationData + earlyStopping on loss', () => ({ epochs: 40, batchSize: 3, optimizer: 'adam', learningRate: 0.05, validationData: [X.slice(0, 3), classes.slice(0, 3)], earlyStopping: { monitor: 'loss', patience: 1, minDelta: 0.05 } })],
    ['tolerance', () => ({ epochs: 500, batchSize: 'full', optimizer: 'adam', learningRate: 0.05, tolerance: 0.3 })],
    ['onEpochEnd stops', () => ({ epochs: 50, batchSize: 1, onEpochEnd: (l) => l.epoch < 4 })],
    ['scheduler', (n) => {
      const o = optim.optimizerByName('sgd', n.parameters(), { lr: 0.3 });
      return { epochs: 6, batchSize: 2, optimizer: o, scheduler: new optim.StepLR(o as optim.SGD, { stepSize: 2, gamma: 0.5 }) };
    }],
  ];
  for (const [what, make] of cases) {
    const s = spec('sigmoid', head, 'float64');
    const fast = new Network(s), slow = new Network(s);
    const hf = fast.learn(X, head.targets, { ...make(fast), compiled: true });
    const hs = slow.learn(X, head.targets, { ...make(slow), compiled: false });
    assert.ok(hs.stopReason !== 'completed' || what === 'scheduler', `${what}: the case should stop early (${hs.stopReason})`);
    assertSameHistory(hf, hs, 1e-12, what);
    assert.ok(maxDiff(weights(fast), weights(slow)) <= 1e-12, what);
  }
});

test('onBatchEnd sees the current weights, and an AbortSignal stops both paths at the same batch (tiny and wide networks)', () => {
  const tiny = spec('relu', HEADS[0], 'float32');
  const wide = { ...tiny, layers: [{ units: 40, activation: 'relu' as const }, { units: 70, activation: 'tanh' as const }, { units: 2 }] };
  for (const [what, s] of [['tiny', tiny], ['wide', wide]] as const) {
    const run = (compiled: boolean) => {
      const net = new Network(s);
      const controller = new AbortController();
      const seen: number[] = [];
      const batches: number[] = [];
      const h = net.learn(X, HEADS[0].targets, {
        epochs: 5, batchSize: 2, optimizer: 'adam', learningRate: 0.01, signal: controller.signal, compiled,
        onBatchEnd: (b) => {
          batches.push(b.loss);
          seen.push(net.parameters()[0].data[0], net.parameters()[5].data[1]);
          if (b.epoch === 3 && b.batch === 2) controller.abort();
        },
      });
      return { h, seen, batches, net };
    };
    const a = run(true), b = run(false);
    assert.equal(a.h.stopReason, 'aborted');
    assertSameHistory(a.h, b.h, 1e-5, what);
    assert.ok(maxDiff(a.seen, b.seen) <= 1e-5, `${what}: weights seen in onBatchEnd`);
    assert.ok(maxDiff(a.batches, b.batches) <= 1e-5, `${what}: batch losses`);
    assert.ok(maxDiff(weights(a.net), weights(b.net)) <= 1e-5, what);
  }
});

test('callbacks that change the optimizer mid-training (learning rate, momentum, a loaded state) are seen by the replay', () => {
  for (const [what, units] of [['tiny', 4], ['wide', 40]] as const) {
    const s: NetworkSpec = { ...spec('tanh', HEADS[0], 'float32'), layers: [{ units, activation: 'tanh' }, { units: 2 }] };
    const run = (compiled: boolean) => {
      const net = new Network(s);
      const opt = optim.optimizerByName(what === 'tiny' ? 'momentum' : 'adam', net.parameters(), { lr: 0.05 });
      let saved: ReturnType<typeof opt.stateDict> | null = null;
      const h = net.learn(X, HEADS[0].targets, {
        epochs: 6, batchSize: 3, optimizer: opt, compiled,
        onBatchEnd: (b) => {
          if (b.epoch === 2 && b.batch === 1) opt.learningRate = 0.02;
          if (b.epoch === 3 && b.batch === 2) saved = opt.stateDict();
        },
        onEpochEnd: (l) => {
          if (l.epoch === 4) opt.paramGroups[0].lr = 0.08;
          if (l.epoch === 5) opt.loadStateDict(saved!);
        },
      });
      return { h, net, state: opt.stateDict() };
    };
    const a = run(true), b = run(false);
    assertSameHistory(a.h, b.h, 1e-5, what);
    assert.ok(maxDiff(weights(a.net), weights(b.net)) <= 1e-5, `${what}: weights`);
    a.state.state.forEach((st, i) => {
      for (const [key, v] of Object.entries(st!)) {
        const w = (b.state.state[i] as Record<string, unknown>)[key];
        if (Array.isArray(v)) assert.ok(maxDiff(v, w as number[]) <= 1e-5, `${what} state[${i}].${key}`);
        else assert.equal(v, w, `${what} state[${i}].${key}`);
      }
    });
  }
});

test('divergence: both paths throw the same DivergenceError with the same history, and leave the same weights', () => {
  const s = spec('linear', HEADS[0], 'float64');
  const big = X.map((r) => r.map((v) => v * 1e3));
  const catchIt = (compiled: boolean) => {
    const net = new Network(s);
    try {
      net.learn(big, HEADS[0].targets, { epochs: 50, batchSize: 1, learningRate: 5, optimizer: 'sgd', compiled });
    } catch (e) {
      assert.ok(e instanceof DivergenceError, String(e));
      return { e: e as DivergenceError & { history: History }, net };
    }
    assert.fail('no divergence');
  };
  const a = catchIt(true), b = catchIt(false);
  assert.equal(a.e.message, b.e.message);
  assertSameHistory(a.e.history, b.e.history, 1e-12, 'divergence');
  assert.ok(maxDiff(weights(a.net), weights(b.net)) <= 1e-12, 'weights after divergence');
});

test('after compiled training the parameters hold the last batch gradient, like eager fit(), and predict/toJSON see the trained weights', () => {
  const s = spec('tanh', HEADS[1], 'float64');
  const { fast, slow } = trainBoth(s, HEADS[1].targets, { epochs: 3, batchSize: 3, seed: 1 });
  fast.parameters().forEach((p, i) => {
    assert.ok(p.grad, 'grad left on the parameter');
    assert.ok(maxDiff(Array.from(p.grad!.data), Array.from(slow.parameters()[i].grad!.data)) <= 1e-12, `parameter ${i}: last gradient`);
  });
  assert.ok(maxDiff(fast.predict(X).flat(), slow.predict(X).flat()) <= 1e-12, 'predictions');
  assert.ok(maxDiff(fast.toJSON().layers.flatMap((l) => l.weights!.flat()), slow.toJSON().layers.flatMap((l) => l.weights!.flat())) <= 1e-12, 'toJSON weights');
});

/** A user's own modules, built from ops with no Dense: what the compiler must handle as well as Dense. */
class Affine extends Module {
  readonly w: Tensor;
  readonly b: Tensor;
  constructor(inputs: number, outputs: number, seed: number) {
    super();
    const r = new Random(seed);
    this.w = this.registerParameter('w', tensor(Array.from({ length: inputs }, () => Array.from({ length: outputs }, () => r.range(-0.8, 0.8))), { dtype: 'float64' }));
    this.b = this.registerParameter('b', tensor(Array.from({ length: outputs }, () => r.range(-0.1, 0.1)), { dtype: 'float64' }));
  }
  forward(x: Tensor): Tensor { return matmul(x, this.w).add(this.b); }
}
/** x + tanh(x·W)·0.5: a residual block. */
class Residual extends Module {
  readonly inner: Affine;
  constructor(width: number, seed: number) { super(); this.inner = this.registerModule('inner', new Affine(width, width, seed)); }
  forward(x: Tensor): Tensor { return x.add(this.inner.forward(x).tanh().mul(0.5)); }
}
/** swish(x) = x·σ(x): a custom activation made of ops. */
class Swish extends Module {
  forward(x: Tensor): Tensor { return x.mul(sigmoid(x)); }
}

test("a user's own Module (a residual block, a custom activation, matmul + add, no Dense) compiles and trains exactly as eager", () => {
  const make = () => new Sequential(new Affine(3, 5, 1), new Swish(), new Residual(5, 2), new Affine(5, 3, 3));
  for (const [optimizer, batchSize] of [['adam', 2], ['sgd', 1], ['rmsprop', 'full']] as const) {
    const a = make(), b = make();
    const oa = optim.optimizerByName(optimizer, a.parameters(), { lr: 0.01 }), ob = optim.optimizerByName(optimizer, b.parameters(), { lr: 0.01 });
    const x = tensor(X, { dtype: 'float64' }), y = tensor(classes, { dtype: 'float64' });
    const ha = fit(a, x, y, { loss: crossEntropy, optimizer: oa, epochs: 8, batchSize, seed: 3 });
    const hb = fit(b, x, y, { loss: crossEntropy, optimizer: ob, epochs: 8, batchSize, seed: 3, compiled: false });
    assert.equal(whyNotCompiled(a, { loss: crossEntropy, optimizer: oa }), null);
    assertSameHistory(ha, hb, 1e-12, `custom module, ${optimizer}`);
    assert.ok(maxDiff(a.parameters().flatMap((p) => Array.from(p.data)), b.parameters().flatMap((p) => Array.from(p.data))) <= 1e-12, `${optimizer}: weights`);
  }
  // The same XOR as two linear calls and a sigmoid, trained through fit.
  const w1 = tensor([[0.9, -0.8], [-0.7, 0.85]], { requiresGrad: true }), b1 = tensor([0.1, -0.1], { requiresGrad: true });
  const w2 = tensor([[0.7, 0.6]], { requiresGrad: true }), b2 = tensor([0], { requiresGrad: true });
  const xor = { forward: (x: Tensor) => sigmoid(linear(sigmoid(linear(x, w1, b1)), w2, b2)), parameters: () => [w1, b1, w2, b2] };
  const h = fit(xor, tensor([[0, 0], [0, 1], [1, 0], [1, 1]]), tensor([[0], [1], [1], [0]]), { loss: mse, optimizer: new optim.SGD(xor.parameters(), { lr: 1 }), epochs: 3000, batchSize: 1, shuffle: false });
  assert.ok(h.epochs.at(-1)!.loss < 1e-3, `XOR as a custom model: loss ${h.epochs.at(-1)!.loss}`);
});

test('models that cannot be traced fall back to the eager step with identical results, and whyNotCompiled says why', () => {
  class Peeker extends Module {
    forward(x: Tensor): Tensor { return x.data[0] > 100 ? x : x.mul(2); }
  }
  const make = () => new Sequential(new Dense(3, 2, { seed: 1, dtype: 'float64' }), new Peeker());
  const x = tensor(X, { dtype: 'float64' }), y = tensor(HEADS[0].targets as number[][], { dtype: 'float64' });
  const a = make(), b = make();
  const oa = new optim.SGD(a.parameters(), { lr: 0.1 });
  const ha = fit(a, x, y, { loss: mse, optimizer: oa, epochs: 5 });
  const hb = fit(b, x, y, { loss: mse, optimizer: new optim.SGD(b.parameters(), { lr: 0.1 }), epochs: 5, compiled: false });
  assert.deepEqual(ha, { ...hb, epochs: ha.epochs.map((e, i) => ({ ...hb.epochs[i], seconds: e.seconds })) });
  assert.match(whyNotCompiled(a, { loss: mse, optimizer: oa })!, /values of a tensor computed by 'linear'/);

  const plain = new Sequential(new Dense(3, 2, { seed: 1 }));
  const duck = { zeroGrad() {}, step() {}, learningRate: 0.1 };
  assert.match(whyNotCompiled(plain, { loss: mse, optimizer: duck })!, /optimizer/);
  assert.match(whyNotCompiled(plain, { loss: mse, optimizer: new optim.SGD(plain.parameters()), compiled: false })!, /compiled: false/);

  // A Network given a hand-made optimizer object trains on the eager path, unchanged.
  const s = spec('relu', HEADS[0], 'float64');
  const n1 = new Network(s), n2 = new Network(s);
  const sgdLike = (net: Network) => {
    const inner = new optim.SGD(net.parameters(), { lr: 0.1 });
    return { zeroGrad: () => inner.zeroGrad(), step: () => inner.step(), get learningRate() { return inner.learningRate; } };
  };
  const h1 = n1.learn(X, HEADS[0].targets, { epochs: 4, optimizer: sgdLike(n1) });
  const h2 = n2.learn(X, HEADS[0].targets, { epochs: 4, optimizer: sgdLike(n2), compiled: false });
  assertSameHistory(h1, h2, 0, 'duck-typed optimizer');
  assert.deepEqual(weights(n1), weights(n2));
});

test('a new batch size re-traces (the last, smaller batch), and bad options and class indices are clear errors', () => {
  const s = spec('tanh', HEADS[9], 'float64');
  const { fast, slow, hf, hs } = trainBoth(s, HEADS[9].targets, { epochs: 4, batchSize: 3, seed: 2 }); // 7 rows: batches 3, 3, 1
  assertSameHistory(hf, hs, 1e-12, 'batches of 3, 3 and 1');
  assert.ok(maxDiff(weights(fast), weights(slow)) <= 1e-12);
  const net = new Network(spec('relu', HEADS[0], 'float64'));
  assert.throws(() => net.learn(X, HEADS[0].targets, { compiled: 'gpu' as never }), /compiled must be true or false/);
  const seq = new Sequential(new Dense(3, 3, { seed: 1 }));
  assert.throws(() => fit(seq, tensor(X), tensor([0, 1, 2, 3, 0, 1, 2]), { loss: crossEntropy, optimizer: new optim.SGD(seq.parameters()) }), /crossEntropy: target \d+ is 3, expected a class index 0\.\.2/);
});
