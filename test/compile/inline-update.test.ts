/**
 * The optimizers' update rules (UpdateRule) inlined into jit's straight-line code: every optimizer
 * of the table and its options give the eager step's numbers, in both forms (stateless scalar and
 * element) and when begin switches between them; live options (a scheduler, lr written by hand,
 * momentum switched on) take effect without a re-trace; loadStateDict is re-read; and hostCall's
 * `within` skips the call only for values inside the bound.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Dense, Random, Sequential, Tensor, hostCall, jit, mse, optim, tensor, type DType } from '../../src/index.js';

type Make = (ps: Tensor[]) => optim.Optimizer;

/** Every optimizer in the library, with the options that take each branch of its rule. */
const TABLE: [string, Make][] = [
  ['SGD', (ps) => new optim.SGD(ps, { lr: 0.3 })],
  ['SGD weightDecay', (ps) => new optim.SGD(ps, { lr: 0.3, weightDecay: 0.01 })],
  ['SGD momentum', (ps) => new optim.SGD(ps, { lr: 0.3, momentum: 0.9 })],
  ['SGD momentum dampening weightDecay', (ps) => new optim.SGD(ps, { lr: 0.3, momentum: 0.8, dampening: 0.3, weightDecay: 0.02 })],
  ['SGD nesterov', (ps) => new optim.SGD(ps, { lr: 0.3, momentum: 0.9, nesterov: true })],
  ['Adam', (ps) => new optim.Adam(ps, { lr: 0.05 })],
  ['Adam weightDecay amsgrad', (ps) => new optim.Adam(ps, { lr: 0.05, weightDecay: 0.01, amsgrad: true })],
  ['AdamW', (ps) => new optim.AdamW(ps, { lr: 0.05, weightDecay: 0.1 })],
  ['RMSProp', (ps) => new optim.RMSProp(ps, { lr: 0.01 })],
  ['RMSProp centered momentum weightDecay', (ps) => new optim.RMSProp(ps, { lr: 0.01, centered: true, momentum: 0.5, weightDecay: 0.01 })],
  ['Adagrad', (ps) => new optim.Adagrad(ps, { lr: 0.1 })],
  ['Adagrad lrDecay weightDecay initialAccumulatorValue', (ps) => new optim.Adagrad(ps, { lr: 0.1, lrDecay: 0.01, weightDecay: 0.01, initialAccumulatorValue: 0.1 })],
];

function setup<O extends optim.Optimizer>(make: (ps: Tensor[]) => O, dtype: DType) {
  const model = new Sequential(new Dense(2, 3, { activation: 'sigmoid', seed: 3, dtype }), new Dense(3, 1, { activation: 'sigmoid', seed: 4, dtype }));
  const opt = make(model.parameters());
  const step = (xb: Tensor, yb: Tensor) => { opt.zeroGrad(); const l = mse(model.forward(xb), yb); l.backward(); opt.step(); return [l]; };
  return { model, opt, step };
}

function data(dtype: DType) {
  const r = new Random(5);
  const x = tensor(Array.from({ length: 12 }, () => [r.range(-1, 1), r.range(-1, 1)]), { dtype });
  const y = tensor(Array.from({ length: 12 }, () => [r.uniform()]), { dtype });
  return { x, y, order: [3, 0, 7, 11, 5, 2, 9, 1, 4, 10, 8, 6] };
}

/** The same batches one eager step each. */
function eagerEpoch(step: (x: Tensor, y: Tensor) => Tensor[], x: Tensor, y: Tensor, order: number[], size: number, dtype: DType): number[] {
  const losses: number[] = [];
  for (let k = 0; k < order.length / size; k++) {
    const idx = order.slice(k * size, (k + 1) * size);
    const xb = tensor(idx.map((i) => Array.from(x.data.subarray(2 * i, 2 * i + 2))), { dtype });
    const yb = tensor(idx.map((i) => [y.data[i]]), { dtype });
    losses.push(step(xb, yb)[0].item());
  }
  return losses;
}

function assertClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(a.length, b.length, `${what}: lengths`);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol * Math.max(1, Math.abs(b[i])), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

function assertSameState(a: optim.Optimizer, b: optim.Optimizer, tol: number, what: string): void {
  const sa = a.stateDict(), sb = b.stateDict();
  sa.state.forEach((st, i) => {
    for (const [key, v] of Object.entries(st!)) {
      const w = (sb.state[i] as Record<string, unknown>)[key];
      if (Array.isArray(v)) assertClose(v, w as number[], tol, `${what} state[${i}].${key}`);
      else assert.equal(v, w, `${what} state[${i}].${key}`);
    }
  });
}

test('every optimizer inlined into straight-line code gives the eager step (float64 to 1e-12, float32 to 1e-6), in rows loops and single calls', () => {
  for (const dtype of ['float64', 'float32'] as const) {
    const tol = dtype === 'float64' ? 1e-12 : 1e-6;
    const { x, y, order } = data(dtype);
    for (const [name, make] of TABLE) {
      for (const size of [1, 3]) {
        const a = setup(make, dtype), b = setup(make, dtype);
        const ja = jit(a.step, { mode: 'unrolled' });
        const losses: number[] = [];
        for (let epoch = 0; epoch < 3; epoch++) {
          ja.rows([x, y], order, 0, order.length / size, size, (res) => { losses.push((res as Tensor[])[0].item()); });
        }
        assert.equal(ja.lastMode, 'unrolled', name);
        // A plain call too (the replay rather than the loop).
        const xb = tensor([[0.25, -0.5]], { dtype }), yb = tensor([[0.75]], { dtype });
        losses.push((ja(xb, yb) as Tensor[])[0].item());
        // One trace for the loop's batches, and one for the call's where its batch has another size.
        assert.equal(ja.traces, size === 1 ? 1 : 2, name);
        const expected: number[] = [];
        for (let epoch = 0; epoch < 3; epoch++) expected.push(...eagerEpoch(b.step, x, y, order, size, dtype));
        expected.push(b.step(xb, yb)[0].item());
        assertClose(losses, expected, tol, `${dtype} ${name} size ${size} losses`);
        a.model.parameters().forEach((p, i) => assertClose(p.data, b.model.parameters()[i].data, tol, `${dtype} ${name} size ${size} param ${i}`));
        assertSameState(a.opt, b.opt, tol, `${dtype} ${name} size ${size}`);
      }
    }
  }
});

