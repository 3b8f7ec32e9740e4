/**
 * jit: every row of the gradient table replayed (both plan kinds) gives the eager forward and
 * gradients; every prim is exercised by some row; values cannot be read while tracing; new shapes
 * re-trace; plans hold their buffers; optimizer updates replay on live state.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PRIMS } from '../../src/ops/index.js';
import { setTracer } from '../../src/autograd/trace.js';
import { Random, Tensor, TraceError, backward, jit, mse, noGrad, optim, tensor, Dense, Sequential } from '../../src/index.js';
import { rows, sample } from '../ops/gradient-rows.js';

type Mode = 'kernels' | 'unrolled';

/** Forward values and gradients of Σ w·fn(inputs), eager or through a jitted function (called `calls` times). */
function run(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], dtype: 'float32' | 'float64', mode: Mode | null, calls = 3): { out: number[]; grads: number[][] } {
  const xs = inputs.map((t) => new Tensor(dtype === 'float32' ? Float32Array.from(t.data) : Float64Array.from(t.data), t.shape, true));
  const probe = fn(...xs.map((x) => new Tensor(x.data.slice(), x.shape)));
  const r = new Random(7);
  const w = new Tensor(dtype === 'float32' ? new Float32Array(probe.size) : new Float64Array(probe.size), probe.shape);
  for (let i = 0; i < w.size; i++) w.data[i] = r.range(-1, 1);
  const step = (...args: Tensor[]) => {
    for (const a of args) a.grad = null;
    const out = fn(...args);
    backward(out, w);
    return out;
  };
  if (mode === null) {
    const out = step(...xs);
    return { out: Array.from(out.data), grads: xs.map((x) => Array.from(x.grad?.data ?? new Float64Array(x.size))) };
  }
  const jitted = jit(step, { mode });
  let out: Tensor | null = null;
  for (let c = 0; c < calls; c++) out = jitted(...xs) as Tensor;
  assert.equal(jitted.traces, 1, 'traced once');
  // 'unrolled' falls back to kernels where a prim has no unrolled form or the graph is too big.
  if (calls > 1) assert.ok(mode === 'kernels' ? jitted.lastMode === 'kernels' : jitted.lastMode !== 'eager', `ran ${jitted.lastMode}`);
  return { out: Array.from(out!.data), grads: xs.map((x) => Array.from(x.grad?.data ?? new Float64Array(x.size))) };
}

function close(a: number[], b: number[], tol: number, what: string): void {
  assert.equal(a.length, b.length, `${what}: lengths`);
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(b[i])) { assert.ok(Number.isNaN(a[i]), `${what}[${i}]: ${a[i]} vs NaN`); continue; }
    assert.ok(Math.abs(a[i] - b[i]) <= tol * Math.max(1, Math.abs(b[i])), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
  }
}

for (const [i, row] of rows.entries()) {
  test(`replay of ${row.op}: ${row.note} matches eager (float64 to 1e-12, float32 to 2e-5; kernels and unrolled)`, () => {
    const rng = new Random(1000 + i);
    const inputs = row.shapes.map((s, k) => sample(s, Array.isArray(row.domain) ? row.domain[k] : (row.domain ?? 'any'), rng));
    for (const [dtype, tol] of [['float64', 1e-12], ['float32', 2e-5]] as const) {
      const eager = run(row.fn, inputs, dtype, null);
      for (const mode of ['kernels', 'unrolled'] as const) {
        const replay = run(row.fn, inputs, dtype, mode);
        close(replay.out, eager.out, tol, `${dtype} ${mode} ${row.op} forward`);
        replay.grads.forEach((g, k) => close(g, eager.grads[k], tol, `${dtype} ${mode} ${row.op} gradient of input ${k}`));
      }
    }
  });
}

