/**
 * Convolution and pooling against the direct-loop oracle (test/ops/conv-reference.ts): forward and
 * both gradients on random shapes, strides, paddings, dilations and groups, in float64 and float32,
 * on every backend (the wasm gemm included); 'same' padding, conv1d, bias, the pools' PyTorch
 * semantics, and the one-line errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ops from '../../src/ops/index.js';
import { Random, ShapeError, Tensor, ValueError, backward, gradcheck, jit, listBackends, setBackend } from '../../src/index.js';
import { CONV2D_INPUT_GRAD, CONV2D_WEIGHT_GRAD, type ConvAttrs } from '../../src/ops/conv.js';
import { MAXPOOL2D, MAXPOOL2D_GRAD } from '../../src/ops/pool.js';
import { apply } from '../../src/ops/prim.js';
import { refAvgPool2d, refConv2d, refConv2dGrads, refMaxPool2d, type RefConv } from './conv-reference.js';

function rand(shape: number[], rng: Random, dtype: 'float32' | 'float64' = 'float64', requiresGrad = false): Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  const data = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = rng.range(-1, 1);
  return new Tensor(data, shape, requiresGrad);
}

function close(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: lengths`);
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs(got[i] - want[i]) <= tol * (Math.abs(want[i]) + scale), `${what}[${i}]: ${got[i]} vs ${want[i]}`);
  }
}

interface Case { xs: number[]; ws: number[]; a: RefConv }

/** A random convolution that fits: odd and even sizes, strides 1–3, paddings 0–2, dilations 1–2, groups 1–3. */
function randomCase(rng: Random): Case {
  for (;;) {
    const groups = 1 + rng.int(3);
    const cg = 1 + rng.int(3), og = 1 + rng.int(3);
    const kh = 1 + rng.int(4), kw = 1 + rng.int(4);
    const a: RefConv = {
      stride: [1 + rng.int(3), 1 + rng.int(3)],
      padding: [rng.int(3), 0, rng.int(3), 0],
      dilation: [1 + rng.int(2), 1 + rng.int(2)],
      groups,
    };
    a.padding[1] = a.padding[0];
    a.padding[3] = a.padding[2];
    const xs = [1 + rng.int(3), groups * cg, 1 + rng.int(9), 1 + rng.int(9)];
    const ws = [groups * og, cg, kh, kw];
    const oh = Math.floor((xs[2] + 2 * a.padding[0] - a.dilation[0] * (kh - 1) - 1) / a.stride[0]) + 1;
    const ow = Math.floor((xs[3] + 2 * a.padding[2] - a.dilation[1] * (kw - 1) - 1) / a.stride[1]) + 1;
    if (oh >= 1 && ow >= 1) return { xs, ws, a };
  }
}

const optionsOf = (a: RefConv) => ({ stride: a.stride, padding: [a.padding[0], a.padding[2]] as [number, number], dilation: a.dilation, groups: a.groups });

test('conv2d forward and both gradients equal the direct loops on 40 random geometries (float64 and float32, every backend)', () => {
  const rng = new Random(12);
  for (let t = 0; t < 40; t++) {
    const { xs, ws, a } = randomCase(rng);
    const x0 = rand(xs, rng), w0 = rand(ws, rng);
    const ref = refConv2d(x0.data, xs, w0.data, ws, a);
    const g0 = rand(ref.shape, rng);
    const { gx, gw } = refConv2dGrads(x0.data, xs, w0.data, ws, g0.data, a);
    for (const name of listBackends()) {
      const prev = setBackend(name);
      try {
        for (const [dtype, tol] of [['float64', 1e-12], ['float32', 1e-5]] as const) {
          const what = `${name} ${dtype} x ${JSON.stringify(xs)} w ${JSON.stringify(ws)} ${JSON.stringify(a)}`;
          const x = rand(xs, new Random(0), dtype, true), w = rand(ws, new Random(0), dtype, true);
          x.data.set(x0.data); w.data.set(w0.data);
          const y = ops.conv2d(x, w, optionsOf(a));
          assert.deepEqual(y.shape, ref.shape, what);
          assert.equal(y.dtype, dtype);
          close(y.data, ref.y, tol, `${what} forward`);
          backward(y, new Tensor(dtype === 'float32' ? Float32Array.from(g0.data) : g0.data, ref.shape));
          close(x.grad!.data, gx, tol, `${what} input gradient`);
          close(w.grad!.data, gw, tol, `${what} weight gradient`);
        }
      } finally {
        setBackend(prev);
      }
    }
  }
});

