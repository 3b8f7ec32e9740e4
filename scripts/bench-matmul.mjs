#!/usr/bin/env node
// Micro-benchmark of the kernel backends: float32 matmul GFLOP/s for js, wasm (simd) and wasm
// (relaxed SIMD, FMA) at 128³/256³/512³ — on arrays already in wasm memory (gemm) and through the
// generic Backend.matmul (copies in and out) — plus the small-size crossover and the element-wise
// kernels. Interleaved rounds, medians (or best). Runs the compiled library: `npm run build` first.
//   node scripts/bench-matmul.mjs [--rounds N] [--quick] [--threads] [--cpu] [--best]
// --best times 40×rounds rounds of about 1 ms each and reports each case's fastest: on a shared
// machine that is what the kernel does when it has a core to itself.
// --cpu times by this process's CPU time instead of the wall clock: on a machine other work keeps
// busy, a single-threaded kernel's CPU time is what it would take alone (never use it for --threads).
import { setFlagsFromString } from 'node:v8';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { createRequire } from 'node:module';

// Node 20 has relaxed SIMD behind a flag (on by default from Node 22).
setFlagsFromString('--experimental-wasm-relaxed-simd');

const dist = new URL('../dist/src/', import.meta.url);
if (!existsSync(new URL('tensor/kernels/wasm.js', dist))) {
  console.error('bench-matmul: dist/ is missing; run `npm run build` first');
  process.exit(2);
}
const { jsBackend } = await import(new URL('tensor/kernels/js.js', dist).href);
const wasm = await import(new URL('tensor/kernels/wasm.js', dist).href);

const args = process.argv.slice(2);
const known = new Set(['--rounds', '--quick', '--threads', '--cpu', '--best']);
for (let i = 0; i < args.length; i++) {
  if (!known.has(args[i])) { console.error(`bench-matmul: unknown option '${args[i]}' (known: ${[...known].join(', ')})`); process.exit(2); }
  if (args[i] === '--rounds') i++;
}
const ri = args.indexOf('--rounds');
const rounds = ri >= 0 ? Number(args[ri + 1]) : 7;
const quick = args.includes('--quick');
const cpuClock = args.includes('--cpu');
const best = args.includes('--best');
const minMs = cpuClock ? 250 : quick ? 15 : 60;
const now = cpuClock ? () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; } : () => performance.now();

/** Median seconds per call of fn, over `rounds` rounds of at least minMs each; bodies interleave. */
function measure(cases) {
  const times = new Map(cases.map((c) => [c.name, []]));
  for (const c of cases) c.fn(); // warm-up (and JIT tier-up)
  if (best) {
    // Many ~1 ms rounds, fastest kept: on a shared machine some rounds run with the core to
    // themselves, and the minimum is what an idle machine would give.
    const reps = new Map(cases.map((c) => {
      const t0 = performance.now();
      let n = 0;
      do { c.fn(); n++; } while (performance.now() - t0 < 1);
      return [c.name, n];
    }));
    for (let r = 0; r < rounds * 40; r++) {
      for (const c of cases) {
        const n = reps.get(c.name);
        const t0 = performance.now();
        for (let i = 0; i < n; i++) c.fn();
        times.get(c.name).push((performance.now() - t0) / 1000 / n);
      }
    }
  } else {
    for (let r = 0; r < rounds; r++) {
      for (const c of cases) {
        let reps = 0;
        const t0 = now();
        let t = t0;
        do { c.fn(); reps++; t = now(); } while (t - t0 < minMs);
        times.get(c.name).push((t - t0) / 1000 / reps);
      }
    }
  }
  const pick = (xs) => { xs.sort((a, b) => a - b); return best ? xs[0] : xs[xs.length >> 1]; };
  return new Map([...times].map(([k, v]) => [k, pick(v)]));
}

const rand = (n) => { const a = new Float32Array(n); for (let i = 0; i < n; i++) a[i] = Math.random() - 0.5; return a; };
const variants = wasm.supportedWasmVariants();
const kernels = Object.fromEntries(variants.map((v) => [v, wasm.loadWasmKernels(v)]));

// TensorFlow.js's wasm backend (SIMD, one thread) as the yardstick, when bench/ has it installed.
let tf = null;
if (existsSync(new URL('../bench/node_modules/@tensorflow/tfjs-backend-wasm', import.meta.url))) {
  const require = createRequire(new URL('../bench/package.json', import.meta.url));
  tf = require('@tensorflow/tfjs');
  const tfWasm = require('@tensorflow/tfjs-backend-wasm');
  tfWasm.setThreadsCount(1);
  if (!(await tf.setBackend('wasm'))) tf = null;
  else await tf.ready();
}

