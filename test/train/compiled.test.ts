// The compiled fast path computes what the autograd path computes: the same weights, history,
// optimizer state and callbacks, for every activation × loss × optimizer × batch size, on every
// engine (generated code, plain-JS layers, wasm), float64 to rounding and float32 closely; and
// anything it cannot compile falls back to fit() with identical results.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Dense, DivergenceError, Module, Network, Random, Sequential, Tanh, backend, binaryCrossEntropyWithLogits, crossEntropy, fit, mse, optim, tensor, wasmKernels,
  type ActivationName, type EpochLogs, type History, type LearnOptions, type LossName, type NetworkSpec, type Tensor,
} from '../../src/index.js';
import { compileTrainer, fitCompiled, whyNotCompiled, type CompiledEngine } from '../../src/index.js';

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
const HIDDEN: ActivationName[] = ['linear', 'sigmoid', 'tanh', 'relu', 'leakyRelu', 'softmax', 'step'];
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

/** Trains two copies, compiled (or the given engine) and general; returns both for comparison. */
function trainBoth(s: NetworkSpec, targets: number[][] | number[], options: LearnOptions, compiled: true | CompiledEngine = true) {
  const fast = new Network(s), slow = new Network(s);
  const hf = fast.learn(X, targets, { ...options, compiled });
  const hs = slow.learn(X, targets, { ...options, compiled: false });
  return { fast, slow, hf, hs };
}

function matrix(dtype: 'float32' | 'float64', engine: true | CompiledEngine, tol: number, hidden = HIDDEN): void {
  let k = 0;
  for (const h of hidden) {
    for (const head of HEADS) {
      for (const batchSize of BATCHES) {
        const [optimizer, learningRate, optimizerOptions] = OPTIMIZERS[k++ % OPTIMIZERS.length];
        const what = `${dtype} ${String(engine)}: hidden ${h}, ${head.name}, ${String(optimizer)} ${JSON.stringify(optimizerOptions)}, batch ${batchSize}`;
        const epochs = dtype === 'float64' ? 12 : 4;
        const { fast, slow, hf, hs } = trainBoth(spec(h, head, dtype), head.targets, { epochs, batchSize, optimizer, learningRate, optimizerOptions, seed: k }, engine);
        assertSameHistory(hf, hs, tol, what);
        const d = maxDiff(weights(fast), weights(slow));
        assert.ok(d <= tol, `${what}: weights differ by ${d}`);
      }
    }
  }
}

test('float64: every hidden activation × output activation/loss × batch size (1, 3, full) gives the autograd weights and history to 1e-12', () => {
  matrix('float64', true, 1e-12);
});

test('float64, plain-JS layers engine: the same matrix to 1e-12', () => {
  matrix('float64', 'layers', 1e-12);
});

test('float32: the same matrix, generated-code and layers engines, to float32 rounding', () => {
  matrix('float32', true, 2e-5);
  matrix('float32', 'layers', 2e-5);
});

