/**
 * The wasm conv2d, maxPool2d, relu′ and bias-sum hooks on operands that live in the kernels' shared
 * memory (a compiled step's resident buffers): used in place, they must give the bits the same
 * kernels give on ordinary JS arrays (copied in and out). Also the fallbacks: a resident input of a
 * stride-1 convolution whose shifted reads would leave the memory is copied (no trap), and a
 * resident output overlapping an operand goes through scratch (never written while read).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Conv2d, Dense, Flatten, MaxPool2d, Random, ReLU, Sequential, backend, crossEntropy, jit, loadWasmKernels, optim, registerBackend, setBackend, tensor, wasmKernels,
  type Tensor,
} from '../../src/index.js';
import { createWasmBackend } from '../../src/tensor/kernels/wasm.js';
import type { ConvGeometry, ConvKind, PoolGeometry } from '../../src/tensor/kernels/backend.js';

const kernels = wasmKernels();
const skip = kernels !== null && kernels.shared ? false : 'needs the wasm backend on shared memory';

// Two backends with the same size thresholds (the active 'wasm' may have others: the engine tests
// also run under a preload without any): one on the shared memory, one copying every operand.
const copying = loadWasmKernels('auto', { shared: false });
if (copying) registerBackend(createWasmBackend(copying, { name: 'wasm-copying-conv' }));
if (kernels) registerBackend(createWasmBackend(kernels, { name: 'wasm-resident-conv' }));

function sameBits(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  assert.equal(got.length, want.length, `${what}: lengths`);
  for (let i = 0; i < want.length; i++) assert.ok(Object.is(got[i], want[i]), `${what}[${i}]: ${got[i]} vs ${want[i]}`);
}

const randomArray = (n: number, rng: Random): Float32Array => Float32Array.from({ length: n }, () => rng.range(-1, 1));

/** A resident copy of `a` (a view of the kernels' shared memory). */
function resident(a: Float32Array): Float32Array {
  const r = kernels!.residentArray(a.length)!;
  assert.ok(r !== null && kernels!.owns(r));
  r.set(a);
  return r;
}

function geometry(n: number, c: number, h: number, w: number, o: number, kh: number, kw: number, stride: number, pad: [number, number, number, number], dil: [number, number], groups: number): ConvGeometry {
  const oh = Math.floor((h + pad[0] + pad[1] - dil[0] * (kh - 1) - 1) / stride) + 1;
  const ow = Math.floor((w + pad[2] + pad[3] - dil[1] * (kw - 1) - 1) / stride) + 1;
  return { n, c, h, w, o, kh, kw, oh, ow, sh: stride, sw: stride, pt: pad[0], pl: pad[2], dh: dil[0], dw: dil[1], groups };
}

/** The sizes of a, b and out of conv kind `kind` (Backend.conv2d's operands). */
function sizes(kind: ConvKind, g: ConvGeometry): [number, number, number] {
  const x = g.n * g.c * g.h * g.w, y = g.n * g.o * g.oh * g.ow, w = g.o * (g.c / g.groups) * g.kh * g.kw;
  return kind === 'forward' ? [x, w, y] : kind === 'inputGrad' ? [y, w, x] : [x, y, w];
}

const GEOMETRIES: ConvGeometry[] = [
  geometry(3, 1, 28, 28, 16, 3, 3, 1, [1, 1, 1, 1], [1, 1], 1), // the CNN's first layer (packed from the input)
  geometry(2, 16, 14, 14, 32, 3, 3, 1, [1, 1, 1, 1], [1, 1], 1), // its second
  geometry(2, 4, 7, 9, 6, 3, 2, 1, [2, 3, 1, 0], [2, 1], 2), // flat path with groups, dilation, uneven padding
  geometry(2, 3, 9, 8, 5, 3, 3, 2, [1, 1, 1, 1], [1, 1], 1), // stride 2: per-row im2col
  geometry(1, 2, 2, 40, 3, 9, 3, 1, [8, 8, 1, 1], [1, 1], 1), // padding far past the input
];

