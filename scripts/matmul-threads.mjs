// Wall-clock speed of repeated n×n float32 products on the default backend (threads on unless
// BACKPROP_THREADS=1), with how the thread pool shared them: bands of the split products, claimed
// by the caller itself (takenBack), and computed again after a late worker (stolen). After npm run build:
//   node scripts/matmul-threads.mjs 1024 30 && BACKPROP_THREADS=1 node scripts/matmul-threads.mjs 1024 30
import * as bp from '../dist/src/node-entry.js';
const n = +(process.argv[2] ?? 1024), reps = +(process.argv[3] ?? 20);
const r = (len) => Float32Array.from({ length: len }, (_, i) => Math.sin(i));
const a = bp.tensor(r(n*n), { shape: [n, n] }), b = bp.tensor(r(n*n), { shape: [n, n] });
for (let i = 0; i < 5; i++) bp.matmul(a, b);
const s0 = bp.wasmThreadStats();
const t0 = performance.now(), c0 = process.cpuUsage();
for (let i = 0; i < reps; i++) bp.matmul(a, b);
const t = (performance.now() - t0) / reps, c = process.cpuUsage(c0);
const s = bp.wasmThreadStats();
console.log(`backend ${bp.backend().name} n=${n} ${t.toFixed(2)} ms/product, ${(2*n**3/t/1e6).toFixed(1)} GFLOP/s wall; cpu ${( (c.user+c.system)/1000/reps).toFixed(1)} ms/product; offered ${s.offered-s0.offered} takenBack ${s.takenBack-s0.takenBack} stolen ${s.stolen-s0.stolen}`);
