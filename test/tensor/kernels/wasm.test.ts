/**
 * The WebAssembly backend against the plain-TS reference: gemm in all four transpositions over
 * tiny, odd and block-crossing sizes for each build (simd, relaxed), the fused element-wise kernels
 * and Adam, wasm memory management (growth, views, free), float64 delegation, and the engine's
 * matmul/linear ops, their gradients and a training step giving the same numbers as on 'js'.
 */
import { ADAM_DEFAULTS, adamInit, adamUpdate, adamwUpdate } from '../../../src/optim/adam.js';
import { EXP, LOG, SIGMOID, TANH } from '../../../src/ops/elementwise.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import {
  Dense, Random, Sequential, ShapeError, ValueError, backend, backward, linear, matmul, mse, registerBackend, setBackend,
  supportedWasmVariants, tensor, wasmKernels, loadWasmKernels, type Tensor,
} from '../../../src/index.js';
import { jsBackend } from '../../../src/tensor/kernels/js.js';
import { createWasmBackend, type WasmKernels } from '../../../src/tensor/kernels/wasm.js';
import { RELU_D, SIGMOID_D, TANH_D } from '../../../src/ops/elementwise.js';
import { applyActivation, sum, tensor as makeTensor } from '../../../src/index.js';

// The references are the engine's own ops (the formulas are written once, in src/ops): the fused
// wasm kernels must compute what the ops compute.
function referenceBiasActivation(x: ArrayLike<number>, bias: ArrayLike<number> | null, out: Float32Array | Float64Array, rows: number, cols: number, act: KernelActivation, alpha: number): void {
  const z = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) z[i * cols + j] = x[i * cols + j] + (bias ? bias[j] : 0);
  out.set(applyActivation(act, makeTensor(z, { shape: [rows, cols] }), alpha).data);
}
function referenceActivationBackward(y: ArrayLike<number>, gy: ArrayLike<number>, out: Float64Array, act: KernelActivation, alpha: number): void {
  // d/dz from the output y: the derivative helpers of the ops (leakyRelu = relu − α·relu(−z)).
  const d: Record<KernelActivation, (g: number, v: number) => number> = {
    linear: (g) => g, relu: RELU_D.scalar!, sigmoid: SIGMOID_D.scalar!, tanh: TANH_D.scalar!,
    leakyRelu: (g, v) => (v > 0 ? RELU_D.scalar!(g, v) : alpha * RELU_D.scalar!(g, -v)),
  };
  for (let i = 0; i < out.length; i++) out[i] = d[act](gy[i], y[i]);
}
function referenceSumRows(x: Float64Array, out: Float64Array, rows: number, cols: number): void {
  out.set(sum(makeTensor(x, { shape: [rows, cols] }), 0).data);
}
import type { KernelActivation } from '../../../src/tensor/kernels/backend.js';

// Node 20 ships relaxed SIMD behind a flag (Node ≥ 22 has it on): turn it on so both builds are
// tested here. The auto-loaded backend was chosen at import, before this line.
setFlagsFromString('--experimental-wasm-relaxed-simd');
const variants = supportedWasmVariants();

test('this runtime validates both builds (relaxed SIMD enabled for the test)', () => {
  assert.deepEqual(variants, ['relaxed', 'simd']);
});

const builds = new Map<string, WasmKernels>();
for (const v of variants) builds.set(v, loadWasmKernels(v)!);

function randomArray(n: number, rng: Random, Arr: Float32ArrayConstructor | Float64ArrayConstructor = Float32Array): Float32Array | Float64Array {
  const a = new Arr(n);
  for (let i = 0; i < n; i++) a[i] = rng.range(-1, 1);
  return a;
}

/**
 * The reference product in float64 (the JS backend on float64 copies) and, per element, Σ|a||b|,
 * which bounds float32 rounding error: |error| ≤ (k + 1)·2⁻²⁴·Σ|a||b| for any summation order, FMA
 * or not.
 */