test('live options reach the inlined rule: a scheduler, lr and weightDecay written by hand, momentum switched on and off (no re-trace)', () => {
  const { x, y, order } = data('float64');
  const run = (compiled: boolean) => {
    const s = setup((ps) => new optim.SGD(ps, { lr: 0.5 }), 'float64');
    const sched = new optim.StepLR(s.opt, { stepSize: 1, gamma: 0.5 });
    const j = jit(s.step, { mode: 'unrolled' });
    const losses: number[] = [];
    for (let epoch = 0; epoch < 6; epoch++) {
      if (epoch === 2) s.opt.paramGroups[0].weightDecay = 0.05;
      if (epoch === 3) s.opt.paramGroups[0].momentum = 0.9; // the scalar form gives way to the element form
      if (epoch === 5) s.opt.paramGroups[0].momentum = 0;
      if (compiled) j.rows([x, y], order, 0, order.length, 1, (res) => { losses.push((res as Tensor[])[0].item()); });
      else losses.push(...eagerEpoch(s.step, x, y, order, 1, 'float64'));
      sched.step();
    }
    return { losses, s, traces: j.traces };
  };
  const a = run(true), b = run(false);
  assert.equal(a.traces, 1);
  assertClose(a.losses, b.losses, 1e-12, 'losses');
  a.s.model.parameters().forEach((p, i) => assertClose(p.data, b.s.model.parameters()[i].data, 1e-12, `param ${i}`));
  assertSameState(a.s.opt, b.s.opt, 1e-12, 'state');
});

test('loadStateDict between loops is read by the inlined rule (the loaded state, or a fresh one where none was saved)', () => {
  const { x, y, order } = data('float64');
  const makes: Make[] = [(ps) => new optim.Adam(ps, { lr: 0.05 }), (ps) => new optim.SGD(ps, { lr: 0.3, momentum: 0.9 })];
  for (const make of makes) {
    const run = (compiled: boolean) => {
      const s = setup(make, 'float64');
      const j = jit(s.step, { mode: 'unrolled' });
      const epoch = () => {
        if (compiled) j.rows([x, y], order, 0, order.length, 1, () => {});
        else eagerEpoch(s.step, x, y, order, 1, 'float64');
      };
      epoch();
      const saved = s.opt.stateDict();
      epoch();
      s.opt.loadStateDict(saved);
      epoch();
      saved.state[1] = null; // this parameter starts afresh
      s.opt.loadStateDict(saved);
      epoch();
      return s;
    };
    const a = run(true), b = run(false);
    a.model.parameters().forEach((p, i) => assertClose(p.data, b.model.parameters()[i].data, 1e-12, `param ${i}`));
    assertSameState(a.opt, b.opt, 1e-12, 'state');
  }
});

test("hostCall's within: straight-line replays skip the call while |value| ≤ within.value and make it outside the bound or for NaN", () => {
  for (const mode of ['unrolled', 'kernels'] as const) {
    const seen: number[] = [];
    const within = { value: 2 };
    const f = jit((a: Tensor) => { const s = a.mul(1); hostCall(s, (v) => { seen.push(v[0]); }, within); return s; }, { mode });
    const xs = [[1], [3], [-2], [-5], [NaN], [0.5]];
    f(tensor(xs[0], { dtype: 'float64' })); // the tracing call always calls
    seen.length = 0;
    for (const v of xs) f(tensor(v, { dtype: 'float64' }));
    // Kernel plans may call it always (fn must do nothing inside the bound); straight-line code skips.
    const outside = [3, -5, NaN];
    if (mode === 'unrolled') assert.deepEqual(seen, outside);
    else for (const v of outside) assert.ok(seen.some((s) => Object.is(s, v)), `${mode}: ${v} reached the host`);
    // The bound is read live; -1 skips nothing.
    within.value = -1;
    seen.length = 0;
    f(tensor([0], { dtype: 'float64' }));
    assert.deepEqual(seen, [0]);
  }
});

test('a subclass that overrides update keeps its override on the compiled path (its rule is not inlined)', () => {
  let calls = 0;
  class Counted extends optim.SGD {
    protected override update(param: Float32Array | Float64Array, grad: Float32Array | Float64Array, state: optim.SGDState, h: optim.SGDHyper): void {
      calls++;
      super.update(param, grad, state, h);
    }
  }
  class Plain extends optim.SGD {}
  const { x, y, order } = data('float64');
  for (const [Cls, perStep] of [[Counted, 4], [Plain, 0]] as const) {
    calls = 0;
    const s = setup((ps) => new Cls(ps, { lr: 0.3 }), 'float64');
    const b = setup((ps) => new optim.SGD(ps, { lr: 0.3 }), 'float64');
    const j = jit(s.step, { mode: 'unrolled' });
    j.rows([x, y], order, 0, order.length, 1, () => {});
    eagerEpoch(b.step, x, y, order, 1, 'float64');
    assert.equal(calls, perStep * order.length, Cls.name);
    s.model.parameters().forEach((p, i) => assertClose(p.data, b.model.parameters()[i].data, 1e-12, `${Cls.name} param ${i}`));
  }
});