test('conv2d on a batch large enough to be taken in several chunks equals the direct loops', () => {
  const rng = new Random(5);
  // k·p = 9·(64·64) per sample: 28 samples per chunk of 2^20, so 40 samples are two chunks.
  const xs = [40, 1, 64, 64], ws = [2, 1, 3, 3];
  const a: RefConv = { stride: [1, 1], padding: [1, 1, 1, 1], dilation: [1, 1], groups: 1 };
  const x = rand(xs, rng, 'float64', true), w = rand(ws, rng, 'float64', true);
  const ref = refConv2d(x.data, xs, w.data, ws, a);
  const g = rand(ref.shape, rng);
  const y = ops.conv2d(x, w, { padding: 1 });
  close(y.data, ref.y, 1e-12, 'forward');
  backward(y, g);
  const { gx, gw } = refConv2dGrads(x.data, xs, w.data, ws, g.data, a);
  close(x.grad!.data, gx, 1e-12, 'input gradient');
  close(w.grad!.data, gw, 1e-12, 'weight gradient');
});

test("padding 'same' keeps the size, with the odd pad after (PyTorch) for even kernels and dilation", () => {
  const rng = new Random(3);
  for (const [kh, kw, d] of [[3, 3, 1], [2, 4, 1], [3, 2, 2], [1, 5, 1]] as const) {
    const xs = [2, 2, 5, 6], ws = [3, 2, kh, kw];
    const x = rand(xs, rng), w = rand(ws, rng);
    const th = d * (kh - 1), tw = d * (kw - 1);
    const a: RefConv = { stride: [1, 1], padding: [th >> 1, th - (th >> 1), tw >> 1, tw - (tw >> 1)], dilation: [d, d], groups: 1 };
    const y = ops.conv2d(x, w, { padding: 'same', dilation: d });
    assert.deepEqual(y.shape, [2, 3, 5, 6]);
    close(y.data, refConv2d(x.data, xs, w.data, ws, a).y, 1e-12, `same ${kh}x${kw} dilation ${d}`);
  }
  const x = rand([1, 1, 4, 4], rng), w = rand([1, 1, 3, 3], rng);
  assert.deepEqual(ops.conv2d(x, w, { padding: 'valid' }).shape, [1, 1, 2, 2]);
  assert.throws(() => ops.conv2d(x, w, { padding: 'same', stride: 2 }), (e: unknown) => e instanceof ValueError && /conv2d: padding 'same' needs stride 1/.test((e as Error).message));
});

test('conv2d adds a bias per output channel, given as the third argument or as an option; the Tensor method is the same op', () => {
  const rng = new Random(4);
  const x = rand([2, 3, 4, 5], rng), w = rand([4, 3, 2, 2], rng), b = new Tensor(new Float64Array([1, -2, 3, 0.5]), [4]);
  const plain = ops.conv2d(x, w, { stride: [2, 1] });
  const withBias = ops.conv2d(x, w, b, { stride: [2, 1] });
  const asOption = ops.conv2d(x, w, { stride: [2, 1], bias: b });
  const method = x.conv2d(w, b, { stride: [2, 1] });
  const per = plain.shape[2] * plain.shape[3];
  for (let i = 0; i < plain.size; i++) {
    const o = Math.floor(i / per) % 4;
    assert.ok(Math.abs(withBias.data[i] - (plain.data[i] + b.data[o])) < 1e-12);
  }
  assert.deepEqual(Array.from(asOption.data), Array.from(withBias.data));
  assert.deepEqual(Array.from(method.data), Array.from(withBias.data));
  assert.throws(() => ops.conv2d(x, w, b, { bias: b }), /conv2d: bias given twice/);
  assert.throws(() => ops.conv2d(x, w, new Tensor(new Float64Array(3), [3])), (e: unknown) => e instanceof ShapeError && /conv2d: bias must have shape \[4\].*got \[3\]/.test((e as Error).message));
});

