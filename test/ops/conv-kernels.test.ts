/**
 * The wasm kernels behind conv2d, its two gradient prims, max pooling, relu and the bias sums against the JS
 * reference kernels they replace (the im2col + matmul loops of src/ops/conv.ts, pool.ts's
 * argmaxes, the generated element-wise loops): the same prims run once on the 'js' backend and once
 * on 'wasm', on random shapes, strides, paddings, dilations and groups. Products agree to 1e-6
 * relative (the gemm sums in another order); pooling, relu and sums agree bit for bit, NaN and ±0 included.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ops from '../../src/ops/index.js';
import { Random, Tensor, listBackends, setBackend } from '../../src/index.js';
import { CONV2D, CONV2D_INPUT_GRAD, CONV2D_WEIGHT_GRAD, type ConvAttrs } from '../../src/ops/conv.js';
import { MAXPOOL2D, MAXPOOL2D_GRAD, type PoolAttrs } from '../../src/ops/pool.js';
import { RELU, RELU_D } from '../../src/ops/elementwise.js';
import { apply } from '../../src/ops/prim.js';
import { refConv2d, refConv2dGrads, type RefConv } from './conv-reference.js';

const HAS_WASM = listBackends().includes('wasm');

function rand(shape: number[], rng: Random, dtype: 'float32' | 'float64' = 'float32'): Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  const data = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = rng.range(-1, 1);
  return new Tensor(data, shape);
}

/** fn's result on the named backend. */
function on<T>(name: string, fn: () => T): T {
  const prev = setBackend(name);
  try {
    return fn();
  } finally {
    setBackend(prev);
  }
}