test('wasm conv2d on resident operands (in place) gives the copied operands\' bits, all three kinds, bias included', { skip }, () => {
  const rng = new Random(31);
  const be = backend();
  for (const g of GEOMETRIES) {
    for (const kind of ['forward', 'inputGrad', 'weightGrad'] as const) {
      const [na, nb, no] = sizes(kind, g);
      const a = randomArray(na, rng), b = randomArray(nb, rng), bias = kind === 'forward' ? randomArray(g.o, rng) : undefined;
      const want = new Float32Array(no).fill(7);
      assert.ok(be.conv2d!(kind, g, want, a, b, bias));
      for (const mask of [0b1111, 0b0001, 0b0110, 0b1000]) {
        const ra = mask & 1 ? resident(a) : a, rb = mask & 2 ? resident(b) : b;
        const rbias = bias && mask & 4 ? resident(bias) : bias;
        const out = mask & 8 ? resident(new Float32Array(no).fill(7)) : new Float32Array(no).fill(7);
        assert.ok(be.conv2d!(kind, g, out, ra, rb, rbias));
        sameBits(out, want, `${kind} ${JSON.stringify(g)} resident mask ${mask}`);
        sameBits(ra, a, `${kind}: the input is left alone`);
      }
    }
  }
});

test('a resident conv input whose shifted reads would leave wasm memory is copied instead (no trap, same bits)', { skip }, () => {
  // A view of the first bytes of wasm memory (the module's static data, only read here): with 8
  // rows of padding the kernels read 8 rows and a column before the input, below address 0.
  const g = geometry(1, 1, 2, 40, 2, 9, 3, 1, [8, 8, 1, 1], [1, 1], 1);
  const low = new Float32Array(kernels!.buffer, 0, 80);
  assert.ok(kernels!.owns(low));
  const copy = low.slice();
  const rng = new Random(32);
  const w = randomArray(54, rng), gy = randomArray(2 * g.oh * g.ow, rng);
  const be = backend();
  for (const [kind, b] of [['forward', w], ['weightGrad', gy]] as const) {
    const n = kind === 'forward' ? gy.length : w.length;
    const got = new Float32Array(n), want = new Float32Array(n);
    assert.ok(be.conv2d!(kind, g, got, low, b, undefined));
    assert.ok(be.conv2d!(kind, g, want, copy, b, undefined));
    sameBits(got, want, `${kind} on an input at the start of memory`);
  }
  sameBits(low, copy, 'the static data is untouched');
});

