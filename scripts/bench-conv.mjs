#!/usr/bin/env node
/**
 * Times one conv2d forward + backward (input and weight gradients) against PyTorch on one thread:
 * `node scripts/bench-conv.mjs` after a build (npm run build). Layers: the first conv of the issue's
 * Fashion-MNIST CNN (batch 64, 1×28×28 → 16, 3×3, same) and its second (16×14×14 → 32).
 * Then one Adam step of the whole CNN (conv16-relu-maxpool2-conv32-relu-maxpool2-flatten-
 * dense10, batch 64, random data). Prints ms per step, median of the timed repetitions, for
 * backprop (active backend, float32) and PyTorch (when /usr/bin/python3 or python3 has torch).
 */
import { spawnSync } from 'node:child_process';
import { Conv2d, Dense, Flatten, MaxPool2d, ReLU, Random, Sequential, Tensor, backward, backend, conv2d, crossEntropy, jit, optim } from '../dist/src/index.js';

const LAYERS = [[64, 1, 28, 28, 16], [64, 16, 14, 14, 32]];
const REPS = 30;

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