test('every prim (derivative helpers included) is exercised by a row of the gradient table, forward or backward', () => {
  const seen = new Set<string>();
  setTracer({ node: (n) => { seen.add((n as { prim: { name: string } }).prim.name); }, grad: () => {} });
  try {
    for (const [i, row] of rows.entries()) {
      const rng = new Random(1000 + i);
      const xs = row.shapes.map((s, k) => sample(s, Array.isArray(row.domain) ? row.domain[k] : (row.domain ?? 'any'), rng));
      for (const x of xs) x.requiresGrad = true;
      const out = row.fn(...xs);
      backward(out, new Tensor(new Float64Array(out.size).fill(1), out.shape));
    }
  } finally {
    setTracer(null);
  }
  const missing = [...PRIMS.keys()].filter((name) => !seen.has(name));
  assert.deepEqual(missing, [], `prims no gradient row runs: ${missing.join(', ')}`);
});

test('reading a traced value inside a jitted function is a TraceError naming the op, for .data, .item() and .toArray()', () => {
  const x = tensor([[1, 2]]);
  const reads: [string, (t: Tensor) => unknown][] = [['data', (t) => t.data[0]], ['item', (t) => t.sum().item()], ['toArray', (t) => t.toArray()]];
  for (const [what, read] of reads) {
    const f = jit((a: Tensor) => { const y = a.sigmoid(); read(y); return y; });
    assert.throws(() => f(x), (e: unknown) => e instanceof TraceError && /computed by '(sigmoid|sum)'/.test((e as Error).message) && /outside/.test((e as Error).message), what);
  }
  const g = jit((a: Tensor) => { a.data[0]; return a; });
  assert.throws(() => g(x), /an input of the traced function/);
  // Outside the trace, the values are there as usual.
  assert.equal(x.data[0], 1);
});

test('a new input shape re-traces; the last shapes replay; the cache keeps cacheSize plans', () => {
  const f = jit((a: Tensor) => a.mul(a).sum(), { cacheSize: 2 });
  assert.equal(f(tensor([1, 2])).item(), 5);
  assert.equal(f(tensor([3, 4])).item(), 25);
  assert.equal(f.traces, 1);
  assert.equal(f(tensor([1, 2, 3])).item(), 14);
  assert.equal(f.traces, 2);
  assert.equal(f(tensor([2, 2])).item(), 8);
  assert.equal(f.traces, 2);
  f(tensor([[1]]));
  assert.equal(f.traces, 3);
  f(tensor([1, 2, 3])); // still cached
  f(tensor([5, 5]));
  assert.equal(f.traces, 4, 'the oldest plan ([2]) was dropped when the third arrived');
  assert.throws(() => jit((a: Tensor) => a, { cacheSize: 0 }), /cacheSize must be a whole number/);
  assert.throws(() => jit((a: Tensor) => a, { mod: 1 } as never), /unknown option 'mod'/);
});

test('returned tensors are the plan\'s buffers: the next call overwrites them', () => {
  const f = jit((a: Tensor) => a.mul(2), { mode: 'kernels' });
  f(tensor([1]));
  const first = f(tensor([2]));
  assert.equal(first.item(), 4);
  const second = f(tensor([3]));
  assert.equal(second, first, 'the same tensor object');
  assert.equal(first.item(), 6);
});

test('a training step under jit: optimizer updates replay on live state, gradients land on parameters, requiresGrad changes re-trace', () => {
  const make = () => new Sequential(new Dense(3, 4, { activation: 'tanh', seed: 1, dtype: 'float64' }), new Dense(4, 2, { seed: 2, dtype: 'float64' }));
  const a = make(), b = make();
  const oa = new optim.Adam(a.parameters(), { lr: 0.01 }), ob = new optim.Adam(b.parameters(), { lr: 0.01 });
  const r = new Random(3);
  const x = tensor(Array.from({ length: 5 }, () => [r.uniform(), r.uniform(), r.uniform()]), { dtype: 'float64' });
  const y = tensor(Array.from({ length: 5 }, () => [r.uniform(), r.uniform()]), { dtype: 'float64' });
  const step = jit((xb: Tensor, yb: Tensor) => { oa.zeroGrad(); const l = mse(a.forward(xb), yb); l.backward(); oa.step(); return l; });
  for (let i = 0; i < 20; i++) {
    if (i === 10) oa.learningRate = 0.05;
    if (i === 10) ob.learningRate = 0.05;
    const la = step(x, y).item();
    ob.zeroGrad(); const lb = mse(b.forward(x), y); lb.backward(); ob.step();
    assert.ok(Math.abs(la - lb.item()) <= 1e-12, `step ${i}: ${la} vs ${lb.item()}`);
  }
  assert.equal(step.traces, 1);
  a.parameters().forEach((p, i) => close(Array.from(p.grad!.data), Array.from(b.parameters()[i].grad!.data), 1e-12, `grad ${i}`));
  // A loaded optimizer state is picked up by the replay.
  const saved = ob.stateDict();
  oa.loadStateDict(saved);
  step(x, y);
  ob.loadStateDict(saved);
  ob.zeroGrad(); mse(b.forward(x), y).backward(); ob.step();
  a.parameters().forEach((p, i) => close(Array.from(p.data), Array.from(b.parameters()[i].data), 1e-12, `param ${i} after loadStateDict`));
  // Freezing a parameter changes the graph: the next call traces again.
  a.parameters()[0].requiresGrad = false;
  step(x, y);
  assert.equal(step.traces, 2);
});

