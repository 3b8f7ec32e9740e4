#!/usr/bin/env node
/**
 * Times one conv2d forward + backward (input and weight gradients) against PyTorch on one thread:
 * `node scripts/bench-conv.mjs` after a build (npm run build). Layers: the first conv of the issue's
 * Fashion-MNIST CNN (batch 64, 1×28×28 → 16, 3×3, same) and its second (16×14×14 → 32).
 * Then one Adam step of the whole CNN (conv16-relu-maxpool2-conv32-relu-maxpool2-flatten-
 * dense10, batch 64, random data). Prints ms per step, median of the timed repetitions, for
 * backprop (active backend, float32) and PyTorch (when /usr/bin/python3 or python3 has torch).
 * `node --experimental-wasm-relaxed-simd scripts/bench-conv.mjs --kernels` instead times the raw wasm
 * conv2d kernel (assembly/kernels.ts, relaxed build) per kind on both layers, next to the bare
 * per-sample gemms it runs, in CPU time (process.cpuUsage, so other load matters less): what the
 * im2col/col2im and packing around the products cost.
 */
import { spawnSync } from 'node:child_process';
import { Conv2d, Dense, Flatten, MaxPool2d, ReLU, Random, Sequential, Tensor, backward, backend, conv2d, crossEntropy, jit, optim } from '../dist/src/index.js';

const LAYERS = [[64, 1, 28, 28, 16], [64, 16, 14, 14, 32]];
const REPS = 30;

if (process.argv.includes('--kernels')) {
  await timeKernels();
  process.exit(0);
}

/** The --kernels mode: the wasm conv2d kernel's three kinds and the bare gemms, per layer. */
async function timeKernels() {
  const { RELAXED_WASM_BASE64, SIMD_WASM_BASE64 } = await import('../dist/src/tensor/kernels/wasm-binary.js');
  const relaxed = WebAssembly.validate(Buffer.from(RELAXED_WASM_BASE64, 'base64'));
  const mod = new WebAssembly.Module(Buffer.from(relaxed ? RELAXED_WASM_BASE64 : SIMD_WASM_BASE64, 'base64'));
  const x = new WebAssembly.Instance(mod, {}).exports;
  x.memory.grow(1024);
  let top = (x.heapBase() + 63) & ~63;
  const alloc = (floats) => { const o = top; top += (floats * 4 + 63) & ~63; return o; };
  const cpuMs = (fn) => {
    for (let i = 0; i < 3; i++) fn();
    const ts = [];
    for (let r = 0; r < 15; r++) { const t0 = process.cpuUsage(); fn(); const d = process.cpuUsage(t0); ts.push((d.user + d.system) / 1000); }
    return median(ts);
  };
  console.log(`wasm ${relaxed ? 'relaxed' : 'plain'} SIMD build, CPU ms per batch (median of 15), GFLOP/s`);
  for (const [n, c, h, w, o] of LAYERS) {
    top = (x.heapBase() + 63) & ~63;
    const k = c * 9, p = h * w;
    const geo = alloc(16);
    new Int32Array(x.memory.buffer, geo, 16).set([n, c, h, w, o, 3, 3, h, w, 1, 1, 1, 1, 1, 1, 1]);
    const xs = alloc(n * c * p), ws = alloc(o * k), bs = alloc(o), gs = alloc(n * o * p), dx = alloc(n * c * p), dw = alloc(o * k), ys = alloc(n * o * p), cols = alloc(k * p);
    const work = alloc(x.convWorkspaceBytes(geo) / 4 + 16), gw = alloc(x.gemmWorkspaceBytes(256, 2048, 256) / 4);
    const heap = new Float32Array(x.memory.buffer);
    const rng = new Random(2);
    for (let i = xs >> 2; i < top >> 2; i++) heap[i] = rng.range(-1, 1);
    new Int32Array(x.memory.buffer, geo, 16).set([n, c, h, w, o, 3, 3, h, w, 1, 1, 1, 1, 1, 1, 1]);
    const flop = 2 * n * o * p * k;
    const rows = [
      ['conv2d forward', () => x.conv2d(0, geo, xs, ws, bs, ys, work)],
      ['conv2d input grad', () => x.conv2d(1, geo, gs, ws, 0, dx, work)],
      ['conv2d weight grad', () => x.conv2d(2, geo, xs, gs, 0, dw, work)],
      [`gemm ${o}×${p}×${k} ×${n}`, () => { for (let s = 0; s < n; s++) x.gemm(0, 0, o, p, k, ws, k, cols, p, ys + s * o * p * 4, p, 0, gw); }],
      [`gemm ${k}×${p}×${o} ᵀ· ×${n}`, () => { for (let s = 0; s < n; s++) x.gemm(1, 0, k, p, o, ws, k, gs + s * o * p * 4, p, cols, p, 0, gw); }],
      [`gemm ${o}×${k}×${p} ·ᵀ ×${n}`, () => { for (let s = 0; s < n; s++) x.gemm(0, 1, o, k, p, gs + s * o * p * 4, p, cols, p, dw, k, 1, gw); }],
    ];
    for (const [label, fn] of rows) {
      const ms = cpuMs(fn);
      console.log(`${n}×${c}×${h}×${w} → ${o}  ${label.padEnd(22)} ${ms.toFixed(2).padStart(7)} ms ${(flop / ms / 1e6).toFixed(1).padStart(6)} GFLOP/s`);
    }
  }
}

