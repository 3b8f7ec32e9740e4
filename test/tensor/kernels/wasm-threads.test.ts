/**
 * The Node-only threaded wasm kernels: products split across worker threads sharing wasm memory
 * give the single-thread reference's numbers in every transposition and odd size (including more
 * threads than cores and bands that end mid-tile), accumulate, and shut down cleanly. The band
 * scheduling is tested deterministically through the pool's test hooks (a worker held back, one
 * that stalls after a claim or before its copy, a caller that lets the workers claim everything):
 * the one-thread bits whoever computes a band, and no late band ever lands.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Random, backend, backendInfo, setBackend, wasmKernels } from '../../../src/index.js';
import { jsBackend } from '../../../src/tensor/kernels/js.js';
import { enableWasmThreads, shutdownWasmThreads, wasmThreadStats } from '../../../src/tensor/kernels/wasm-threads.js';
import { bandWidth, type Pool } from '../../../src/tensor/kernels/thread-pool.js';
import type { WasmArray } from '../../../src/tensor/kernels/wasm.js';

test('threaded gemm matches the reference for every transposition and odd sizes; shutdown leaves one thread', async () => {
  const kernels = await enableWasmThreads({ threads: 3, minWork: 0, register: false });
  assert.ok(kernels, 'Node has shared WebAssembly memory');
  try {
    const rng = new Random(17);
    for (const [m, k, n] of [[1, 1, 24], [3, 5, 24], [17, 33, 65], [40, 300, 130], [9, 7, 1001]]) {
      for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
        const a = kernels.alloc(m * k), b = kernels.alloc(k * n), c = kernels.alloc(m * n);
        for (const arr of [a, b]) for (let i = 0; i < arr.length; i++) arr.data[i] = rng.range(-1, 1);
        kernels.gemm(a, b, c, m, k, n, ta, tb);
        const want = new Float64Array(m * n);
        jsBackend.matmul(Float64Array.from(a.data), Float64Array.from(b.data), want, m, k, n, ta, tb);
        for (let i = 0; i < want.length; i++) {
          assert.ok(Math.abs(c.data[i] - want[i]) <= 2e-7 * (k + 1) * 4, `${m}×${k}×${n} ${ta}${tb}: element ${i} is ${c.data[i]}, want ${want[i]}`);
        }
        kernels.gemm(a, b, c, m, k, n, ta, tb, true);
        for (let i = 0; i < want.length; i++) assert.ok(Math.abs(c.data[i] - 2 * want[i]) <= 4e-7 * (k + 1) * 4);
        a.free(); b.free(); c.free();
      }
    }
    // Every band offered went to a worker, back to the caller, or was computed by the caller after a
    // worker was late with it, never more than one of these.
    const { offered, takenBack, stolen } = wasmThreadStats();
    assert.ok(offered >= 1, `offered ${offered} bands`);
    assert.ok(takenBack >= 0 && stolen >= 0 && takenBack + stolen <= offered);
  } finally {
    shutdownWasmThreads();
  }
  // After shutdown the same kernels still compute, on this thread.
  const a = kernels.alloc(64 * 64).subarray(0), c = kernels.alloc(64 * 64);
  a.data.fill(1);
  kernels.gemm(a, a, c, 64, 64, 64);
  assert.equal(c.data[4095], 64);
});

test('a worker that is late loses its band: the caller computes it, and the late result never lands (patience 0)', async (t) => {
  // Patience 0: the caller never waits for a claimed band, so workers lose most races and their
  // results arrive after the caller has moved on, to products written into the same arrays and to
  // arrays right beside them. Every product must still be exact, and the guard words untouched.
  const kernels = await enableWasmThreads({ threads: 3, minWork: 0, patience: 0, register: false });
  assert.ok(kernels);
  try {
    const rng = new Random(5);
    const m = 64, k = 256, n = 192;
    const a = kernels.alloc(m * k), b = kernels.alloc(k * n), c = kernels.alloc(m * n + 16);
    const before = wasmThreadStats();
    let lastTransB = false; // the last round's layout: the loop ends after an odd or an even round
    // Until some band has been stolen (at least 100 rounds, at most 1000): whether a worker is late is the scheduler's choice.
    for (let round = 0; round < 1000 && (round < 100 || wasmThreadStats().stolen === before.stolen); round++) {
      for (const arr of [a, b]) for (let i = 0; i < arr.length; i++) arr.data[i] = rng.range(-1, 1);
      c.data.fill(7);
      const out = c.subarray(8, 8 + m * n);
      lastTransB = round % 2 === 1;
      kernels.gemm(a, b, out, m, k, n, lastTransB, false);
      const want = new Float32Array(m * n);
      jsBackend.matmul(Float64Array.from(a.data), Float64Array.from(b.data), want, m, k, n, round % 2 === 1, false);
      for (let i = 0; i < m * n; i++) assert.ok(Math.abs(out.data[i] - want[i]) <= 1e-4, `round ${round}: element ${i} is ${out.data[i]}, want ${want[i]}`);
      for (let i = 0; i < 8; i++) assert.equal(c.data[i], 7, `round ${round}: guard word ${i} before C was written`);
      for (let i = 8 + m * n; i < c.length; i++) assert.equal(c.data[i], 7, `round ${round}: guard word after C was written`);
    }
    // Late results from the last rounds have had time to land (or be dropped) by now.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const out = c.subarray(8, 8 + m * n);
    const want = new Float32Array(m * n);
    // (Before, this compared with transB = true whatever the last round was: a run that stopped after
    // an even round failed with "element 0 changed", about one run in six.)
    jsBackend.matmul(Float64Array.from(a.data), Float64Array.from(b.data), want, m, k, n, lastTransB, false);
    for (let i = 0; i < m * n; i++) assert.ok(Math.abs(out.data[i] - want[i]) <= 1e-4, `after the last round: element ${i} changed`);
    const after = wasmThreadStats();
    assert.ok(after.offered - before.offered > 0, 'no band was offered');
    // Every band has one fate; a machine where no worker was ever late is reported, not failed.
    assert.ok(after.takenBack - before.takenBack + after.stolen - before.stolen <= after.offered - before.offered);
    if (after.stolen === before.stolen) t.diagnostic(`no worker was late in 1000 rounds: ${JSON.stringify([before, after])}`);
  } finally {
    shutdownWasmThreads();
  }
});

/** Waits (without a timing assertion) until `done()`; throws only if it never happens within a minute. */
async function until(done: () => boolean, what: string): Promise<void> {
  for (const t0 = Date.now(); !done();) {
    if (Date.now() - t0 > 60_000) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** Spins the calling thread until `done()` (for the caller's afterPublish hook, which must not return early). */
function spinUntil(done: () => boolean, what: string): void {
  for (const t0 = Date.now(); !done();) if (Date.now() - t0 > 60_000) throw new Error(`timed out waiting until ${what}`);
}

type Kernels = NonNullable<Awaited<ReturnType<typeof enableWasmThreads>>>;

/** op(A)·op(B) into a fresh array on this thread alone: the bits every split must reproduce. */
function oneThread(kernels: Kernels, a: WasmArray, b: WasmArray, m: number, k: number, n: number, ta: boolean, tb: boolean): Float32Array {
  const pool = kernels.threads, c = kernels.alloc(m * n);
  kernels.threads = null;
  try {
    kernels.gemm(a, b, c, m, k, n, ta, tb);
    return Float32Array.from(c.data);
  } finally {
    kernels.threads = pool;
    c.free();
  }
}

function sameBits(got: Float32Array, want: Float32Array, what: string): void {
  assert.equal(got.length, want.length);
  for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) assert.fail(`${what}: element ${i} is ${got[i]}, one thread gives ${want[i]}`);
}

test('many bands, a narrower last band, every transposition: the one-thread bits whoever computes the bands', async () => {
  const kernels = await enableWasmThreads({ threads: 3, minWork: 0, patience: 100, register: false });
  assert.ok(kernels);
  const pool = kernels.threads as Pool;
  try {
    const rng = new Random(23);
    // 12 bands of 88 and one of 35; 2 of 64; 3 of 64 and one of 2; 16 + 8; 16 + 1 columns.
    for (const [m, k, n] of [[7, 33, 1003], [64, 784, 128], [40, 300, 194], [3, 5, 24], [2, 9, 17]]) {
      const bands = Math.ceil(n / bandWidth(n, 3));
      assert.ok(bands >= 2, `${n} columns make ${bands} bands`);
      for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
        const a = kernels.alloc(m * k), b = kernels.alloc(k * n), c = kernels.alloc(m * n);
        for (const arr of [a, b]) for (let i = 0; i < arr.length; i++) arr.data[i] = rng.range(-1, 1);
        const want = oneThread(kernels, a, b, m, k, n, ta, tb);
        // Three ways the bands can fall: as they come; all to the caller (workers held back); all to the workers (the caller waits until they claimed every band).
        for (const way of ['any', 'caller', 'workers'] as const) {
          pool.setWorkerHook(0, way === 'caller' ? 1 : 0);
          pool.setWorkerHook(1, way === 'caller' ? 1 : 0);
          pool.afterPublish = way === 'workers' ? () => spinUntil(() => pool.unclaimed() === 0, 'the workers claimed every band') : null;
          c.data.fill(NaN);
          const before = wasmThreadStats();
          kernels.gemm(a, b, c, m, k, n, ta, tb);
          const after = wasmThreadStats();
          sameBits(c.data, want, `${m}×${k}×${n} ${ta}${tb} (${way})`);
          assert.equal(after.offered - before.offered, bands, 'bands offered');
          if (way === 'caller') assert.deepEqual([after.takenBack - before.takenBack, after.stolen - before.stolen], [bands, 0]);
          if (way === 'workers') assert.equal(after.takenBack - before.takenBack, 0, 'the caller claimed no band');
        }
        a.free(); b.free(); c.free();
      }
    }
  } finally {
    pool.afterPublish = null;
    shutdownWasmThreads();
  }
});

test('a worker that never claims costs no waiting: the caller computes every band itself', async () => {
  const kernels = await enableWasmThreads({ threads: 2, minWork: 0, patience: 100, register: false });
  assert.ok(kernels);
  const pool = kernels.threads as Pool;
  try {
    pool.setWorkerHook(0, 1);
    const m = 32, k = 64, n = 512;
    const a = kernels.alloc(m * k), b = kernels.alloc(k * n), c = kernels.alloc(m * n);
    a.data.fill(1); b.data.fill(0.5);
    const before = wasmThreadStats();
    for (let i = 0; i < 20; i++) {
      c.data.fill(0);
      kernels.gemm(a, b, c, m, k, n);
      assert.ok(c.data.every((v) => v === 32), 'every band computed');
    }
    const after = wasmThreadStats();
    assert.ok(after.offered - before.offered >= 40);
    assert.equal(after.takenBack - before.takenBack, after.offered - before.offered, 'every band done by the caller');
    assert.equal(after.stolen, before.stolen);
    assert.equal(pool.workerState(0).claims, 0);
    // k = 0: zeros, on this thread (nothing to split, and no band time to learn from).
    const z = kernels.alloc(m * n);
    z.data.fill(5);
    const beforeZero = wasmThreadStats().offered;
    kernels.gemm(a, b, z, m, 0, n);
    assert.ok(z.data.every((v) => v === 0));
    assert.equal(wasmThreadStats().offered, beforeZero);
  } finally {
    shutdownWasmThreads();
  }
});

test('a worker that claims a band and stalls: the caller computes it again, the late result never lands, and the worker\'s buffer is left alone while it holds it', async () => {
  const kernels = await enableWasmThreads({ threads: 2, minWork: 0, register: false });
  assert.ok(kernels);
  const pool = kernels.threads as Pool;
  try {
    const rng = new Random(9);
    const m = 24, k = 40, n = 256;
    const a = kernels.alloc(m * k), b = kernels.alloc(k * n), c = kernels.alloc(m * n + 16);
    for (const arr of [a, b]) for (let i = 0; i < arr.length; i++) arr.data[i] = rng.range(-1, 1);
    const want = oneThread(kernels, a, b, m, k, n, false, true);
    pool.setWorkerHook(0, 2); // stall right after its next claim, until released
    pool.afterPublish = () => spinUntil(() => pool.workerState(0).claims === 1, 'the worker claimed a band');
    c.data.fill(7);
    const out = c.subarray(8, 8 + m * n);
    const before = wasmThreadStats();
    kernels.gemm(a, b, out, m, k, n, false, true);
    pool.afterPublish = null;
    const after = wasmThreadStats();
    sameBits(out.data, want, 'with a stalled worker');
    assert.deepEqual([after.offered - before.offered, after.takenBack - before.takenBack, after.stolen - before.stolen], [4, 3, 1]);
    assert.ok(pool.workerState(0).holding);

    // A larger product while the worker still stalls: its buffer is too small, but may not be freed
    // and reused (the worker writes its late band there), so the caller computes every band.
    const m2 = 64, k2 = 200, n2 = 384;
    const a2 = kernels.alloc(m2 * k2), b2 = kernels.alloc(k2 * n2), c2 = kernels.alloc(m2 * n2);
    for (const arr of [a2, b2]) for (let i = 0; i < arr.length; i++) arr.data[i] = rng.range(-1, 1);
    const want2 = oneThread(kernels, a2, b2, m2, k2, n2, true, false);
    const before2 = wasmThreadStats();
    kernels.gemm(a2, b2, c2, m2, k2, n2, true, false);
    const after2 = wasmThreadStats();
    sameBits(c2.data, want2, 'beside a stalled worker');
    assert.equal(after2.takenBack - before2.takenBack, after2.offered - before2.offered);
    // Memory the allocator hands out now would be where a wrongly freed worker buffer was.
    const d = kernels.alloc(4096);
    d.data.fill(7);

    // The caller has moved on, and C is reused: the late band must be dropped, not copied in.
    c.data.fill(7);
    pool.setWorkerHook(0, 0);
    await until(() => !pool.workerState(0).holding, 'the released worker finished its late band');
    assert.ok(c.data.every((v) => v === 7), 'the stolen band\'s late result landed in C');
    assert.ok(d.data.every((v) => v === 7), 'the late band landed in memory handed out since');
    sameBits(c2.data, want2, 'after the late band');
    assert.ok(!pool.workerState(0).failed);
    assert.equal(pool.workerState(0).claims, 1);
    // And the pool carries on as before.
    kernels.gemm(a, b, out, m, k, n, false, true);
    sameBits(out.data, want, 'after the released worker');
  } finally {
    pool.afterPublish = null;
    shutdownWasmThreads();
  }
});

test('a worker slow to copy its band into C holds the caller until the copy is done', async (t) => {
  const kernels = await enableWasmThreads({ threads: 2, minWork: 0, patience: 100, register: false });
  assert.ok(kernels);
  const pool = kernels.threads as Pool;
  try {
    const rng = new Random(11);
    const m = 16, k = 32, n = 128;
    const a = kernels.alloc(m * k), b = kernels.alloc(k * n), c = kernels.alloc(m * n);
    for (const arr of [a, b]) for (let i = 0; i < arr.length; i++) arr.data[i] = rng.range(-1, 1);
    const want = oneThread(kernels, a, b, m, k, n, false, false);
    pool.setWorkerHook(0, 3); // sleeps 30 ms between winning its commit and copying
    for (let round = 0; round < 3; round++) {
      const claims = pool.workerState(0).claims;
      pool.afterPublish = () => spinUntil(() => pool.workerState(0).claims > claims, 'the worker claimed a band');
      c.data.fill(NaN);
      const before = wasmThreadStats();
      kernels.gemm(a, b, c, m, k, n);
      const after = wasmThreadStats();
      sameBits(c.data, want, `round ${round}`);
      if (after.stolen !== before.stolen) t.diagnostic(`round ${round}: the worker lost its band before committing (its core was busy)`);
    }
  } finally {
    pool.afterPublish = null;
    shutdownWasmThreads();
  }
});

test("the 'wasm-threads' backend registers, is preferred, and computes the engine's products", async () => {
  const prev = backend().name;
  const kernels = await enableWasmThreads({ threads: 2, minWork: 0 });
  try {
    assert.ok(kernels);
    assert.equal(backend().name, 'wasm-threads');
    assert.deepEqual(backendInfo(), { name: 'wasm-threads', wasm: kernels.variant, threads: 2 });
    const a = new Float32Array(70 * 50).map((_, i) => Math.sin(i)), b = new Float32Array(50 * 90).map((_, i) => Math.cos(i));
    const got = new Float32Array(70 * 90), want = new Float32Array(70 * 90);
    backend().matmul(a, b, got, 70, 50, 90, false, false);
    jsBackend.matmul(a, b, want, 70, 50, 90, false, false);
    for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) < 1e-4);
  } finally {
    shutdownWasmThreads();
    assert.equal(backendInfo().threads, 1, 'one thread after shutdown');
    setBackend(prev);
  }
  assert.deepEqual(backendInfo(), { name: prev, wasm: prev === 'js' ? null : wasmKernels()!.variant, threads: 1 });
  setBackend('js');
  assert.deepEqual(backendInfo(), { name: 'js', wasm: null, threads: 1 });
  setBackend(prev);
});