test('a gradient left from before the call is a TraceError that says to zero it', () => {
  const w = tensor([1, 2], { requiresGrad: true });
  w.mul(3).sum().backward();
  const f = jit((a: Tensor) => { const l = a.mul(w).sum(); l.backward(); return l; });
  assert.throws(() => f(tensor([1, 1])), /already holds a gradient.*zeroGrad/);
});

test('where code generation is refused (a strict Content-Security-Policy), plans run through closures with the same numbers', () => {
  const original = globalThis.Function;
  const refused = function () { throw new EvalError('Refused to evaluate a string as JavaScript (CSP)'); } as unknown as FunctionConstructor;
  const x = tensor([[0.3, -1.7, 2.2], [0.9, 0.1, -0.4]], { dtype: 'float64' });
  const w = tensor([[0.5, -0.25], [1.5, 0.75], [-1, 0.125]], { dtype: 'float64', requiresGrad: true });
  // A shape no other test traces, so no generated source is cached for it.
  const f = (a: Tensor) => { w.grad = null; const l = a.matmul(w).tanh().mul(a.sum(1, { keepDims: true })).sum(); l.backward(); return l; };
  const eager = f(x).item();
  const eagerGrad = Array.from(w.grad!.data);
  for (const mode of ['kernels', 'unrolled'] as const) {
    globalThis.Function = refused;
    let got: number, grad: number[];
    try {
      const j = jit(f, { mode });
      j(x);
      got = j(x).item();
      grad = Array.from(w.grad!.data);
    } finally {
      globalThis.Function = original;
    }
    assert.ok(Math.abs(got - eager) <= 1e-12, `${mode}: ${got} vs ${eager}`);
    close(grad, eagerGrad, 1e-12, `${mode}: gradient`);
  }
});

test('an optimizer given a new parameter group after the trace makes the next call trace again (the new group is stepped)', () => {
  const a = tensor([1, 2], { requiresGrad: true }), b = tensor([3], { requiresGrad: true });
  const opt = new optim.SGD([a], { lr: 0.1 });
  const step = jit((x: Tensor) => { opt.zeroGrad(); b.grad = null; const l = x.mul(a).sum().add(b.mul(2).sum()); l.backward(); opt.step(); return l; });
  step(tensor([1, 1]));
  step(tensor([1, 1]));
  assert.equal(step.traces, 1);
  opt.addParamGroup({ params: [b], lr: 0.5 });
  step(tensor([1, 1]));
  assert.equal(step.traces, 2);
  assert.equal(b.data[0], 3 - 0.5 * 2);
});

test('noGrad inside a traced function does not open a way to read traced values', () => {
  const f = jit((a: Tensor) => { const y = a.exp(); noGrad(() => y.data[0]); return y; });
  assert.throws(() => f(tensor([1, 2])), /computed by 'exp'/);
});

/** A tiny float64 regression step on a fresh model (seeded), with its optimizer. */
function regressionStep(seed: number, hidden: number) {
  const model = new Sequential(new Dense(2, hidden, { activation: 'sigmoid', seed, dtype: 'float64' }), new Dense(hidden, 1, { activation: 'sigmoid', seed: seed + 1, dtype: 'float64' }));
  const opt = new optim.SGD(model.parameters(), { lr: 0.5, momentum: 0.5 });
  const f = (xb: Tensor, yb: Tensor) => { opt.zeroGrad(); const l = mse(model.forward(xb), yb); l.backward(); opt.step(); return [l, model.forward(xb)]; };
  return { model, f };
}