test('float32, wasm engine (buffers in wasm memory): the same matrix to float32 rounding', (t) => {
  if (!wasmKernels() || backend().name !== 'wasm') {
    t.skip('no WebAssembly SIMD backend in this runtime');
    return;
  }
  // Hidden softmax/step have no wasm kernel: those networks run on the layers engine (still checked).
  matrix('float32', 'wasm', 3e-5);
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

test('a mid-size float32 network (wasm engine where available, with Adam in wasm memory) matches autograd over many steps', () => {
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

test('onBatchEnd sees the current weights on every engine, and an AbortSignal stops both paths at the same batch', () => {
  const tiny = spec('relu', HEADS[0], 'float32');
  const wide = { ...tiny, layers: [{ units: 40, activation: 'relu' as const }, { units: 70, activation: 'tanh' as const }, { units: 2 }] };
  for (const [engine, s] of [['fused', tiny], ['layers', wide], ['wasm', wide]] as const) {
    const run = (compiled: boolean | CompiledEngine) => {
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
    const a = run(engine), b = run(false);
    assert.equal(a.h.stopReason, 'aborted');
    assertSameHistory(a.h, b.h, 1e-5, engine);
    assert.ok(maxDiff(a.seen, b.seen) <= 1e-5, `${engine}: weights seen in onBatchEnd`);
    assert.ok(maxDiff(a.batches, b.batches) <= 1e-5, `${engine}: batch losses`);
    assert.ok(maxDiff(weights(a.net), weights(b.net)) <= 1e-5, engine);
  }
});

test('callbacks that change the optimizer mid-training (learning rate, momentum, a loaded state) are seen on every engine', () => {
  for (const [engine, units] of [['fused', 4], ['layers', 40], ['wasm', 40]] as const) {
    const s: NetworkSpec = { ...spec('tanh', HEADS[0], 'float32'), layers: [{ units, activation: 'tanh' }, { units: 2 }] };
    const run = (compiled: boolean | CompiledEngine) => {
      const net = new Network(s);
      const opt = optim.optimizerByName(engine === 'fused' ? 'momentum' : 'adam', net.parameters(), { lr: 0.05 });
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
    const a = run(engine), b = run(false);
    assertSameHistory(a.h, b.h, 1e-5, engine);
    assert.ok(maxDiff(weights(a.net), weights(b.net)) <= 1e-5, `${engine}: weights`);
    a.state.state.forEach((st, i) => {
      for (const [key, v] of Object.entries(st!)) {
        const w = (b.state.state[i] as Record<string, unknown>)[key];
        if (Array.isArray(v)) assert.ok(maxDiff(v, w as number[]) <= 1e-5, `${engine} state[${i}].${key}`);
        else assert.equal(v, w, `${engine} state[${i}].${key}`);
      }
    });
  }
});

test('divergence: both paths throw the same DivergenceError with the same history, and leave the same weights', () => {
  for (const engine of ['fused', 'layers'] as const) {
    const s = spec('linear', HEADS[0], 'float64');
    const big = X.map((r) => r.map((v) => v * 1e3));
    const catchIt = (compiled: boolean | CompiledEngine) => {
      const net = new Network(s);
      try {
        net.learn(big, HEADS[0].targets, { epochs: 50, batchSize: 1, learningRate: 5, optimizer: 'sgd', compiled });
      } catch (e) {
        assert.ok(e instanceof DivergenceError, `${engine}: ${String(e)}`);
        return { e: e as DivergenceError & { history: History }, net };
      }
      assert.fail('no divergence');
    };
    const a = catchIt(engine), b = catchIt(false);
    assert.equal(a.e.message, b.e.message);
    assertSameHistory(a.e.history, b.e.history, 1e-12, 'divergence');
    assert.ok(maxDiff(weights(a.net), weights(b.net)) <= 1e-12, `${engine}: weights after divergence`);
  }
});

test('after compiled training the parameters hold the last batch gradient, like fit(), and predict/toJSON see the trained weights', () => {
  const s = spec('tanh', HEADS[1], 'float64');
  const { fast, slow } = trainBoth(s, HEADS[1].targets, { epochs: 3, batchSize: 3, seed: 1 });
  fast.parameters().forEach((p, i) => {
    assert.ok(p.grad, 'grad left on the parameter');
    assert.ok(maxDiff(Array.from(p.grad!.data), Array.from(slow.parameters()[i].grad!.data)) <= 1e-12, `parameter ${i}: last gradient`);
  });
  assert.ok(maxDiff(fast.predict(X).flat(), slow.predict(X).flat()) <= 1e-12, 'predictions');
  assert.ok(maxDiff(fast.toJSON().layers.flatMap((l) => l.weights!.flat()), slow.toJSON().layers.flatMap((l) => l.weights!.flat())) <= 1e-12, 'toJSON weights');
});

test('compileTrainer / fitCompiled on a Sequential with activation modules and parameter groups', () => {
  const make = () => new Sequential(new Dense(3, 5, { seed: 1, dtype: 'float64' }), new Tanh(), new Sequential(new Dense(5, 2, { seed: 2, dtype: 'float64' })));
  const x = tensor(X, { dtype: 'float64' }), y = tensor(HEADS[0].targets as number[][], { dtype: 'float64' });
  const a = make(), b = make();
  const groups = (m: Sequential) => [{ params: m.layers[0].parameters(), lr: 0.05 }, { params: (m.layers[2] as Sequential).parameters(), lr: 0.2, momentum: 0.9 }];
  const oa = new optim.SGD(groups(a)), ob = new optim.SGD(groups(b));
  assert.equal(whyNotCompiled(a, { loss: mse, optimizer: oa }), null);
  const ha = fitCompiled(a, x, y, { loss: mse, optimizer: oa, epochs: 10, batchSize: 2, seed: 3 });
  const hb = fit(b, x, y, { loss: mse, optimizer: ob, epochs: 10, batchSize: 2, seed: 3 });
  assertSameHistory(ha, hb, 1e-12, 'sequential');
  assert.ok(maxDiff(a.parameters().flatMap((p) => Array.from(p.data)), b.parameters().flatMap((p) => Array.from(p.data))) <= 1e-12, 'sequential weights');
});

test('unsupported configurations are not compiled, say why, and fall back to fit() with identical results', () => {
  class Doubler extends Module {
    forward(x: Tensor): Tensor { return x.mul(2); }
  }
  const seqCustom = new Sequential(new Dense(3, 2, { seed: 1 }), new Doubler());
  const opt = new optim.SGD(seqCustom.parameters(), { lr: 0.1 });
  assert.match(whyNotCompiled(seqCustom, { loss: mse, optimizer: opt })!, /only Dense layers/);
  assert.equal(compileTrainer(seqCustom, { loss: mse, optimizer: opt }), null);
  const plain = new Sequential(new Dense(3, 2, { seed: 1 }));
  const customLoss = (p: Tensor, t: Tensor) => mse(p, t).mul(3);
  assert.match(whyNotCompiled(plain, { loss: customLoss, optimizer: new optim.SGD(plain.parameters()) })!, /loss/);
  const duck = { zeroGrad() {}, step() {}, learningRate: 0.1 };
  assert.match(whyNotCompiled(plain, { loss: mse, optimizer: duck })!, /optimizer/);
  const stranger = new optim.SGD([...plain.parameters(), tensor([1], { requiresGrad: true })]);
  assert.match(whyNotCompiled(plain, { loss: mse, optimizer: stranger })!, /not the model's/);
  assert.match(whyNotCompiled(new Sequential(new Dense(3, 2, { activation: 'relu' }), new Tanh()), { loss: mse, optimizer: new optim.SGD(plain.parameters()) })!, /activation module/);

  // The fallbacks train exactly as fit() does.
  const x = tensor(X), y = tensor(HEADS[0].targets as number[][]);
  const a = new Sequential(new Dense(3, 2, { seed: 1 }), new Doubler()), b = new Sequential(new Dense(3, 2, { seed: 1 }), new Doubler());
  const ha = fitCompiled(a, x, y, { loss: mse, optimizer: new optim.SGD(a.parameters(), { lr: 0.1 }), epochs: 5 });
  const hb = fit(b, x, y, { loss: mse, optimizer: new optim.SGD(b.parameters(), { lr: 0.1 }), epochs: 5 });
  assert.deepEqual(ha, { ...hb, epochs: ha.epochs.map((e, i) => ({ ...hb.epochs[i], seconds: e.seconds })) });

  // A Network given a hand-made optimizer object trains on the general path, unchanged.
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

test('learn rejects a bad compiled option; binaryCrossEntropyWithLogits at exactly 0 is the documented exception', () => {
  const net = new Network(spec('relu', HEADS[0], 'float64'));
  assert.throws(() => net.learn(X, HEADS[0].targets, { compiled: 'gpu' as never }), /compiled must be true, false or an engine/);
  const seq = new Sequential(new Dense(3, 3, { seed: 1 }));
  const opt = new optim.SGD(seq.parameters());
  assert.throws(() => compileTrainer(seq, { loss: mse, optimizer: opt, engin: 'wasm' } as never), /compileTrainer: unknown option 'engin'/);
  assert.throws(() => compileTrainer(seq, { loss: mse, optimizer: opt, engine: 'gpu' as never }), /unknown engine 'gpu'/);
  // Out-of-range class indices: the compiled path leaves them to fit(), whose crossEntropy names them.
  const ce = compileTrainer(seq, { loss: crossEntropy, optimizer: opt })!;
  assert.throws(() => ce.fit(tensor(X), tensor([0, 1, 2, 3, 0, 1, 2])), /crossEntropy: target \d+ is 3, expected a class index 0\.\.2/);
  // The fast path uses d/dz = σ(z) − t at z = 0 (the true derivative, 0.5 − t); the composed autograd
  // loss gives −t there. Pin the autograd value so a fix to the loss shows up here.
  const z = tensor([[0]], { dtype: 'float64', requiresGrad: true });
  binaryCrossEntropyWithLogits(z, tensor([[0]], { dtype: 'float64' })).backward();
  assert.ok(z.grad!.data[0] === 0 || Math.abs(z.grad!.data[0] - 0.5) < 1e-15, `bceWithLogits gradient at 0 is ${z.grad!.data[0]}`);
});