test('a resident output overlapping a resident operand goes through scratch (conv, pool, relu′, sum); relu′ may write over its gradient in place', { skip }, () => {
  const rng = new Random(33);
  const be = backend();
  // conv forward: the output shares memory with the input it reads
  const g = geometry(2, 2, 6, 6, 2, 3, 3, 1, [1, 1, 1, 1], [1, 1], 1);
  const x = randomArray(144, rng), w = randomArray(36, rng);
  const want = new Float32Array(144);
  be.conv2d!('forward', g, want, x, w, undefined);
  const shared = resident(new Float32Array(400));
  shared.set(x, 100);
  const xr = shared.subarray(100, 244), out = shared.subarray(150, 294);
  be.conv2d!('forward', g, out, xr, w, undefined);
  sameBits(out, want, 'conv forward into memory overlapping its input');
  // max pooling, both kinds
  const pg: PoolGeometry = { planes: 3, h: 6, w: 10, oh: 3, ow: 5, kh: 2, kw: 2, sh: 2, sw: 2, ph: 0, pw: 0 };
  const px = randomArray(180, rng), pv = randomArray(45, rng);
  const pf = new Float32Array(45), pgd = new Float32Array(180);
  be.maxPool2d!('forward', pg, pf, px, px);
  be.maxPool2d!('grad', pg, pgd, px, pv);
  const pool = resident(new Float32Array(600));
  pool.set(px, 0); pool.set(pv, 200);
  const pxr = pool.subarray(0, 180), pvr = pool.subarray(200, 245);
  const f1 = pool.subarray(20, 65);
  be.maxPool2d!('forward', pg, f1, pxr, pxr);
  sameBits(f1, pf, 'pool forward over its input');
  pool.set(px, 0);
  const g1 = pool.subarray(210, 390);
  be.maxPool2d!('grad', pg, g1, pxr, pool.subarray(200, 245));
  sameBits(g1, pgd, 'pool gradient over its output gradient');
  const g2 = resident(new Float32Array(180));
  pool.set(pv, 200);
  be.maxPool2d!('grad', pg, g2, pxr, pvr);
  sameBits(g2, pgd, 'pool gradient, all resident');
  // relu′: out exactly over g is fine in place; shifted by one element is not
  const n = 1001, gg = randomArray(n, rng), xx = randomArray(n, rng);
  const rw = new Float32Array(n);
  assert.ok(be.binary!('reluGrad', gg, xx, rw));
  const rr = resident(new Float32Array(2 * n + 8));
  rr.set(gg, 4);
  const gr = rr.subarray(4, 4 + n), xr2 = resident(xx);
  be.binary!('reluGrad', gr, xr2, gr);
  sameBits(gr, rw, 'relu′ in place over g');
  rr.set(gg, 4);
  const shifted = rr.subarray(5, 5 + n);
  be.binary!('reluGrad', gr, xr2, shifted);
  sameBits(shifted, rw, 'relu′ into memory one element past g');
  // sums over contiguous runs
  const sx = randomArray(40 * 37, rng), sw = new Float32Array(40);
  be.reduce!('sum', sx, sw, 40, 37, 1);
  const sr = resident(new Float32Array(40 * 37 + 64));
  sr.set(sx, 0);
  const so = sr.subarray(10, 50);
  be.reduce!('sum', sr.subarray(0, 40 * 37), so, 40, 37, 1);
  sameBits(so, sw, 'sum into memory overlapping its input');
  const so2 = resident(new Float32Array(40));
  sr.set(sx, 0);
  be.reduce!('sum', sr.subarray(0, 40 * 37), so2, 40, 37, 1);
  sameBits(so2, sw, 'sum, all resident');
});

test('the CNN step (conv-relu-pool twice, dense) compiled on resident buffers equals the copying backend bit for bit', { skip: skip || (copying ? false : 'no non-shared build') }, () => {
  const run = (name: string) => {
    const prev = setBackend(name);
    try {
      const model = new Sequential(
        new Conv2d(1, 4, 3, { padding: 'same', seed: 1 }), new ReLU(), new MaxPool2d(2),
        new Conv2d(4, 8, 3, { padding: 'same', seed: 2 }), new ReLU(), new MaxPool2d(2),
        new Flatten(), new Dense(8 * 3 * 3, 10, { seed: 3 }),
      );
      const opt = new optim.Adam(model.parameters(), { lr: 1e-2 });
      const rng = new Random(5);
      const x = tensor(randomArray(12 * 14 * 14, rng), { shape: [12, 1, 14, 14] });
      const y = tensor(Array.from({ length: 12 }, (_, i) => i % 10));
      const step = jit((xb: Tensor, yb: Tensor) => { opt.zeroGrad(); const l = crossEntropy(model.forward(xb), yb); l.backward(); opt.step(); return l; });
      const losses: number[] = [];
      for (let i = 0; i < 5; i++) losses.push(step(x, y).item());
      return { losses, weights: model.parameters().map((p) => [...p.data]), resident: kernels!.owns(model.parameters()[2].data as Float32Array) };
    } finally {
      setBackend(prev);
    }
  };
  const a = run('wasm-resident-conv');
  const b = run('wasm-copying-conv');
  assert.ok(a.resident && !b.resident, 'the second conv weight (288 floats) lives in shared memory on the resident backend only');
  assert.deepEqual(a.losses, b.losses);
  assert.deepEqual(a.weights, b.weights);
});