test('rows() runs batches as a loop with the numbers of one call per gathered batch (unrolled and kernels, several sizes)', () => {
  const r = new Random(11);
  const x = tensor(Array.from({ length: 12 }, () => [r.range(-1, 1), r.range(-1, 1)]), { dtype: 'float64' });
  const y = tensor(Array.from({ length: 12 }, () => [r.uniform()]), { dtype: 'float64' });
  const order = [3, 0, 7, 11, 5, 2, 9, 1, 4, 10, 8, 6];
  for (const mode of ['unrolled', 'kernels'] as const) {
    for (const size of [1, 3]) {
      const a = regressionStep(5, 3), b = regressionStep(5, 3);
      const ja = jit(a.f, { mode });
      const losses: number[] = [];
      const ks: number[] = [];
      const ran = ja.rows([x, y], order, 0, 12 / size, size, (res, k) => { losses.push((res as Tensor[])[0].item()); ks.push(k); });
      assert.equal(ran, 12 / size);
      assert.deepEqual(ks, Array.from({ length: 12 / size }, (_, i) => i));
      assert.equal(ja.traces, 1);
      // The same batches, gathered by hand, one call each (eager).
      for (let k = 0; k < 12 / size; k++) {
        const idx = order.slice(k * size, (k + 1) * size);
        const xb = tensor(idx.map((i) => Array.from(x.data.subarray(2 * i, 2 * i + 2))), { dtype: 'float64' });
        const yb = tensor(idx.map((i) => [y.data[i]]), { dtype: 'float64' });
        const l = (b.f(xb, yb) as Tensor[])[0].item();
        assert.ok(Math.abs(l - losses[k]) <= 1e-12 * Math.max(1, Math.abs(l)), `${mode} size ${size} batch ${k}: ${losses[k]} vs ${l}`);
      }
      a.model.parameters().forEach((p, i) => close(Array.from(p.data), Array.from(b.model.parameters()[i].data), 1e-12, `${mode} size ${size} param ${i}`));
    }
  }
});

test('rows() stops when each returns false, continues from any start, and refuses indices that are not rows', () => {
  const x = tensor([[0, 0], [0, 1], [1, 0], [1, 1]], { dtype: 'float64' });
  const y = tensor([[0], [1], [1], [0]], { dtype: 'float64' });
  const a = regressionStep(2, 2), b = regressionStep(2, 2);
  const ja = jit(a.f), jb = jit(b.f);
  let seen = 0;
  assert.equal(ja.rows([x, y], [0, 1, 2, 3], 0, 4, 1, () => ++seen < 2), 2);
  assert.equal(ja.rows([x, y], [0, 1, 2, 3], 2, 2, 1, () => {}), 2);
  jb.rows([x, y], [0, 1, 2, 3], 0, 4, 1, () => {});
  a.model.parameters().forEach((p, i) => close(Array.from(p.data), Array.from(b.model.parameters()[i].data), 1e-12, `param ${i}`));
  assert.throws(() => ja.rows([x, y], [0, 1, 4, 3], 0, 4, 1, () => {}), /index 4 at position 2 is not a row/);
  assert.throws(() => ja.rows([x, y], [0, 1.5, 2, 3], 0, 4, 1, () => {}), /index 1.5 at position 1/);
  assert.throws(() => ja.rows([x, y], [0, 1, 2], 0, 2, 2, () => {}), /run past the 3 indices/);
});

test('rows() of a function whose argument takes a gradient runs call by call (the gradient lands on the batch)', () => {
  const w = tensor([[0.5], [-1.5]], { dtype: 'float64', requiresGrad: true });
  const f = jit((xb: Tensor) => { w.grad = null; const l = xb.matmul(w).tanh().sum(); l.backward(); return l; });
  const x = tensor([[0.1, 0.2], [0.3, -0.4], [2, 1]], { dtype: 'float64', requiresGrad: true });
  const got: number[] = [];
  f.rows([x], [2, 0, 1], 0, 3, 1, (l) => { got.push((l as Tensor).item()); });
  const want = [[2, 1], [0.1, 0.2], [0.3, -0.4]].map(([p, q]) => Math.tanh(0.5 * p - 1.5 * q));
  close(got, want, 1e-12, 'losses');
});

