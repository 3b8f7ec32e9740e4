// Resident buffers: a compiled step on a shared-memory wasm backend keeps its buffers, parameters and
// optimizer state in wasm memory and runs the kernels on them in place. These tests check that it
// computes bit for bit what the same kernels compute with every operand copied in and out (a
// backend over a non-shared memory), through memory growth mid-training, parameter reads and writes
// between steps, backend switches between steps, and that float64 and the plain-TS backend are unaffected.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  Dense, Network, Random, ReLU, Sequential, backend, crossEntropy, jit, loadWasmKernels, optim, registerBackend, setBackend, tensor, wasmKernels,
  type LearnOptions, type Tensor,
} from '../../src/index.js';
import { createWasmBackend } from '../../src/tensor/kernels/wasm.js';
import { isResident } from '../../src/tensor/resident.js';
import { setThreads } from '../../src/tensor/kernels/wasm-threads.js';

const kernels = wasmKernels();
const hasShared = kernels !== null && kernels.shared;
const skip = hasShared ? false : 'needs the wasm backend on shared memory (WebAssembly SIMD and SharedArrayBuffer)';

// The reference: the same kernels on a memory of their own, every operand copied in and out.
const copying = loadWasmKernels('auto', { shared: false });
if (copying) registerBackend(createWasmBackend(copying, { name: 'wasm-copying' }));

const start = backend().name;
afterEach(() => { setBackend(start); });

const rng = new Random(3);
const ROWS = 96, F = 24, H = 48, C = 10;
const X = tensor(Float32Array.from({ length: ROWS * F }, () => rng.range(-1, 1)), { shape: [ROWS, F] });
const Y = Array.from({ length: ROWS }, (_, i) => (i * 7) % C);
const OPTS: LearnOptions = { epochs: 2, learningRate: 1e-2, optimizer: 'adam', batchSize: 16, shuffle: true, seed: 4 };

const makeNet = (dtype: 'float32' | 'float64' = 'float32') => new Network({
  inputs: F, layers: [{ units: H, activation: 'relu' }, { units: C, activation: 'softmax' }], loss: 'crossEntropy', init: 'xavier', seed: 9, dtype,
});

/** Runs `steps` on a fresh network with each backend of `plan` in turn (one name per step). */
function trainWith(plan: string[], steps: (net: Network, i: number) => void, dtype: 'float32' | 'float64' = 'float32'): Network {
  const net = makeNet(dtype);
  plan.forEach((name, i) => { setBackend(name); steps(net, i); });
  return net;
}

const weights = (net: Network): number[][] => net.parameters().map((p) => [...p.data]);

test('a compiled Network.learn on resident buffers gives the copying backend\'s weights bit for bit; weights, moments and buffers live in wasm memory', { skip }, () => {
  const learnTwice = (net: Network) => { net.learn(X, Y, OPTS); net.learn(X, Y, { ...OPTS, epochs: 1 }); };
  const a = trainWith(['wasm'], learnTwice);
  const [w1, b1, w2] = a.parameters();
  assert.ok(isResident(w1.data) && isResident(w2.data), 'the weight matrices moved into wasm memory');
  assert.ok(!isResident(b1.data), 'a tiny bias stays an ordinary array (below the kernels\' size threshold)');
  const b = trainWith(['wasm-copying'], learnTwice);
  assert.ok(!(b.parameters()[0].data.buffer instanceof SharedArrayBuffer));
  assert.deepEqual(weights(a), weights(b));
  assert.deepEqual(a.toJSON(), b.toJSON());
});

