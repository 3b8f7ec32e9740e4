/**
 * The wasm backend in a real browser (headless Chromium through playwright-core): the core bundle
 * (esbuild, as an application would bundle it) picks 'wasm' on the page's main thread and in a
 * Web Worker, initWasmBackend() resolves true, and products match the 'js' backend there.
 * Skipped, saying why, only where no Chromium is installed (CI installs one).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));

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

test('browser: the core bundle runs on wasm on the main thread and in a Web Worker', { skip: CHROMIUM ? false : 'no Chromium installed (CI installs it)', timeout: 60_000 }, async () => {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = fileURLToPath(new URL(fromSource ? '../../../src/index.ts' : '../../../src/index.js', import.meta.url));
  // papaparse names Node's 'stream' only inside its Node-stream reader, which the core never calls.
  const bundle = await build({
    entryPoints: [entry], bundle: true, format: 'iife', globalName: 'backprop', platform: 'browser', external: ['stream'], write: false, logLevel: 'silent',
  });
  const code = bundle.outputFiles[0].text;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.setContent('<!doctype html><title>backprop</title>');
    await page.addScriptTag({ content: code });
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
  } finally {
    await browser.close();
  }
});