function reference(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number, ta: boolean, tb: boolean): { want: Float64Array; bound: Float64Array } {
  const want = new Float64Array(m * n), bound = new Float64Array(m * n);
  jsBackend.matmul(Float64Array.from(a), Float64Array.from(b), want, m, k, n, ta, tb);
  jsBackend.matmul(Float64Array.from(a, Math.abs), Float64Array.from(b, Math.abs), bound, m, k, n, ta, tb);
  for (let i = 0; i < bound.length; i++) bound[i] = (k + 1) * 2 ** -24 * bound[i] + 1e-30;
  return { want, bound };
}

function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, bound: ArrayLike<number> | number, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const tol = typeof bound === 'number' ? bound : bound[i];
    if (!(Math.abs(got[i] - want[i]) <= tol)) assert.fail(`${what}: element ${i} is ${got[i]}, want ${want[i]} (±${tol})`);
  }
}

const transposes = [[false, false], [true, false], [false, true], [true, true]] as const;
const label = (ta: boolean, tb: boolean): string => `${ta ? 'T' : 'N'}${tb ? 'T' : 'N'}`;

// Tiny, odd, around the 6×8 (relaxed) and 4×8 (plain) tiles, and across the KC = 256 and
// MC = 120 (relaxed) / 128 (plain) blocking; k below, at and past the packing's four-column step.
const shapes: [number, number, number][] = [
  [1, 1, 1], [1, 7, 1], [3, 5, 7], [4, 8, 4], [4, 1, 8], [5, 9, 3], [8, 16, 8], [2, 3, 33],
  [17, 33, 65], [31, 2, 9], [64, 64, 64], [129, 37, 130], [33, 257, 17], [130, 300, 41], [7, 520, 13],
  [6, 8, 8], [6, 3, 8], [6, 4, 16], [7, 5, 9], [11, 6, 7], [12, 16, 16], [13, 7, 25], [121, 20, 9],
  [241, 261, 17], [64, 784, 130], [130, 64, 10],
];