test('a custom Module with optim.Adam under jit: resident replay equals the copying one, and its Adam moments are resident', { skip }, () => {
  const run = (name: string) => {
    setBackend(name);
    const model = new Sequential(new Dense(F, H, { seed: 1 }), new ReLU(), new Dense(H, C, { seed: 2 }));
    const opt = new optim.Adam(model.parameters(), { lr: 1e-2 });
    const y = tensor(Y.slice(0, 32));
    const x = tensor(X.data.slice(0, 32 * F), { shape: [32, F] });
    const step = jit((xb: Tensor, yb: Tensor) => { opt.zeroGrad(); const loss = crossEntropy(model.forward(xb), yb); loss.backward(); opt.step(); return loss; });
    const losses: number[] = [];
    for (let i = 0; i < 6; i++) losses.push(step(x, y).item());
    const w = model.parameters()[0];
    return { losses, weights: model.parameters().map((p) => [...p.data]), resident: isResident(w.data), moment: opt.state.get(w) as unknown as { expAvg: Float32Array } };
  };
  const a = run('wasm');
  assert.ok(a.resident);
  assert.ok(isResident(a.moment.expAvg), 'Adam\'s m follows its parameter into wasm memory');
  const b = run('wasm-copying');
  assert.deepEqual(a.losses, b.losses);
  assert.deepEqual(a.weights, b.weights);
});

test('wasm memory grown mid-training (an allocation between steps) changes nothing', { skip }, () => {
  const before = kernels!.memoryBytes;
  let big: ReturnType<NonNullable<typeof kernels>['alloc']> | null = null;
  const a = trainWith(['wasm', 'wasm'], (net, i) => {
    if (i === 1) big = kernels!.alloc(Math.max(1 << 22, before / 2)); // at least 16 MiB: memory.grow
    net.learn(X, Y, OPTS);
  });
  assert.ok(kernels!.memoryBytes > before, 'memory grew between the two learn calls');
  big!.free();
  const b = trainWith(['wasm-copying', 'wasm-copying'], (net) => { net.learn(X, Y, OPTS); });
  assert.deepEqual(weights(a), weights(b));
});

test('parameters read and written between compiled steps: toJSON sees the live values, in-place writes and loadStateDict are seen by the next step', { skip }, () => {
  const run = (name: string) => {
    setBackend(name);
    const net = makeNet();
    const t = net.training(X, Y, { ...OPTS, epochs: 4 });
    const seen: number[][] = [];
    t.step(); t.step();
    seen.push([...net.parameters()[0].data.slice(0, 8)]);
    const saved = JSON.parse(JSON.stringify(net.toJSON()));
    net.parameters()[0].data[3] = 0.25; // an in-place write between steps
    t.step();
    seen.push([...net.parameters()[0].data.slice(0, 8)]);
    const w = net.parameters()[0];
    const state = (net as unknown as { model: { loadStateDict(s: unknown): void; stateDict(): unknown } }).model;
    const before = state.stateDict();
    t.step(); t.step();
    state.loadStateDict(before); // back to the weights of three steps in
    t.step();
    return { seen, saved, after: weights(net), resident: isResident(w.data) };
  };
  const a = run('wasm');
  assert.ok(a.resident);
  const b = run('wasm-copying');
  assert.deepEqual(a.seen, b.seen);
  assert.deepEqual(a.saved, b.saved);
  assert.deepEqual(a.after, b.after);
  assert.equal(a.seen[1][3] !== 0.25, true, 'the write was the starting point of the next update');
});

test('backend switches between steps (js, the copying wasm, threads on a fresh shared memory) keep training correct', { skip }, () => {
  const steps = (net: Network) => { net.learn(X, Y, { ...OPTS, epochs: 1 }); };
  const a = trainWith(['wasm', 'js', 'wasm', 'wasm-copying', 'wasm'], steps);
  const b = trainWith(['wasm-copying', 'js', 'wasm-copying', 'wasm-copying', 'wasm-copying'], steps);
  assert.deepEqual(weights(a), weights(b));
  // setThreads makes a new shared memory: the parameters move there on the next trace.
  const c = makeNet();
  setBackend('wasm');
  c.learn(X, Y, { ...OPTS, epochs: 1 });
  try {
    setThreads(2);
    setBackend('wasm-threads');
    c.learn(X, Y, { ...OPTS, epochs: 1 });
    assert.ok(isResident(c.parameters()[0].data), 'resident in the threads\' memory now');
  } finally {
    setThreads(1);
  }
  setBackend('wasm');
  c.learn(X, Y, { ...OPTS, epochs: 1 });
  const d = trainWith(['wasm-copying', 'wasm-copying', 'wasm-copying'], steps);
  assert.deepEqual(weights(c), weights(d));
});

