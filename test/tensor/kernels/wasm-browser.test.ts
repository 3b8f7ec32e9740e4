/**
 * The wasm backend in a real browser (headless Chromium through playwright-core): the core bundle
 * (esbuild, as an application would bundle it) picks 'wasm' on the page's main thread and in a
 * Web Worker, initWasmBackend() resolves true, and products match the 'js' backend there.
 * Skipped, saying why, only where no Chromium is installed (CI installs one).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHROMIUM_SKIP, withCorePage } from '../../browser-core.js';

/** What the page (or worker) reports after loading the bundle. */
const PROBE = `
  async function probe() {
    const b = self.backprop;
    const first = b.backend().name;
    const variant = b.wasmKernels() ? b.wasmKernels().variant : null;
    const init = await b.initWasmBackend();
    const n = 67, a = b.randn([n, n], { seed: 1 }), c = b.randn([n, n], { seed: 2 });
    const viaWasm = b.matmul(a, c).data;
    b.setBackend('js');
    const viaJs = b.matmul(a, c).data;
    b.setBackend('wasm');
    let maxDiff = 0;
    for (let i = 0; i < viaJs.length; i++) maxDiff = Math.max(maxDiff, Math.abs(viaWasm[i] - viaJs[i]));
    return { first, variant, init, after: b.backend().name, maxDiff };
  }
`;

test('browser: the core bundle runs on wasm on the main thread and in a Web Worker', { skip: CHROMIUM_SKIP, timeout: 60_000 }, async () => {
  await withCorePage(async (page, errors, code) => {
    const main = await page.evaluate(`(async () => { ${PROBE} return probe(); })()`) as Record<string, unknown>;
    assert.deepEqual(errors, []);
    assert.equal(main.first, 'wasm', 'picked at import on the main thread');
    assert.equal(main.variant, 'relaxed', 'Chromium ships relaxed SIMD');
    assert.equal(main.init, true);
    assert.equal(main.after, 'wasm');
    assert.ok((main.maxDiff as number) < 1e-4, `wasm vs js differ by ${main.maxDiff}`);

    const inWorker = await page.evaluate(`new Promise((resolve, reject) => {
      const src = ${JSON.stringify(code)} + ${JSON.stringify(PROBE)} + 'probe().then((r) => postMessage(r), (e) => postMessage({ error: String(e) }));';
      const w = new Worker(URL.createObjectURL(new Blob([src], { type: 'text/javascript' })));
      w.onmessage = (e) => resolve(e.data);
      w.onerror = (e) => reject(new Error(e.message));
    })`) as Record<string, unknown>;
    assert.equal(inWorker.error, undefined);
    assert.equal(inWorker.first, 'wasm');
    assert.equal(inWorker.init, true);
    assert.ok((inWorker.maxDiff as number) < 1e-4);
  });
});