for (const [variant, kernels] of builds) {
  test(`${variant}: gemm on wasm arrays matches the float64 reference, every transposition and size`, () => {
    const rng = new Random(11);
    for (const [m, k, n] of shapes) {
      for (const [ta, tb] of transposes) {
        const a = kernels.alloc(m * k), b = kernels.alloc(k * n), c = kernels.alloc(m * n);
        a.data.set(randomArray(m * k, rng));
        b.data.set(randomArray(k * n, rng));
        c.data.fill(123); // stale output must be overwritten
        kernels.gemm(a, b, c, m, k, n, ta, tb);
        const { want, bound } = reference(a.data, b.data, m, k, n, ta, tb);
        assertClose(c.data, want, bound, `${variant} ${label(ta, tb)} ${m}×${k}×${n}`);
        // accumulate: c += a·b
        kernels.gemm(a, b, c, m, k, n, ta, tb, true);
        assertClose(c.data, want.map((v) => 2 * v), bound.map((v) => 3 * v), `${variant} ${label(ta, tb)} ${m}×${k}×${n} accumulate`);
        c.free(); b.free(); a.free();
      }
    }
  });

  test(`${variant}: gemmBias equals gemm then c[i, j] += bias[j] bit for bit, every transposition, size and k = 0; Backend.linear likewise`, () => {
    const rng = new Random(17);
    for (const [m, k, n] of [...shapes, [3, 0, 5], [64, 784, 128], [64, 128, 10]] as [number, number, number][]) {
      for (const [ta, tb] of transposes) {
        for (const acc of [false, true]) {
          const a = kernels.alloc(m * k), b = kernels.alloc(k * n), bias = kernels.alloc(n), c = kernels.alloc(m * n), want = kernels.alloc(m * n);
          a.data.set(randomArray(m * k, rng));
          b.data.set(randomArray(k * n, rng));
          bias.data.set(randomArray(n, rng));
          if (n > 1) bias.data[1] = -0;
          const start = randomArray(m * n, rng);
          c.data.set(start); want.data.set(start);
          kernels.gemm(a, b, want, m, k, n, ta, tb, acc);
          for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) want.data[i * n + j] += bias.data[j];
          kernels.gemmBias(a, b, bias, c, m, k, n, ta, tb, acc);
          for (let i = 0; i < m * n; i++) {
            if (!Object.is(c.data[i], want.data[i])) assert.fail(`${variant} gemmBias ${label(ta, tb)} ${m}×${k}×${n}${acc ? ' accumulate' : ''}: element ${i} is ${c.data[i]}, want ${want.data[i]}`);
          }
          want.free(); c.free(); bias.free(); b.free(); a.free();
        }
      }
    }
    // Backend.linear (x·wᵀ + b) on JS arrays: the same bits as its matmul then the bias loop.
    const be = createWasmBackend(kernels, { name: 'x', matmulMinWork: 0 });
    for (const [m, k, n] of [[1, 1, 1], [7, 13, 9], [64, 784, 128], [13, 300, 17]]) {
      const x = Float32Array.from(randomArray(m * k, rng)), w = Float32Array.from(randomArray(n * k, rng)), bias = Float32Array.from(randomArray(n, rng));
      const want = new Float32Array(m * n), got = new Float32Array(m * n).fill(5);
      be.matmul(x, w, want, m, k, n, false, true);
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) want[i * n + j] += bias[j];
      assert.equal(be.linear!(x, w, bias, got, m, k, n), true);
      for (let i = 0; i < m * n; i++) if (!Object.is(got[i], want[i])) assert.fail(`${variant} Backend.linear ${m}×${k}×${n}: element ${i} is ${got[i]}, want ${want[i]}`);
    }
  });

  test(`${variant}: gemm on subarrays at odd offsets, k = 0, and IEEE NaN/∞ propagation`, () => {
    const rng = new Random(3);
    const pool = kernels.alloc(4000);
    pool.data.set(randomArray(4000, rng));
    // Unaligned starts (offsets of 1 and 3 floats) exercise unaligned SIMD loads and stores.
    const a = pool.subarray(1, 1 + 9 * 13), b = pool.subarray(1001, 1001 + 13 * 11), c = pool.subarray(3003, 3003 + 99);
    const before = pool.data.slice();
    kernels.gemm(a, b, c, 9, 13, 11, false, true);
    const { want, bound } = reference(a.data, b.data, 9, 13, 11, false, true);
    assertClose(c.data, want, bound, `${variant} subarrays`);
    const after = pool.data;
    for (let i = 0; i < 4000; i++) if (i < 3003 || i >= 3102) assert.equal(after[i], before[i], `element ${i} outside c was written`);
    const z = kernels.alloc(6).subarray(0);
    z.data.fill(5);
    kernels.gemm(kernels.alloc(0), kernels.alloc(0), z, 2, 0, 3);
    assert.deepEqual([...z.data], [0, 0, 0, 0, 0, 0]);
    for (const k of [1, 3, 4, 5, 9, 300]) {
      const x = kernels.alloc(k), y = kernels.alloc(k * 9), out = kernels.alloc(9);
      y.data.fill(1);
      y.data[(k - 1) * 9 + 4] = Infinity; // 0·∞ in column 4 only
      kernels.gemm(x, y, out, 1, k, 9);
      assert.ok(Number.isNaN(out.data[4]), `k=${k}: 0·∞ gave ${out.data[4]}`);
      assert.equal(out.data[3], 0);
    }
    pool.free();
  });

  test(`${variant}: Backend.matmul copies JS float32 arrays in and out; float64 goes to the JS backend`, () => {
    const be = createWasmBackend(kernels, { name: `wasm-${variant}-all`, matmulMinWork: 0 });
    const rng = new Random(5);
    for (const [m, k, n] of [[1, 1, 1], [3, 5, 7], [17, 33, 65], [70, 90, 33]]) {
      for (const [ta, tb] of transposes) {
        const a32 = randomArray(m * k + 3, rng).subarray(3) as Float32Array; // a view with an offset
        const b32 = randomArray(k * n, rng) as Float32Array;
        const out = new Float32Array(m * n).fill(9);
        be.matmul(a32, b32, out, m, k, n, ta, tb);
        const { want, bound } = reference(a32, b32, m, k, n, ta, tb);
        assertClose(out, want, bound, `${variant} Backend.matmul ${label(ta, tb)} ${m}×${k}×${n}`);
        // float64: exactly the JS backend's numbers
        const a64 = Float64Array.from(a32), b64 = Float64Array.from(b32);
        const o64 = new Float64Array(m * n), r64 = new Float64Array(m * n);
        be.matmul(a64, b64, o64, m, k, n, ta, tb);
        jsBackend.matmul(a64, b64, r64, m, k, n, ta, tb);
        assert.deepEqual(o64, r64);
      }
    }
  });

  const activations: KernelActivation[] = ['linear', 'relu', 'leakyRelu', 'sigmoid', 'tanh'];

  test(`${variant}: biasActivation and activationBackward match the engine's ops`, () => {
    const rng = new Random(9);
    const be = createWasmBackend(kernels, { name: 'x', elementwiseMin: 0 });
    for (const [rows, cols] of [[1, 1], [3, 5], [4, 8], [7, 13], [64, 130]]) {
      for (const act of activations) {
        const n = rows * cols;
        const x = randomArray(n, rng) as Float32Array;
        for (let i = 0; i < n; i += 7) x[i] *= 40; // saturating inputs
        if (n > 3) x[3] = 1e-5; // tanh's small-argument branch
        const bias = randomArray(cols, rng) as Float32Array;
        for (const withBias of [true, false]) {
          const want = new Float64Array(n);
          referenceBiasActivation(Float64Array.from(x), withBias ? Float64Array.from(bias) : null, want, rows, cols, act, 0.1);
          const tol = (i: number): number => 4e-7 * Math.abs(want[i]) + 1e-7 * (Math.abs(x[i]) + 1);
          const wx = kernels.alloc(n), wb = kernels.alloc(cols);
          wx.data.set(x);
          wb.data.set(bias);
          kernels.biasActivation(wx, withBias ? wb : null, wx, rows, cols, act, 0.1); // in place
          assertClose(wx.data, want, Array.from(want, (_, i) => tol(i)), `${variant} biasActivation ${act} ${rows}×${cols} bias=${withBias}`);
          wx.free(); wb.free();
        }
        // backward from the activation's output
        const y = new Float32Array(n);
        referenceBiasActivation(x, null, y, rows, cols, act, 0.1);
        const gy = randomArray(n, rng) as Float32Array;
        const want = new Float64Array(n);
        referenceActivationBackward(Float64Array.from(y), Float64Array.from(gy), want, act, 0.1);
        const wy = kernels.alloc(n), wg = kernels.alloc(n);
        wy.data.set(y);
        wg.data.set(gy);
        kernels.activationBackward(wy, wg, wg, act, 0.1);
        assertClose(wg.data, want, 1e-6, `${variant} activationBackward ${act} ${rows}×${cols}`);
        wy.free(); wg.free();
      }
    }
  });

  test(`${variant}: relu and leakyRelu map NaN to 0 like the engine; sigmoid and tanh saturate cleanly`, () => {
    const x = kernels.alloc(8);
    const inputs = [NaN, -0, 0, -1e30, 1e30, -100, 100, 3];
    for (const act of ['relu', 'leakyRelu', 'sigmoid', 'tanh'] as const) {
      x.data.set(inputs);
      kernels.biasActivation(x, null, x, 1, 8, act, 0.5);
      const want = new Float64Array(8);
      referenceBiasActivation(Float64Array.from(inputs), null, want, 1, 8, act, 0.5);
      for (let i = 0; i < 8; i++) {
        if (Number.isNaN(want[i])) assert.ok(Number.isNaN(x.data[i]), `${act}(${inputs[i]})`);
        else assert.ok(Math.abs(x.data[i] - want[i]) <= 1e-6 * Math.max(1, Math.abs(want[i])), `${act}(${inputs[i]}) = ${x.data[i]}, want ${want[i]}`);
      }
    }
    x.free();
  });

  test(`${variant}: unary exp, log, tanh and sigmoid are within 2 ulp of the JS maps, special values exact`, () => {
    const be = createWasmBackend(kernels, { name: 'x', elementwiseMin: 0 });
    const specials = [NaN, Infinity, -Infinity, 0, -0, -1, 1e-45, 1e-40, 1e-30, 3.4e38, 88.7, 88.73, -87.5, -103.9, -120, 1, 0.5];
    const ranges = { exp: [-110, 90], log: [0, 1e6], tanh: [-12, 12], sigmoid: [-40, 40] } as const;
    for (const kind of ['exp', 'log', 'tanh', 'sigmoid'] as const) {
      const n = 4099; // a scalar tail too
      const xs = new Float32Array(n);
      const [lo, hi] = ranges[kind];
      for (let i = 0; i < n; i++) xs[i] = kind === 'log' ? 2 ** (-149 + 277 * (i / n)) : lo + ((hi - lo) * i) / n;
      xs.set(specials);
      const want = new Float32Array(n);
      const f = { exp: EXP, log: LOG, tanh: TANH, sigmoid: SIGMOID }[kind].scalar!;
      for (let i = 0; i < n; i++) want[i] = f(xs[i]);
      const wx = kernels.alloc(n), wy = kernels.alloc(n);
      wx.data.set(xs);
      kernels.unary(kind, wx, wy);
      const got = new Float32Array(n);
      be.unary!(kind, xs, got);
      for (const [what, out] of [['WasmKernels.unary', wy.data], ['Backend.unary', got]] as const) {
        for (let i = 0; i < n; i++) {
          const w = want[i], g = out[i];
          if (Number.isNaN(w)) { assert.ok(Number.isNaN(g), `${what} ${kind}(${xs[i]}) = ${g}, want NaN`); continue; }
          if (g === w) continue; // ±∞ and exact values
          // 2 ulp of a normal result, or 2 steps of the smallest subnormal.
          const tol = Math.max(2 ** -22 * Math.abs(w), 3e-45);
          if (!(Math.abs(g - w) <= tol)) assert.fail(`${variant} ${what} ${kind}(${xs[i]}) = ${g}, want ${w}`);
        }
      }
      wx.free(); wy.free();
    }
    // float64 is declined (false, output untouched): the op's own loop computes it.
    const x64 = Float64Array.from([0.5, -2, 3]), o64 = new Float64Array(3);
    assert.equal(be.unary!('exp', x64, o64), false);
    assert.deepEqual([...o64], [0, 0, 0]);
    assert.throws(() => kernels.unary('cbrt' as never, kernels.alloc(1), kernels.alloc(1)), /unary: unknown kind 'cbrt'/);
  });

  test(`${variant}: sumRows and Adam match the reference`, () => {
    const rng = new Random(13);
    const be = createWasmBackend(kernels, { name: 'x', elementwiseMin: 0 });
    for (const [rows, cols] of [[1, 1], [5, 3], [4, 8], [9, 13], [64, 129]]) {
      const x = randomArray(rows * cols, rng) as Float32Array;
      const want = new Float64Array(cols);
      referenceSumRows(Float64Array.from(x), want, rows, cols);
      const wx = kernels.alloc(rows * cols), wo = kernels.alloc(cols);
      wx.data.set(x);
      wo.data.fill(7);
      kernels.sumRows(wx, wo, rows, cols);
      assertClose(wo.data, want, rows * 2e-7, `${variant} sumRows ${rows}×${cols}`);
      kernels.sumRows(wx, wo, rows, cols, true);
      assertClose(wo.data, want.map((v) => 2 * v), rows * 4e-7, `${variant} sumRows accumulate`);
      wx.free(); wo.free();
    }
    for (const n of [1, 3, 4, 7, 1000]) {
      for (const opts of [{}, { weightDecay: 0.1 }, { weightDecay: 0.1, decoupled: true }]) {
        const p = kernels.alloc(n), g = kernels.alloc(n), m = kernels.alloc(n), v = kernels.alloc(n);
        p.data.set(randomArray(n, rng));
        const rp = Float64Array.from(p.data);
        const rs = adamInit(rp);
        const rm = rs.expAvg, rv = rs.expAvgSq;
        const bp = Float32Array.from(p.data), bm = new Float32Array(n), bv = new Float32Array(n);
        for (let t = 1; t <= 5; t++) {
          g.data.set(randomArray(n, rng));
          const step = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, step: t, ...opts };
          kernels.adamUpdate(p, g, m, v, step);
          // The reference is the optimizer's own rule (float64 arrays: the JS loop).
          const { weightDecay = 0, decoupled = false } = opts as { weightDecay?: number; decoupled?: boolean };
          (decoupled ? adamwUpdate : adamUpdate)(rp, Float64Array.from(g.data), rs, { ...ADAM_DEFAULTS, lr: 0.01, weightDecay });
          rs.step = t;
          be.adamUpdate!(bp, Float32Array.from(g.data), bm, bv, step);
          assertClose(bp, p.data, 0, `${variant} Backend.adamUpdate = WasmKernels.adamUpdate`);
          // Adam's step is ≈ lr per element whatever the gradient scale: compare at 1e-5 of lr.
          assertClose(p.data, rp, 1e-6, `${variant} adam n=${n} t=${t} ${JSON.stringify(opts)}`);
          assertClose(m.data, rm, 1e-6, `${variant} adam m`);
          assertClose(v.data, rv, 1e-6, `${variant} adam v`);
        }
        p.free(); g.free(); m.free(); v.free();
      }
    }
  });
}