console.log(`node ${process.version}, ${cpus()[0].model}, ${cpus().length} cores; wasm builds: ${variants.join(', ')}; ${rounds} rounds, ${best ? 'best' : 'median'} ${cpuClock ? 'CPU' : 'wall-clock'} time`);
console.log('\nfloat32 matmul C = A·B (GFLOP/s = 2mnk / time)');
console.log('size   | js     | ' + (tf ? 'tfjs-wasm | ' : '') + variants.map((v) => `${v} gemm | ${v} Backend`).join(' | '));
for (const s of quick ? [64, 128] : [128, 256, 512]) {
  const a = rand(s * s), b = rand(s * s), out = new Float32Array(s * s);
  const cases = [{ name: 'js', fn: () => jsBackend.matmul(a, b, out, s, s, s, false, false) }];
  if (tf) {
    const ta = tf.tensor2d(a, [s, s]), tb = tf.tensor2d(b, [s, s]);
    cases.push({ name: 'tfjs', fn: () => tf.matMul(ta, tb).dispose() });
  }
  for (const v of variants) {
    const k = kernels[v];
    const wa = k.alloc(s * s), wb = k.alloc(s * s), wc = k.alloc(s * s);
    wa.data.set(a); wb.data.set(b);
    const be = wasm.createWasmBackend(k, { matmulMinWork: 0 });
    cases.push({ name: `${v} gemm`, fn: () => k.gemm(wa, wb, wc, s, s, s) });
    cases.push({ name: `${v} Backend`, fn: () => be.matmul(a, b, out, s, s, s, false, false) });
  }
  const t = measure(cases);
  const g = (name) => (2 * s ** 3 / t.get(name) / 1e9).toFixed(1).padStart(5);
  console.log(`${String(s).padStart(4)}³  | ${g('js')}  | ` + (tf ? `${g('tfjs')}     | ` : '') + variants.map((v) => `${g(`${v} gemm`)}        | ${g(`${v} Backend`)}`).join('       | '));
}

if (args.includes('--threads')) {
  const { enableWasmThreads, shutdownWasmThreads, wasmThreadStats } = await import(new URL('tensor/kernels/wasm-threads.js', dist).href);
  console.log('\nworker threads sharing wasm memory: gemm on wasm arrays, GFLOP/s (1 thread = the same shared build alone)');
  for (const v of variants) {
    const k2 = await enableWasmThreads({ threads: 2, variant: v, register: false });
    for (const s of [128, 256, 512, 1024]) {
      const wa = k2.alloc(s * s), wb = k2.alloc(s * s), wc = k2.alloc(s * s);
      wa.data.set(rand(s * s)); wb.data.set(rand(s * s));
      const pool = k2.threads;
      const before = wasmThreadStats();
      const t = measure([
        { name: '1', fn: () => { k2.threads = null; k2.gemm(wa, wb, wc, s, s, s); k2.threads = pool; } },
        { name: '2', fn: () => k2.gemm(wa, wb, wc, s, s, s) },
      ]);
      const g = (name) => (2 * s ** 3 / t.get(name) / 1e9).toFixed(1);
      const after = wasmThreadStats();
      const bands = Math.max(1, after.offered - before.offered);
      const byWorker = (after.offered - before.offered) - (after.takenBack - before.takenBack) - (after.stolen - before.stolen);
      console.log(`  ${v.padEnd(8)} ${String(s).padStart(4)}³: 1 thread ${g('1')}, 2 threads ${g('2')} (×${(t.get('1') / t.get('2')).toFixed(2)}; bands done by the worker ${(100 * byWorker / bands).toFixed(0)}%, computed again after it was late ${(100 * (after.stolen - before.stolen) / bands).toFixed(1)}%)`);
      wa.free(); wb.free(); wc.free();
    }
  }
  shutdownWasmThreads();
}