function rand(shape, rng, grad) {
  const n = shape.reduce((p, d) => p * d, 1);
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) d[i] = rng.range(-1, 1);
  return new Tensor(d, shape, grad);
}

function median(xs) { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; }

const rng = new Random(1);
const rows = [];
for (const [n, c, h, w, o] of LAYERS) {
  const x = rand([n, c, h, w], rng, true), wt = rand([o, c, 3, 3], rng, true), b = rand([o], rng, true);
  const g = rand([n, o, h, w], rng, false);
  const step = (xi) => { xi.grad = null; wt.grad = null; b.grad = null; const y = conv2d(xi, wt, b, { padding: 'same' }); backward(y, g); return y; };
  for (const [label, f] of [['eager', step], ['jit', jit(step)]]) {
    for (let i = 0; i < 5; i++) f(x);
    const times = [];
    for (let i = 0; i < REPS; i++) { const t0 = performance.now(); f(x); times.push(performance.now() - t0); }
    rows.push({ layer: `${n}×${c}×${h}×${w} → ${o}`, who: `backprop ${backend().name} ${label}`, ms: median(times) });
  }
}

{
  const x = rand([64, 1, 28, 28], rng, false);
  const labels = Array.from({ length: 64 }, (_, i) => i % 10);
  const model = new Sequential(
    new Conv2d(1, 16, 3, { padding: 'same', seed: 1 }), new ReLU(), new MaxPool2d(2),
    new Conv2d(16, 32, 3, { padding: 'same', seed: 2 }), new ReLU(), new MaxPool2d(2),
    new Flatten(), new Dense(32 * 7 * 7, 10, { seed: 3 }),
  );
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const step = jit((xb) => { opt.zeroGrad(); const l = crossEntropy(model.forward(xb), labels); l.backward(); opt.step(); return l; });
  for (let i = 0; i < 5; i++) step(x);
  const times = [];
  for (let i = 0; i < REPS; i++) { const t0 = performance.now(); step(x); times.push(performance.now() - t0); }
  rows.push({ layer: 'CNN Adam step, batch 64', who: `backprop ${backend().name} jit`, ms: median(times) });
}

const py = String.raw`
import time, torch, json, sys
torch.set_num_threads(1)
out = []
for n, c, h, w, o in json.loads(sys.argv[1]):
    x = torch.rand(n, c, h, w, requires_grad=True); wt = torch.rand(o, c, 3, 3, requires_grad=True); b = torch.rand(o, requires_grad=True)
    g = torch.rand(n, o, h, w)
    def step():
        x.grad = None; wt.grad = None; b.grad = None
        torch.nn.functional.conv2d(x, wt, b, padding='same').backward(g)
    for _ in range(5): step()
    ts = []
    for _ in range(${REPS}):
        t0 = time.perf_counter(); step(); ts.append((time.perf_counter() - t0) * 1000)
    ts.sort(); out.append(ts[len(ts) // 2])
nn = torch.nn
m = nn.Sequential(nn.Conv2d(1, 16, 3, padding='same'), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 32, 3, padding='same'), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(32 * 7 * 7, 10))
opt = torch.optim.Adam(m.parameters(), lr=1e-3)
x = torch.rand(64, 1, 28, 28); y = torch.arange(64) % 10
def step():
    opt.zero_grad(); l = nn.functional.cross_entropy(m(x), y); l.backward(); opt.step()
for _ in range(5): step()
ts = []
for _ in range(${REPS}):
    t0 = time.perf_counter(); step(); ts.append((time.perf_counter() - t0) * 1000)
ts.sort(); out.append(ts[len(ts) // 2])
print(json.dumps([torch.__version__, out]))
`;
for (const python of ['/usr/bin/python3', 'python3']) {
  const r = spawnSync(python, ['-c', py, JSON.stringify(LAYERS)], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
  if (r.status !== 0) continue;
  const [version, ms] = JSON.parse(r.stdout);
  LAYERS.forEach(([n, c, h, w, o], i) => rows.push({ layer: `${n}×${c}×${h}×${w} → ${o}`, who: `PyTorch ${version} 1 thread`, ms: ms[i] }));
  rows.push({ layer: 'CNN Adam step, batch 64', who: `PyTorch ${version} 1 thread`, ms: ms[LAYERS.length] });
  break;
}
rows.sort((a, b) => a.layer.localeCompare(b.layer));
console.log(`load average ${(await import('node:os')).loadavg()[0].toFixed(2)}`);
for (const r of rows) console.log(`${r.layer.padEnd(24)} ${r.who.padEnd(28)} ${r.ms.toFixed(2).padStart(8)} ms  (${(64 / r.ms * 1000).toFixed(0)} samples/s)`);