test('wasm memory: arrays survive growth, views are refreshed, freed space is reused, misuse is an error', () => {
  // A memory of its own (not shared): the case whose views detach on growth (shared memory: test/compile/resident.test.ts).
  const kernels = loadWasmKernels('simd', { shared: false })!;
  const a = kernels.alloc(10);
  a.data.set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  const oldView = a.data;
  const before = kernels.memoryBytes;
  const big = kernels.alloc(4 * 1024 * 1024); // 16 MiB: forces memory.grow
  assert.ok(kernels.memoryBytes > before);
  assert.equal(oldView.length, 0, 'growth detaches old views (why `data` must be re-read)');
  assert.deepEqual([...a.data], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  const end = big.byteOffset;
  big.free();
  const again = kernels.alloc(1000);
  assert.equal(again.byteOffset, end, 'freed space is reused');
  assert.ok(again.data.every((v) => v === 0), 'alloc returns zeroed memory');
  assert.throws(() => big.data, ValueError);
  assert.throws(() => big.subarray(0, 1).data, ValueError);
  assert.throws(() => a.subarray(5, 11), ValueError);
  assert.throws(() => kernels.gemm(a, a, a, 4, 4, 4), (e: Error) => e instanceof ShapeError && /gemm: a has 10 elements, the shapes need 16/.test(e.message));
  const sq = kernels.alloc(8);
  assert.throws(() => kernels.gemm(sq.subarray(0, 4), sq.subarray(4), sq.subarray(2, 6), 2, 2, 2), /gemm: c overlaps a in wasm memory/);
  assert.throws(() => kernels.biasActivation(a, null, a, 2, 5, 'swish' as KernelActivation), /biasActivation: unknown activation 'swish'/);
  assert.throws(() => kernels.adamUpdate(a, a, a, a, { lr: 1, beta1: 0.9, beta2: 0.9, eps: 1, step: 0 }), /step must be the step number/);
  assert.throws(() => kernels.adamUpdate(a, a, a, a, { lr: 1, beta1: 0.9, beta2: 0.9, eps: 1, step: 1, amsgrad: true } as never), /unknown option 'amsgrad'/);
  // The Backend path reuses one scratch region: repeated calls of one size do not grow memory.
  const be = createWasmBackend(kernels, { matmulMinWork: 0 });
  const x = new Float32Array(300 * 300).fill(1), out = new Float32Array(300 * 300);
  be.matmul(x, x, out, 300, 300, 300, false, false);
  const settled = kernels.memoryBytes;
  for (let i = 0; i < 5; i++) be.matmul(x, x, out, 300, 300, 300, i % 2 === 0, true);
  assert.equal(kernels.memoryBytes, settled);
  assert.equal(out[0], 300);
  // Views of wasm memory handed to Backend methods survive the growth those calls cause.
  const fresh = loadWasmKernels('simd', { shared: false })!;
  const viaViews = createWasmBackend(fresh, { matmulMinWork: 0, elementwiseMin: 0 });
  const wa = fresh.alloc(200 * 200), wo = fresh.alloc(200 * 200);
  wa.data.fill(0.5);
  const grownFrom = fresh.memoryBytes;
  viaViews.matmul(wa.data, wa.data, wo.data, 200, 200, 200, false, false); // scratch + workspace grow memory
  assert.ok(fresh.memoryBytes > grownFrom);
  assert.equal(wo.data[0], 50);
  assert.equal(wo.data[200 * 200 - 1], 50);
  assert.ok(viaViews.unary!('sigmoid', wo.data, wo.data));
  assert.ok(Math.abs(wo.data[7] - 1 / (1 + Math.exp(-50))) < 1e-7);
  assert.throws(() => viaViews.matmul(new Float32Array(3), new Float32Array(4), new Float32Array(4), 2, 2, 2, false, false), /matmul: a has 3 elements, the sizes given need 4/);
});

// ---- selection and the engine on top ---------------------------------------------------------

test('the wasm backend is active after import, setBackend switches both ways, an explicit choice sticks', () => {
  assert.equal(backend().name, 'wasm');
  assert.ok(wasmKernels() !== null);
  assert.equal((backend() as { kernels?: unknown }).kernels, wasmKernels(), 'the backend exposes the kernels it computes with');
  assert.equal(setBackend('js'), 'wasm');
  assert.equal(backend().name, 'js');
  // A backend registered as preferred after an explicit choice does not take over.
  registerBackend(createWasmBackend(wasmKernels()!, { name: 'wasm-late' }), { preferred: true });
  assert.equal(backend().name, 'js');
  assert.equal(setBackend('wasm'), 'js');
  assert.throws(() => registerBackend(jsBackend, { prefered: true } as never), /unknown option 'prefered'/);
});

/** Imports the library in a fresh Node with the given flags and reports the backend it picked. */
function pickedIn(flags: string[]): string {
  const entry = new URL('../../../src/index.js', import.meta.url).href;
  const fromSource = import.meta.url.endsWith('.ts'); // under tsx; `npm test` runs the compiled .js
  const script = `const m = await import(${JSON.stringify(entry)}); console.log(m.backend().name + ' ' + (m.wasmKernels()?.variant ?? '-'));`;
  const r = spawnSync(process.execPath, [...flags, ...(fromSource ? ['--import', 'tsx'] : []), '--input-type=module', '-e', script], {
    encoding: 'utf8', cwd: fileURLToPath(new URL('../../../', import.meta.url)),
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

test('auto-selection in a fresh process: relaxed where validated, else simd; js without WebAssembly', () => {
  const relaxedByDefault = Number(process.versions.node.split('.')[0]) >= 22;
  assert.equal(pickedIn([]), relaxedByDefault ? 'wasm relaxed' : 'wasm simd');
  assert.equal(pickedIn(['--experimental-wasm-relaxed-simd']), 'wasm relaxed');
  // --jitless removes WebAssembly altogether: the plain-TS backend must carry on alone.
  assert.equal(pickedIn(['--jitless']), 'js -');
});

function params(model: Sequential): Tensor[] {
  return model.parameters();
}

test('engine ops under wasm give the js numbers: matmul, linear and their gradients, a Dense network step', () => {
  const all = createWasmBackend(wasmKernels()!, { name: 'wasm-every-size', matmulMinWork: 0 });
  registerBackend(all);
  const run = (name: string): number[][] => {
    const prev = setBackend(name);
    try {
      const rng = new Random(21);
      const a = tensor(Array.from({ length: 6 }, () => Array.from({ length: 5 }, () => rng.range(-1, 1))), { requiresGrad: true });
      const b = tensor(Array.from({ length: 5 }, () => Array.from({ length: 7 }, () => rng.range(-1, 1))), { requiresGrad: true });
      const w = tensor(Array.from({ length: 3 }, () => Array.from({ length: 7 }, () => rng.range(-1, 1))), { requiresGrad: true });
      const bias = tensor([0.1, -0.2, 0.3], { requiresGrad: true });
      const h = linear(matmul(a, b).tanh(), w, bias);
      backward(h.mul(h).sum());
      const model = new Sequential(new Dense(7, 16, { seed: 1, activation: 'relu' }), new Dense(16, 3, { seed: 2, activation: 'sigmoid' }));
      const x = tensor(Array.from({ length: 10 }, () => Array.from({ length: 7 }, () => rng.range(-1, 1))));
      const y = tensor(Array.from({ length: 10 }, () => [rng.range(0, 1), rng.range(0, 1), rng.range(0, 1)]));
      const loss = mse(model.forward(x), y);
      backward(loss);
      return [[...h.data], [...a.grad!.data], [...b.grad!.data], [...w.grad!.data], [...bias.grad!.data], [loss.item()], ...params(model).map((p) => [...p.grad!.data])];
    } finally {
      setBackend(prev);
    }
  };
  const js = run('js');
  const wasm = run('wasm-every-size');
  assert.equal(js.length, wasm.length);
  for (let i = 0; i < js.length; i++) assertClose(wasm[i], js[i], 2e-5, `result ${i}`);
});

test("the engine's own op and autograd test files pass with every product and element-wise call on wasm", () => {
  // Each file runs in a fresh process whose preload swaps in a wasm backend with no size
  // thresholds, so even 1×1 products take the wasm path.
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const lib = (path: string): string => new URL(`../../../src/${path}${ext}`, import.meta.url).href;
  const preload = `data:text/javascript,${encodeURIComponent(`
    const m = await import(${JSON.stringify(lib('index'))});
    const w = await import(${JSON.stringify(lib('tensor/kernels/wasm'))});
    m.registerBackend(w.createWasmBackend(w.wasmKernels(), { matmulMinWork: 0, elementwiseMin: 0 }), { preferred: true });
    if (m.backend().kernels !== w.wasmKernels()) throw new Error('wasm backend not active');`)}`;
  const files = ['ops', 'autograd'].flatMap((dir) => {
    const url = new URL(`../../${dir}/`, import.meta.url);
    return readdirSync(url).filter((f) => f.endsWith(`.test${ext}`)).map((f) => fileURLToPath(new URL(f, url)));
  });
  assert.ok(files.length >= 3, `found ${files.length} engine test files`);
  // Without NODE_TEST_CONTEXT the child reports in plain TAP instead of to this runner.
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  const r = spawnSync(process.execPath, [...(ext === '.ts' ? ['--import', 'tsx'] : []), '--import', preload, '--test', '--test-reporter=tap', ...files], {
    encoding: 'utf8', cwd: fileURLToPath(new URL('../../../', import.meta.url)), env,
  });
  const summary = (r.stdout.match(/^# (pass|fail) \d+$/gm) ?? []).join(', ');
  assert.equal(r.status, 0, `engine tests under wasm failed (${summary}):\n${r.stdout.split('\n').filter((l) => /^not ok|error/.test(l)).join('\n')}${r.stderr}`);
  assert.match(summary, /# fail 0/);
});