if (!quick) {
  console.log('\n256³ by transposition, gemm on wasm arrays (GFLOP/s)');
  const s = 256;
  for (const v of variants) {
    const k = kernels[v];
    const wa = k.alloc(s * s), wb = k.alloc(s * s), wc = k.alloc(s * s);
    wa.data.set(rand(s * s)); wb.data.set(rand(s * s));
    const t = measure([[false, false], [true, false], [false, true], [true, true]].map(([ta, tb]) => ({
      name: `${ta ? 'T' : 'N'}${tb ? 'T' : 'N'}`, fn: () => k.gemm(wa, wb, wc, s, s, s, ta, tb),
    })));
    console.log(`${v.padEnd(8)} ` + [...t].map(([n, sec]) => `${n} ${(2 * s ** 3 / sec / 1e9).toFixed(1)}`).join('  '));
  }

  console.log('\nthe Fashion-MNIST MLP step\'s products (784-128-10, batch 64), gemm on wasm arrays (GFLOP/s)');
  // [m, k, n, transA, transB]: layer 1 forward x·W1ᵀ, its weight gradient gᵀ·x; layer 2 forward, input and weight gradients.
  const mlp = [[64, 784, 128, false, true], [128, 64, 784, true, false], [64, 128, 10, false, true], [64, 10, 128, false, false], [10, 64, 128, true, false]];
  for (const v of variants) {
    const k = kernels[v];
    const t = measure(mlp.map(([m, kk, n, ta, tb]) => {
      const wa = k.alloc(m * kk), wb = k.alloc(kk * n), wc = k.alloc(m * n);
      wa.data.set(rand(m * kk)); wb.data.set(rand(kk * n));
      return { name: `${m}×${kk}×${n} ${ta ? 'T' : 'N'}${tb ? 'T' : 'N'}`, fn: () => k.gemm(wa, wb, wc, m, kk, n, ta, tb) };
    }));
    console.log(`${v.padEnd(8)} ` + mlp.map(([m, kk, n], i) => { const [name, sec] = [...t][i]; return `${name} ${(2 * m * kk * n / sec / 1e9).toFixed(1)}`; }).join('  '));
  }

  console.log('\nsmall products: µs per Backend.matmul call (js vs wasm with copies), m=k=n');
  const v = variants[0];
  for (const s of [2, 4, 8, 12, 16, 24, 32]) {
    const a = rand(s * s), b = rand(s * s), out = new Float32Array(s * s);
    const be = wasm.createWasmBackend(kernels[v], { matmulMinWork: 0 });
    const t = measure([
      { name: 'js', fn: () => jsBackend.matmul(a, b, out, s, s, s, false, false) },
      { name: 'wasm', fn: () => be.matmul(a, b, out, s, s, s, false, false) },
    ]);
    console.log(`${String(s).padStart(3)}³ (${String(s ** 3).padStart(5)} mul-adds): js ${(t.get('js') * 1e6).toFixed(2)} µs, ${v} ${(t.get('wasm') * 1e6).toFixed(2)} µs`);
  }

  console.log('\nelement-wise kernels, 64×128 (a hidden layer of batch 64): ns per element');
  const rows = 64, cols = 128, n = rows * cols;
  const k = kernels[variants[0]];
  const x = rand(n), bias = rand(cols), y = new Float32Array(n), gy = rand(n);
  const wx = k.alloc(n), wb = k.alloc(cols), wy = k.alloc(n), wg = k.alloc(n);
  wx.data.set(x); wb.data.set(bias); wg.data.set(gy);
  const be = wasm.createWasmBackend(k);
  const cases = [];
  for (const act of ['relu', 'sigmoid', 'tanh']) {
    cases.push({ name: `biasAct ${act} wasm arrays`, fn: () => k.biasActivation(wx, wb, wy, rows, cols, act) });
  }
  for (const kind of ['exp', 'log', 'tanh', 'sigmoid']) {
    const pos = kind === 'log' ? x.map(Math.abs) : x;
    cases.push({ name: `unary ${kind} Backend`, fn: () => be.unary(kind, pos, y) });
  }
  cases.push({ name: 'sumRows js (reduce)', fn: () => jsBackend.reduce('sum', x, bias, 1, rows, cols) });
  cases.push({ name: 'sumRows Backend (reduce)', fn: () => be.reduce('sum', x, bias, 1, rows, cols) });
  cases.push({ name: 'sumRows wasm arrays', fn: () => k.sumRows(wx, wb, rows, cols) });
  const t = measure(cases);
  for (const [name, sec] of t) console.log(`  ${name.padEnd(28)} ${(sec / n * 1e9).toFixed(2)} ns`);

  console.log('\nAdam over 101,770 parameters (784-128-10): ns per parameter');
  const P = 101770;
  const p = rand(P), g = rand(P), m = new Float32Array(P), vv = new Float32Array(P);
  const wp = k.alloc(P), wgr = k.alloc(P), wm = k.alloc(P), wv = k.alloc(P);
  wp.data.set(p); wgr.data.set(g);
  let step = 0;
  const opts = () => ({ lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, step: ++step });
  const ta = measure([
    { name: 'wasm arrays', fn: () => k.adamUpdate(wp, wgr, wm, wv, opts()) },
    { name: 'wasm Backend (copies)', fn: () => be.adamUpdate(p, g, m, vv, opts()) },
  ]);
  for (const [name, sec] of ta) console.log(`  ${name.padEnd(28)} ${(sec / P * 1e9).toFixed(2)} ns`);
}