test('the plain-TS backend and float64 networks keep ordinary arrays', { skip }, () => {
  const js = trainWith(['js'], (net) => { net.learn(X, Y, OPTS); });
  for (const p of js.parameters()) assert.ok(!(p.data.buffer instanceof SharedArrayBuffer));
  const f64 = trainWith(['wasm'], (net) => { net.learn(X, Y, OPTS); }, 'float64');
  for (const p of f64.parameters()) assert.ok(p.data instanceof Float64Array && !(p.data.buffer instanceof SharedArrayBuffer));
  const ref = trainWith(['wasm-copying'], (net) => { net.learn(X, Y, OPTS); }, 'float64');
  assert.deepEqual(weights(f64), weights(ref));
});

test('Backend methods on views of shared wasm memory work in place, also after the memory grew under them', { skip }, () => {
  const k = loadWasmKernels('auto')!;
  assert.ok(k.shared);
  const be = createWasmBackend(k, { matmulMinWork: 0, elementwiseMin: 0 });
  const a = be.resident!(40 * 40)!, out = be.resident!(40 * 40)!;
  a.fill(0.5);
  const grownFrom = k.memoryBytes;
  k.alloc(1 << 22); // memory grows: a and out are views of the old buffer object, still valid
  assert.ok(k.memoryBytes > grownFrom && a.buffer !== k.buffer);
  assert.ok(be.owns!(a) && be.owns!(out) && !be.owns!(new Float32Array(4)));
  be.matmul(a, a, out, 40, 40, 40, false, false);
  assert.equal(out[0], 10);
  assert.equal(out[40 * 40 - 1], 10);
  // An output overlapping an input goes through scratch memory instead of being packed while written.
  const sq = be.resident!(8)!;
  sq.set([1, 2, 3, 4, 0, 0, 0, 0]);
  be.matmul(sq.subarray(0, 4), sq.subarray(0, 4), sq.subarray(2, 6), 2, 2, 2, false, false);
  assert.deepEqual([...sq.subarray(2, 6)], [7, 10, 15, 22]);
  assert.equal(be.resident!(0), null);
  assert.throws(() => loadWasmKernels('auto', { sharde: true } as never), /loadWasmKernels: unknown option 'sharde' \(known: shared\)/);
});

test('one jitted step across a memory change: a plan whose parameters moved to another memory traces again instead of reading stale storage', { skip }, () => {
  const run = (first: string, second: string) => {
    setBackend(first);
    const model = new Sequential(new Dense(F, H, { seed: 1 }), new ReLU(), new Dense(H, C, { seed: 2 }));
    const opt = new optim.Adam(model.parameters(), { lr: 1e-2 });
    const step = jit((xb: Tensor, yb: Tensor) => { opt.zeroGrad(); const loss = crossEntropy(model.forward(xb), yb); loss.backward(); opt.step(); return loss; });
    const batch = (n: number) => [tensor(X.data.slice(0, n * F), { shape: [n, F] }), tensor(Y.slice(0, n))] as const;
    const losses: number[] = [];
    const [x32, y32] = batch(32), [x16, y16] = batch(16);
    losses.push(step(x32, y32).item(), step(x32, y32).item());
    try {
      setThreads(2);
      setBackend(second);
      losses.push(step(x16, y16).item()); // a new trace: the parameters move into this memory
      losses.push(step(x32, y32).item(), step(x32, y32).item()); // the first plan's storage is stale now
    } finally {
      setThreads(1);
    }
    return { losses, weights: model.parameters().map((p) => [...p.data]), traces: step.traces };
  };
  const a = run('wasm', 'wasm-threads');
  const b = run('wasm-copying', 'wasm-copying');
  assert.deepEqual(a.losses, b.losses);
  assert.deepEqual(a.weights, b.weights);
  assert.equal(a.traces, 3, 'traced for 32 rows, for 16, and again for 32 after the move');
  assert.equal(b.traces, 2);
});
