/**
 * The Node-only threaded wasm kernels: products split across worker threads sharing wasm memory
 * give the single-thread reference's numbers in every transposition and odd size (including more
 * threads than cores and bands that end mid-tile), accumulate, and shut down cleanly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Random, backend, backendInfo, setBackend, wasmKernels } from '../../../src/index.js';
import { jsBackend } from '../../../src/tensor/kernels/js.js';
import { enableWasmThreads, shutdownWasmThreads, wasmThreadStats } from '../../../src/tensor/kernels/wasm-threads.js';

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

test('a band no worker has started is done by the caller (a sleeping worker costs no waiting)', async () => {
  const kernels = await enableWasmThreads({ threads: 2, minWork: 0, register: false });
  assert.ok(kernels);
  try {
    const a = kernels.alloc(4 * 4), b = kernels.alloc(4 * 16), c = kernels.alloc(4 * 16);
    a.data.fill(1);
    b.data.fill(2);
    const start = wasmThreadStats().takenBack;
    // After a pause the worker sleeps in Atomics.wait; waking it takes longer than the caller
    // needs for its 4×8 band, so the caller takes the other band back. Retried: a wake can be quick.
    for (let attempt = 0; attempt < 20 && wasmThreadStats().takenBack === start; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 30));
      c.data.fill(0);
      kernels.gemm(a, b, c, 4, 4, 16);
      assert.ok(c.data.every((v) => v === 8), 'both bands computed');
    }
    assert.ok(wasmThreadStats().takenBack > start, 'the caller never took a band back');
  } finally {
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