test('fresh models of one shape reuse generated code with their own buffers (second model matches eager)', () => {
  const x = tensor([[0, 0], [0, 1], [1, 0], [1, 1]], { dtype: 'float64' });
  const y = tensor([[0], [1], [1], [0]], { dtype: 'float64' });
  for (const seed of [21, 23, 25]) {
    const a = regressionStep(seed, 3), b = regressionStep(seed, 3);
    const ja = jit(a.f);
    for (let e = 0; e < 5; e++) ja.rows([x, y], [0, 1, 2, 3], 0, 4, 1, () => {});
    for (let e = 0; e < 5; e++) for (let i = 0; i < 4; i++) b.f(tensor([Array.from(x.data.subarray(2 * i, 2 * i + 2))], { dtype: 'float64' }), tensor([[y.data[i]]], { dtype: 'float64' }));
    a.model.parameters().forEach((p, i) => close(Array.from(p.data), Array.from(b.model.parameters()[i].data), 1e-12, `seed ${seed} param ${i}`));
  }
});

test('code reused by structure tells constants that share storage from constants that do not', () => {
  const run = (shared: boolean) => {
    const p = tensor([1.5, -2], { dtype: 'float64' });
    const q = shared ? new Tensor(p.data, [2]) : tensor([0.25, 4], { dtype: 'float64' });
    const f = jit((x: Tensor) => x.mul(p).add(q).tanh().sum(), { mode: 'unrolled' });
    const x = tensor([0.3, 0.7], { dtype: 'float64' });
    f(x);
    const got = f(x).item();
    const want = [0.3, 0.7].reduce((s, v, i) => s + Math.tanh(v * p.data[i] + q.data[i]), 0);
    assert.ok(Math.abs(got - want) <= 1e-12, `shared ${shared}: ${got} vs ${want}`);
  };
  run(true);
  run(false);
  run(true);
});

test('straight-line float32 code rounds each value once: a float32 local passed on as it is (an alias, a sum of one element) is not rounded or copied again', () => {
  const original = globalThis.Function;
  const sources: string[] = [];
  globalThis.Function = new Proxy(original, { construct(target, args: string[]) { sources.push(args[args.length - 1]); return Reflect.construct(target, args); } });
  const w = tensor([[0.3], [-0.7], [1.1]], { requiresGrad: true });
  const b = tensor([0.25], { requiresGrad: true });
  // A shape no other test traces (so its code is generated here): [1, 3] · [3, 1] → [1, 1], whose sum is of one element.
  const f = jit((x: Tensor) => { w.grad = null; b.grad = null; const l = x.matmul(w).add(b).sigmoid().reshape([1]).sum().mul(3); l.backward(); return l; }, { mode: 'unrolled' });
  const x = tensor([[0.5, -1.25, 2]]);
  let got: number;
  try {
    f(x);
    got = f(x).item();
  } finally {
    globalThis.Function = original;
  }
  const eager = x.matmul(w).add(b).sigmoid().sum().mul(3).item();
  assert.equal(got, eager);
  const code = sources.filter((s) => s.includes('const v')).join('\n');
  assert.ok(code.length > 0, 'straight-line code was generated');
  const defs = new Map<string, string>();
  for (const m of code.matchAll(/const (v\d+) = (.*);$/gm)) defs.set(m[1], m[2]);
  for (const [name, expr] of defs) {
    assert.ok(!/^v\d+$/.test(expr), `${name} copies ${expr}`);
    const again = /^(K\d+)\((v\d+)\)$/.exec(expr);
    if (again !== null) assert.ok(!(defs.get(again[2]) ?? '').startsWith(`${again[1]}(`), `${name} = ${expr} rounds ${again[2]} = ${defs.get(again[2])} again`);
  }
});