function close(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: lengths`);
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs(got[i] - want[i]) <= tol * (Math.abs(want[i]) + scale), `${what}[${i}]: ${got[i]} vs ${want[i]}`);
  }
}

/** Bit-for-bit equality of two float arrays (NaN equals NaN, +0 differs from −0). */
function sameBits(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  assert.equal(got.length, want.length, `${what}: lengths`);
  for (let i = 0; i < want.length; i++) assert.ok(Object.is(got[i], want[i]), `${what}[${i}]: ${got[i]} vs ${want[i]}`);
}

/** A random convolution that fits, with batch sizes up to 5 and groups up to 3. */
function randomConv(rng: Random): { xs: number[]; ws: number[]; a: ConvAttrs } {
  for (;;) {
    const groups = 1 + rng.int(3), cg = 1 + rng.int(4), og = 1 + rng.int(4);
    const kh = 1 + rng.int(4), kw = 1 + rng.int(4);
    const ph = rng.int(3), pw = rng.int(3);
    const a: ConvAttrs = {
      stride: [1 + rng.int(3), 1 + rng.int(3)], padding: [ph, ph + rng.int(2), pw, pw + rng.int(2)],
      dilation: [1 + rng.int(2), 1 + rng.int(2)], groups,
    };
    const xs = [1 + rng.int(5), groups * cg, 1 + rng.int(12), 1 + rng.int(12)];
    const ws = [groups * og, cg, kh, kw];
    const oh = Math.floor((xs[2] + a.padding[0] + a.padding[1] - a.dilation[0] * (kh - 1) - 1) / a.stride[0]) + 1;
    const ow = Math.floor((xs[3] + a.padding[2] + a.padding[3] - a.dilation[1] * (kw - 1) - 1) / a.stride[1]) + 1;
    if (oh >= 1 && ow >= 1) return { xs, ws, a };
  }
}

test('the wasm conv2d kernel runs all three prims as the JS reference does (1e-6) on 60 random geometries, bias included; float64 stays on the reference bit for bit', { skip: !HAS_WASM }, () => {
  const rng = new Random(21);
  for (let t = 0; t < 60; t++) {
    const { xs, ws, a } = randomConv(rng);
    const x = rand(xs, rng), w = rand(ws, rng), b = rand([ws[0]], rng);
    const run = (name: string) => on(name, () => {
      const y = apply(CONV2D, [x, w, b], a);
      const gy = rand([...y.shape], new Random(t));
      return {
        y: y.data,
        gx: apply(CONV2D_INPUT_GRAD, [gy, w], { ...a, inputSize: [xs[2], xs[3]] }).data,
        gw: apply(CONV2D_WEIGHT_GRAD, [x, gy], { ...a, kernelSize: [ws[2], ws[3]] }).data,
      };
    });
    const want = run('js'), got = run('wasm');
    const what = `x ${JSON.stringify(xs)} w ${JSON.stringify(ws)} ${JSON.stringify(a)}`;
    close(got.y, want.y, 1e-6, `${what} forward`);
    close(got.gx, want.gx, 1e-6, `${what} input gradient`);
    close(got.gw, want.gw, 1e-6, `${what} weight gradient`);
    // and the reference itself against the direct loops
    const ref = refConv2d(x.data, xs, w.data, ws, { stride: [...a.stride], padding: [...a.padding], dilation: [...a.dilation], groups: a.groups });
    close(got.y, ref.y.map((v, i) => v + b.data[Math.floor(i / (ref.shape[2] * ref.shape[3])) % ws[0]]), 1e-5, `${what} forward vs direct loops`);
    if (t % 6 === 0) {
      const x64 = rand(xs, rng, 'float64'), w64 = rand(ws, rng, 'float64');
      sameBits(on('wasm', () => apply(CONV2D, [x64, w64], a).data), on('js', () => apply(CONV2D, [x64, w64], a).data), `${what} float64`);
    }
  }
});

/** A random stride-1 convolution whose output is as wide as its input (left + right padding = dilation·(kw − 1)), any height padding. */
function randomFlatConv(rng: Random): { xs: number[]; ws: number[]; a: ConvAttrs } {
  for (;;) {
    const groups = 1 + rng.int(2), cg = 1 + rng.int(3), og = 1 + rng.int(3);
    const kh = 1 + rng.int(4), kw = 1 + rng.int(5), dw = 1 + rng.int(3);
    const pl = rng.int(dw * (kw - 1) + 1), ph = rng.int(kh + 2);
    const a: ConvAttrs = {
      stride: [1, 1], padding: [ph, rng.int(kh + 2), pl, dw * (kw - 1) - pl], dilation: [1 + rng.int(2), dw], groups,
    };
    const xs = [1 + rng.int(3), groups * cg, 1 + rng.int(9), 1 + rng.int(15)];
    const ws = [groups * og, cg, kh, kw];
    const oh = xs[2] + a.padding[0] + a.padding[1] - a.dilation[0] * (kh - 1);
    if (oh >= 1) return { xs, ws, a };
  }
}

test("the wasm conv kernel's flat im2col/col2im path (stride 1, output as wide as the input) runs all three prims as the JS reference does (1e-6) on 53 geometries", { skip: !HAS_WASM }, () => {
  const rng = new Random(24);
  // and two whose column matrix is taller than one gemm panel (k = 288 > 256: the forward's im2col + gemm fallback)
  const wide: { xs: number[]; ws: number[]; a: ConvAttrs }[] = [
    { xs: [2, 32, 5, 6], ws: [5, 32, 3, 3], a: { stride: [1, 1], padding: [1, 1, 1, 1], dilation: [1, 1], groups: 1 } },
    { xs: [1, 64, 3, 9], ws: [6, 32, 3, 3], a: { stride: [1, 1], padding: [0, 2, 2, 2], dilation: [1, 2], groups: 2 } },
    // and padding far past the input (the shifted loads reach 8 rows before and after the planes)
    { xs: [1, 2, 2, 40], ws: [3, 2, 9, 3], a: { stride: [1, 1], padding: [8, 8, 1, 1], dilation: [1, 1], groups: 1 } },
  ];
  for (let t = 0; t < 53; t++) {
    const { xs, ws, a } = t < 50 ? randomFlatConv(rng) : wide[t - 50]!;
    const x = rand(xs, rng), w = rand(ws, rng), b = rand([ws[0]], rng);
    const run = (name: string) => on(name, () => {
      const y = apply(CONV2D, [x, w, b], a);
      const gy = rand([...y.shape], new Random(100 + t));
      return {
        y: y.data,
        gx: apply(CONV2D_INPUT_GRAD, [gy, w], { ...a, inputSize: [xs[2], xs[3]] }).data,
        gw: apply(CONV2D_WEIGHT_GRAD, [x, gy], { ...a, kernelSize: [ws[2], ws[3]] }).data,
      };
    });
    const want = run('js'), got = run('wasm');
    const what = `x ${JSON.stringify(xs)} w ${JSON.stringify(ws)} ${JSON.stringify(a)}`;
    assert.equal(got.y.length / (xs[0] * ws[0]) % xs[3], 0, `${what}: output width`);
    close(got.y, want.y, 1e-6, `${what} forward`);
    close(got.gx, want.gx, 1e-6, `${what} input gradient`);
    close(got.gw, want.gw, 1e-6, `${what} weight gradient`);
    const ref = refConv2d(x.data, xs, w.data, ws, { stride: [1, 1], padding: [...a.padding], dilation: [...a.dilation], groups: a.groups });
    assert.equal(ref.shape[3], xs[3], `${what}: output width`);
    close(got.y, ref.y.map((v, i) => v + b.data[Math.floor(i / (ref.shape[2] * ref.shape[3])) % ws[0]]), 1e-5, `${what} forward vs direct loops`);
  }
});

test("the issue's CNN layers on the wasm kernel equal the direct loops (batch 64, 'same' padding)", { skip: !HAS_WASM }, () => {
  const rng = new Random(22);
  for (const [xs, ws] of [[[64, 1, 28, 28], [16, 1, 3, 3]], [[64, 16, 14, 14], [32, 16, 3, 3]]]) {
    const a = { stride: [1, 1], padding: [1, 1, 1, 1], dilation: [1, 1], groups: 1 } as const;
    const x = rand(xs, rng), w = rand(ws, rng);
    const ref = refConv2d(x.data, xs, w.data, ws, { stride: [1, 1], padding: [1, 1, 1, 1], dilation: [1, 1], groups: 1 });
    const gy = rand(ref.shape, rng);
    const { gx, gw } = refConv2dGrads(x.data, xs, w.data, ws, gy.data, { stride: [1, 1], padding: [1, 1, 1, 1], dilation: [1, 1], groups: 1 });
    on('wasm', () => {
      close(apply(CONV2D, [x, w], a).data, ref.y, 1e-5, `${JSON.stringify(xs)} forward`);
      close(apply(CONV2D_INPUT_GRAD, [gy, w], { ...a, inputSize: [xs[2], xs[3]] }).data, gx, 1e-5, `${JSON.stringify(xs)} input gradient`);
      close(apply(CONV2D_WEIGHT_GRAD, [x, gy], { ...a, kernelSize: [3, 3] }).data, gw, 1e-5, `${JSON.stringify(xs)} weight gradient`);
    });
  }
});

test('the direct conv kernels for few column rows (k ≤ 16: forward on any geometry, weight gradient at stride 1 and ow = W) and the gemm past k = 16 equal the JS reference (1e-6) and the direct loops', { skip: !HAS_WASM }, () => {
  const rng = new Random(26);
  const conv = (stride: [number, number], padding: [number, number, number, number], dilation: [number, number], groups: number): ConvAttrs => ({ stride, padding, dilation, groups });
  const cases: { xs: number[]; ws: number[]; a: ConvAttrs }[] = [
    { xs: [3, 1, 28, 28], ws: [16, 1, 3, 3], a: conv([1, 1], [1, 1, 1, 1], [1, 1], 1) }, // the CNN's first layer
    { xs: [2, 1, 7, 9], ws: [5, 1, 3, 3], a: conv([1, 1], [1, 1, 1, 1], [1, 1], 1) }, // 5 channels (a block of 1), 63 positions (tails of 7 and 3)
    { xs: [2, 1, 6, 5], ws: [3, 1, 4, 4], a: conv([1, 1], [1, 2, 1, 2], [1, 1], 1) }, // k = 16, the largest direct one
    { xs: [2, 4, 5, 6], ws: [6, 4, 2, 2], a: conv([1, 1], [0, 1, 0, 1], [1, 1], 1) }, // k = 16 over four channels
    { xs: [2, 1, 5, 17], ws: [2, 1, 1, 17], a: conv([1, 1], [0, 0, 8, 8], [1, 1], 1) }, // k = 17: the gemm again
    { xs: [2, 2, 8, 8], ws: [6, 1, 3, 3], a: conv([1, 1], [2, 2, 2, 2], [2, 2], 2) }, // groups 2, dilation 2
    { xs: [3, 2, 9, 11], ws: [7, 2, 2, 3], a: conv([2, 1], [1, 0, 1, 1], [1, 1], 1) }, // stride 2: direct forward over im2col, gemm weight gradient
    { xs: [1, 3, 10, 10], ws: [3, 1, 2, 2], a: conv([2, 2], [0, 0, 0, 0], [1, 1], 3) }, // avgPool2d's depthwise shape
  ];
  for (const { xs, ws, a } of cases) {
    const x = rand(xs, rng), w = rand(ws, rng), b = rand([ws[0]], rng);
    const run = (name: string) => on(name, () => {
      const y = apply(CONV2D, [x, w, b], a);
      const gy = rand([...y.shape], new Random(7));
      return { y: y.data, gw: apply(CONV2D_WEIGHT_GRAD, [x, gy], { ...a, kernelSize: [ws[2], ws[3]] }).data, gy: gy.data, shape: y.shape };
    });
    const want = run('js'), got = run('wasm');
    const what = `x ${JSON.stringify(xs)} w ${JSON.stringify(ws)} ${JSON.stringify(a)}`;
    close(got.y, want.y, 1e-6, `${what} forward`);
    close(got.gw, want.gw, 1e-6, `${what} weight gradient`);
    const opts: RefConv = { stride: [a.stride[0], a.stride[1]], padding: [a.padding[0], a.padding[1], a.padding[2], a.padding[3]], dilation: [a.dilation[0], a.dilation[1]], groups: a.groups };
    const ref = refConv2d(x.data, xs, w.data, ws, opts);
    close(got.y, ref.y.map((v, i) => v + b.data[Math.floor(i / (ref.shape[2] * ref.shape[3])) % ws[0]]), 1e-5, `${what} forward vs direct loops`);
    close(got.gw, refConv2dGrads(x.data, xs, w.data, ws, got.gy, opts).gw, 1e-5, `${what} weight gradient vs direct loops`);
    // and without a bias
    close(on('wasm', () => apply(CONV2D, [x, w], a).data), ref.y, 1e-6, `${what} forward without bias`);
  }
});

/** Random values with NaN, ±∞, ±0 and ties sprinkled in. */
function nasty(shape: number[], rng: Random): Tensor {
  const t = rand(shape, rng);
  const specials = [NaN, Infinity, -Infinity, 0, -0, 0.5, 0.5];
  for (let i = 0; i < t.size; i++) if (rng.int(6) === 0) t.data[i] = specials[rng.int(specials.length)];
  return t;
}

test('the wasm maxPool2d kernel (forward, gradient, and the 2×2 stride-2 SIMD path) equals pool.ts\'s argmaxes bit for bit, NaN, ±∞, ties and −0 included', { skip: !HAS_WASM }, () => {
  const rng = new Random(23);
  const cases: [number[], PoolAttrs][] = [
    // the SIMD path: even and odd sizes, widths whose window count is and is not a multiple of 4
    [[2, 3, 28, 28], { kernel: [2, 2], stride: [2, 2], padding: [0, 0] }],
    [[3, 2, 9, 13], { kernel: [2, 2], stride: [2, 2], padding: [0, 0] }],
    [[1, 4, 8, 18], { kernel: [2, 2], stride: [2, 2], padding: [0, 0] }],
    [[2, 2, 5, 3], { kernel: [2, 2], stride: [2, 2], padding: [0, 0] }],
    // rows of 5–7 windows: the last ones redone by a group of four that overlaps the one before
    [[2, 3, 14, 14], { kernel: [2, 2], stride: [2, 2], padding: [0, 0] }],
    [[1, 2, 7, 11], { kernel: [2, 2], stride: [2, 2], padding: [0, 0] }],
    [[1, 2, 4, 15], { kernel: [2, 2], stride: [2, 2], padding: [0, 0] }],
  ];
  for (let t = 0; t < 30; t++) {
    const kh = 1 + rng.int(3), kw = 1 + rng.int(3);
    const a: PoolAttrs = { kernel: [kh, kw], stride: [1 + rng.int(3), 1 + rng.int(3)], padding: [rng.int(Math.floor(kh / 2) + 1), rng.int(Math.floor(kw / 2) + 1)] };
    const xs = [1 + rng.int(3), 1 + rng.int(3), kh + rng.int(9), kw + rng.int(9)];
    cases.push([xs, a]);
  }
  for (const [xs, a] of cases) {
    const x = nasty(xs, rng), v = nasty(xs, rng);
    const what = `${JSON.stringify(xs)} ${JSON.stringify(a)}`;
    const fwd = (name: string) => on(name, () => ({ self: apply(MAXPOOL2D, [x, x], a).data, other: apply(MAXPOOL2D, [x, v], a).data }));
    const want = fwd('js'), got = fwd('wasm');
    sameBits(got.self, want.self, `${what} maxPool2d(x, x)`);
    sameBits(got.other, want.other, `${what} maxPool2d(x, v)`);
    const g = nasty([...on("js", () => apply(MAXPOOL2D, [x, x], a)).shape], rng);
    sameBits(on('wasm', () => apply(MAXPOOL2D_GRAD, [x, g], a).data), on('js', () => apply(MAXPOOL2D_GRAD, [x, g], a).data), `${what} maxPool2dGrad`);
  }
  // the public op end to end: the gradient lands on each window's first maximum
  const t = new Tensor(new Float32Array([1, 5, 5, 2, 0, 0, 0, 0, 3, 3, 3, 3, 9, 9, 9, 9]), [1, 1, 2, 8], true);
  const y = on('wasm', () => ops.maxPool2d(t, 2));
  assert.deepEqual(Array.from(y.data), [5, 5, 9, 9]);
  on('wasm', () => y.sum().backward());
  assert.deepEqual(Array.from(t.grad!.data), [0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0]);
});

test('the wasm relu and relu′ kernels equal the generated loops bit for bit (NaN → 0, −0 → +0, odd lengths)', { skip: !HAS_WASM }, () => {
  const rng = new Random(24);
  for (const n of [257, 1000, 4099]) {
    const x = nasty([n], rng), g = nasty([n], rng);
    sameBits(on('wasm', () => apply(RELU, [x], undefined).data), on('js', () => apply(RELU, [x], undefined).data), `relu ${n}`);
    sameBits(on('wasm', () => apply(RELU_D, [g, x], undefined).data), on('js', () => apply(RELU_D, [g, x], undefined).data), `relu′ ${n}`);
  }
});

test('the wasm sum over contiguous runs (a conv bias gradient: axes 0, 2, 3) equals the JS reduce bit for bit', { skip: !HAS_WASM }, () => {
  const rng = new Random(25);
  for (const shape of [[64, 16, 28, 28], [3, 5, 7, 9], [2, 3, 1, 300]]) {
    const x = nasty(shape, rng);
    for (const axes of [[0, 2, 3], [2, 3], [3]]) {
      sameBits(on('wasm', () => ops.sum(x, axes).data), on('js', () => ops.sum(x, axes).data), `sum ${JSON.stringify(shape)} over ${JSON.stringify(axes)}`);
    }
  }
  // finite values too (NaN would hide a difference in the order of the adds)
  const y = rand([5, 7, 333], rng);
  sameBits(on('wasm', () => ops.sum(y, [2]).data), on('js', () => ops.sum(y, [2]).data), 'sum of finite values');
});
