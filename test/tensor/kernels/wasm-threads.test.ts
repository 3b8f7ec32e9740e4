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
    // Every band offered went either to a worker or back to the caller, never both or neither.
    const { offered, takenBack } = wasmThreadStats();
    assert.ok(offered >= 5 * 4 * 2 * 2, `offered ${offered} bands`);
    assert.ok(takenBack >= 0 && takenBack <= offered);
  } finally {
    shutdownWasmThreads();
  }
  // After shutdown the same kernels still compute, on this thread.
  const a = kernels.alloc(64 * 64).subarray(0), c = kernels.alloc(64 * 64);
  a.data.fill(1);
  kernels.gemm(a, a, c, 64, 64, 64);
  assert.equal(c.data[4095], 64);
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