test('conv1d equals conv2d over a height of 1 (strides, padding, dilation, groups, same, bias)', () => {
  const rng = new Random(6);
  const x = rand([2, 4, 11], rng), w = rand([6, 2, 3], rng), b = rand([6], rng);
  const y = ops.conv1d(x, w, b, { stride: 2, padding: 2, dilation: 2, groups: 2 });
  const a: RefConv = { stride: [1, 2], padding: [0, 0, 2, 2], dilation: [1, 2], groups: 2 };
  const ref = refConv2d(x.data, [2, 4, 1, 11], w.data, [6, 2, 1, 3], a);
  assert.deepEqual(y.shape, [2, 6, ref.shape[3]]);
  const l = ref.shape[3];
  close(y.data, ref.y.map((v, i) => v + b.data[Math.floor(i / l) % 6]), 1e-12, 'conv1d');
  assert.deepEqual(ops.conv1d(x, rand([3, 4, 4], rng), { padding: 'same' }).shape, [2, 3, 11]);
  assert.deepEqual(x.conv1d(w, { groups: 2 }).shape, [2, 6, 9]);
  assert.throws(() => ops.conv1d(x, w, { stride: [1, 2] as never }), /conv1d: stride must be a number/);
});

test('bad shapes are one-line ShapeErrors naming the op, both shapes and the fix', () => {
  const rng = new Random(7);
  const cases: [() => unknown, RegExp][] = [
    [() => ops.conv2d(rand([1, 3, 5, 5], rng), rand([4, 2, 3, 3], rng)), /^conv2d: input \[1, 3, 5, 5\] has 3 channels but weight \[4, 2, 3, 3\] expects 2 per group × 1 group = 2; give the weight shape \[outChannels, 3, kh, kw\]/],
    [() => ops.conv2d(rand([1, 3, 2, 2], rng), rand([4, 3, 3, 3], rng)), /^conv2d: the 3×3 kernel \(weight \[4, 3, 3, 3\], dilation included\) is larger than the 2×2 padded input \[1, 3, 2, 2\]; pad the input/],
    [() => ops.conv2d(rand([1, 3, 5, 5], rng), rand([3, 3, 3, 3], rng), { dilation: 3 }), /^conv2d: the 7×7 kernel .* larger than the 5×5 padded input/],
    [() => ops.conv2d(rand([1, 4, 5, 5], rng), rand([4, 2, 3, 3], rng), { groups: 3 }), /^conv2d: groups \(3\) must divide the input's 4 channels \(input \[1, 4, 5, 5\], weight \[4, 2, 3, 3\]\); choose groups among the divisors of 4/],
    [() => ops.conv2d(rand([1, 4, 5, 5], rng), rand([3, 2, 3, 3], rng), { groups: 2 }), /^conv2d: groups \(2\) must divide the weight's 3 output channels/],
    [() => ops.conv2d(rand([3, 5, 5], rng), rand([3, 3, 3, 3], rng)), /^conv2d: input must be 4-D \[batch, channels, height, width\], got \[3, 5, 5\] \(weight \[3, 3, 3, 3\]\); reshape it/],
    [() => ops.conv2d(rand([1, 3, 5, 5], rng), rand([3, 3, 3], rng)), /^conv2d: weight must be 4-D/],
    [() => ops.conv1d(rand([1, 3, 2], rng), rand([2, 3, 3], rng)), /^conv1d: the 3 kernel \(weight \[2, 3, 3\], dilation included\) is larger than the 2 padded input \[1, 3, 2\]/],
    [() => ops.conv1d(rand([1, 3, 9], rng), rand([2, 2, 3], rng)), /^conv1d: input \[1, 3, 9\] has 3 channels but weight \[2, 2, 3\] expects 2/],
    [() => ops.maxPool2d(rand([1, 1, 2, 2], rng), 3), /^maxPool2d: the 3×3 kernel is larger than the 2×2 padded input \[1, 1, 2, 2\]/],
    [() => ops.avgPool2d(rand([1, 2, 2], rng), 2), /^avgPool2d: input must be 4-D/],
    [() => ops.globalAvgPool2d(rand([2, 3], rng)), /^globalAvgPool2d: input must be 4-D .* got \[2, 3\]/],
  ];
  for (const [f, re] of cases) {
    assert.throws(f, (e: unknown) => e instanceof ShapeError && re.test((e as Error).message) && !(e as Error).message.includes('\n'), String(re));
  }
  const values: [() => unknown, RegExp][] = [
    [() => ops.conv2d(rand([1, 1, 5, 5], rng), rand([1, 1, 3, 3], rng), { stride: 0 }), /^conv2d: stride must be a whole number ≥ 1, got 0/],
    [() => ops.conv2d(rand([1, 1, 5, 5], rng), rand([1, 1, 3, 3], rng), { strides: 2 } as never), /^conv2d: unknown option 'strides'/],
    [() => ops.conv2d(rand([1, 1, 5, 5], rng), rand([1, 1, 3, 3], rng), { padding: 'full' as never }), /^conv2d: padding must be a number, a pair, 'same' or 'valid'/],
    [() => ops.maxPool2d(rand([1, 1, 5, 5], rng), 2, { padding: 2 }), /^maxPool2d: padding \[2, 2\] must be at most half the kernel \[2, 2\]/],
    [() => ops.avgPool2d(rand([1, 1, 5, 5], rng), [2, 2, 2] as never), /^avgPool2d: kernel must be a number or a pair/],
  ];
  for (const [f, re] of values) assert.throws(f, (e: unknown) => e instanceof ValueError && re.test((e as Error).message), String(re));
});

test('maxPool2d equals the definition (strides, padding, odd sizes) and sends each gradient to its window\'s first maximum', () => {
  const rng = new Random(8);
  for (const [xs, k, s, p] of [
    [[2, 3, 6, 6], [2, 2], [2, 2], [0, 0]],
    [[1, 2, 7, 5], [3, 2], [2, 1], [1, 1]],
    [[2, 1, 5, 8], [3, 3], [1, 3], [1, 0]],
  ] as [number[], [number, number], [number, number], [number, number]][]) {
    const x = rand(xs, rng, 'float64', true);
    const y = ops.maxPool2d(x, k, { stride: s, padding: p });
    const ref = refMaxPool2d(x.data, xs, k, s, p);
    assert.deepEqual(y.shape, ref.shape);
    assert.deepEqual(Array.from(y.data), Array.from(ref.y));
    const g = rand(ref.shape, rng);
    backward(y, g);
    const want = new Float64Array(x.size);
    ref.arg.forEach((q, i) => (want[q] += g.data[i]));
    close(x.grad!.data, want, 1e-15, `maxPool2d gradient ${JSON.stringify([xs, k, s, p])}`);
  }
  // ties: the first maximum in row-major window order takes the whole gradient (PyTorch's choice)
  const t = new Tensor(new Float64Array([1, 5, 5, 2]), [1, 1, 2, 2], true);
  const m = ops.maxPool2d(t, 2);
  assert.deepEqual(Array.from(m.data), [5]);
  backward(m);
  assert.deepEqual(Array.from(t.grad!.data), [0, 1, 0, 0]);
  // the stride defaults to the kernel
  assert.deepEqual(ops.maxPool2d(rand([1, 1, 7, 7], rng), 3).shape, [1, 1, 2, 2]);
  assert.deepEqual(rand([1, 1, 6, 6], rng).maxPool2d(2).shape, [1, 1, 3, 3]);
});

test('avgPool2d equals the definition with count_include_pad (PyTorch\'s default divisor kh·kw, padding included)', () => {
  const rng = new Random(9);
  for (const [xs, k, s, p] of [
    [[2, 3, 6, 6], [2, 2], [2, 2], [0, 0]],
    [[1, 2, 7, 5], [3, 2], [2, 1], [1, 1]],
  ] as [number[], [number, number], [number, number], [number, number]][]) {
    const x = rand(xs, rng);
    const y = ops.avgPool2d(x, k, { stride: s, padding: p });
    const ref = refAvgPool2d(x.data, xs, k, s, p);
    assert.deepEqual(y.shape, ref.shape);
    close(y.data, ref.y, 1e-12, 'avgPool2d');
  }
  // a corner window of a padded 2×2 average over a ones image: one real pixel of four
  const ones = new Tensor(new Float64Array(9).fill(1), [1, 1, 3, 3]);
  assert.equal(ops.avgPool2d(ones, 2, { stride: 2, padding: 1 }).data[0], 0.25);
  assert.equal(ones.avgPool2d(3).data[0], 1);
});

test('globalAvgPool2d is the per-channel mean: [batch, channels], or [batch, channels, 1, 1] with keepDims', () => {
  const x = new Tensor(new Float64Array([1, 2, 3, 4, 10, 20, 30, 40]), [1, 2, 2, 2], true);
  const y = ops.globalAvgPool2d(x);
  assert.deepEqual(y.shape, [1, 2]);
  assert.deepEqual(Array.from(y.data), [2.5, 25]);
  assert.deepEqual(x.globalAvgPool2d({ keepDims: true }).shape, [1, 2, 1, 1]);
  backward(y, new Tensor(new Float64Array([4, 8]), [1, 2]));
  assert.deepEqual(Array.from(x.grad!.data), [1, 1, 1, 1, 2, 2, 2, 2]);
});

test('a small CNN step compiles with jit and replays to the eager numbers', () => {
  const rng = new Random(10);
  const x = rand([4, 1, 8, 8], rng, 'float32');
  const w1 = rand([3, 1, 3, 3], rng, 'float32', true), b1 = rand([3], rng, 'float32', true);
  const w2 = rand([2, 3, 3, 3], rng, 'float32', true);
  const loss = (xi: Tensor) => ops.conv2d(ops.maxPool2d(ops.relu(ops.conv2d(xi, w1, b1, { padding: 'same' })), 2), w2, { padding: 1 }).mul(ops.avgPool2d(ops.conv2d(ops.maxPool2d(ops.relu(ops.conv2d(xi, w1, b1, { padding: 'same' })), 2), w2, { padding: 1 }), 1)).sum();
  const step = (xi: Tensor) => { w1.grad = null; b1.grad = null; w2.grad = null; const l = loss(xi); l.backward(); return l; };
  const eager = step(x).item();
  const eg = [w1, b1, w2].map((p) => Array.from(p.grad!.data));
  const f = jit(step);
  let last = 0;
  for (let i = 0; i < 3; i++) last = (f(x) as Tensor).item();
  assert.equal(f.traces, 1);
  assert.ok(Math.abs(last - eager) <= 1e-5 * Math.max(1, Math.abs(eager)), `${last} vs ${eager}`);
  [w1, b1, w2].forEach((p, k) => close(p.grad!.data, eg[k], 1e-5, `parameter ${k}`));
});

test('the gradient prims have gradients of their own (second derivatives): conv2dInputGrad, conv2dWeightGrad, maxPool2dGrad pass gradcheck', () => {
  const rng = new Random(11);
  const a: ConvAttrs = { stride: [2, 1], padding: [1, 1, 0, 0], dilation: [1, 2], groups: 2 };
  // x [2, 4, 5, 6], w [6, 2, 3, 2] → y [2, 6, 3, 4]
  const gy = rand([2, 6, 3, 4], rng), w = rand([6, 2, 3, 2], rng), x = rand([2, 4, 5, 6], rng);
  const r1 = gradcheck((g, ww) => apply(CONV2D_INPUT_GRAD, [g, ww], { ...a, inputSize: [5, 6] }), [gy, w], { seed: 1 });
  assert.ok(r1.ok, `conv2dInputGrad: ${JSON.stringify(r1.worst)}`);
  assert.deepEqual(apply(CONV2D_INPUT_GRAD, [gy, w], { ...a, inputSize: [5, 6] }).shape, [2, 4, 5, 6]);
  const r2 = gradcheck((xx, g) => apply(CONV2D_WEIGHT_GRAD, [xx, g], { ...a, kernelSize: [3, 2] }), [x, gy], { seed: 2 });
  assert.ok(r2.ok, `conv2dWeightGrad: ${JSON.stringify(r2.worst)}`);
  const px = new Tensor(Float64Array.from({ length: 2 * 7 * 6 }, (_, i) => ((i * 37) % 84) * 0.25), [1, 2, 7, 6]);
  const pa = { kernel: [3, 3] as const, stride: [2, 2] as const, padding: [1, 1] as const };
  const pg = rand([1, 2, 4, 3], rng);
  const r3 = gradcheck((g) => apply(MAXPOOL2D_GRAD, [px, g], pa), [pg], { seed: 3 });
  assert.ok(r3.ok, `maxPool2dGrad: ${JSON.stringify(r3.worst)}`);
  const r4 = gradcheck((v) => apply(MAXPOOL2D, [px, v], pa), [rand([1, 2, 7, 6], rng)], { seed: 4 });
  assert.ok(r4.ok, `maxPool2d's read of v: ${JSON.stringify(r4.worst)}`);
});

test('float32 conv2d on the wasm gemm (sizes above its threshold) equals the direct loops to 1e-5', () => {
  if (!listBackends().includes('wasm')) return;
  const rng = new Random(13);
  const xs = [8, 4, 12, 12], ws = [8, 2, 3, 3];
  const a: RefConv = { stride: [1, 1], padding: [1, 1, 1, 1], dilation: [1, 1], groups: 2 };
  const x = rand(xs, rng, 'float32', true), w = rand(ws, rng, 'float32', true);
  const ref = refConv2d(x.data, xs, w.data, ws, a);
  const g = rand(ref.shape, rng, 'float32');
  const { gx, gw } = refConv2dGrads(x.data, xs, w.data, ws, g.data, a);
  const prev = setBackend('wasm');
  try {
    const y = ops.conv2d(x, w, { padding: 1, groups: 2 });
    close(y.data, ref.y, 1e-5, 'forward');
    backward(y, g);
    close(x.grad!.data, gx, 1e-5, 'input gradient');
    close(w.grad!.data, gw, 1e-5, 'weight gradient');
  } finally {
    setBackend(prev);
  }
});

test('an empty batch gives an empty output, and the weight-gradient kernel still writes its whole output (zeros) into a used buffer', () => {
  const rng = new Random(14);
  const w = rand([3, 2, 3, 3], rng, 'float32', true);
  const x = new Tensor(new Float32Array(0), [0, 2, 5, 5]);
  const y = ops.conv2d(x, w, { padding: 1 });
  assert.deepEqual(y.shape, [0, 3, 5, 5]);
  // the compiler replays kernels on planned buffers that may hold an earlier step's numbers
  const a: ConvAttrs = { stride: [1, 1], padding: [1, 1, 1, 1], dilation: [1, 1], groups: 1 };
  const prepared = CONV2D_WEIGHT_GRAD.prepare([x, y], { ...a, kernelSize: [3, 3] });
  assert.deepEqual(prepared.shape, [3, 2, 3, 3]);
  const out = new Float32Array(54).fill(7);
  prepared.run(out, x.data, y.data, undefined as never);
  assert.ok(out.every((v) => v === 0));
  backward(y, new Tensor(new Float32Array(0), y.shape));
  assert.ok(w.grad!.data.every((v) => v === 0));
});
