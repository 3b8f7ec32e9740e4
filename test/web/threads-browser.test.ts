/**
 * Threads in a real browser: headless Chromium loads the core from a page served with the
 * cross-origin isolation headers (as `backprop playground` serves it), enableWebThreads starts Web
 * Workers on shared wasm memory, and products split across them equal the one-thread products bit
 * for bit, with bands computed by the workers. Without the headers it declines (null), one thread.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_SKIP, coreBundle } from '../browser-core.js';

async function serve(code: string, isolated: boolean): Promise<{ server: Server; url: string }> {
  const headers: Record<string, string> = isolated ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } : {};
  const server = createServer((req, res) => {
    if (req.url === '/core.js') res.writeHead(200, { 'Content-Type': 'text/javascript', ...headers }).end(code);
    else res.writeHead(200, { 'Content-Type': 'text/html', ...headers }).end('<!doctype html><title>threads</title><script src="/core.js"></script>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

const BODY = `(async () => {
  const bp = self.backprop;
  const kernels = await bp.enableWebThreads({ threads: 3, minWork: 0 });
  if (!kernels) return { isolated: self.crossOriginIsolated, kernels: false, threads: bp.backendInfo().threads };
  const r = new bp.Random(7);
  const results = [];
  for (const [m, k, n] of [[33, 70, 129], [64, 784, 128], [5, 9, 1000]]) {
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
      const a = Float32Array.from({ length: m * k }, () => r.range(-1, 1)), b = Float32Array.from({ length: k * n }, () => r.range(-1, 1));
      const many = new Float32Array(m * n), one = new Float32Array(m * n);
      bp.backend().matmul(a, b, many, m, k, n, ta, tb);
      const pool = kernels.threads; kernels.threads = null;
      bp.backend().matmul(a, b, one, m, k, n, ta, tb);
      kernels.threads = pool;
      results.push(many.every((v, i) => Object.is(v, one[i])));
    }
  }
  const s = bp.wasmThreadStats();
  return { isolated: self.crossOriginIsolated, kernels: true, info: bp.backendInfo(), results, byWorkers: s.offered - s.takenBack - s.stolen };
})()`;

test('enableWebThreads splits products over Web Workers on an isolated page, bit for bit; declines elsewhere', { skip: CHROMIUM_SKIP, timeout: 120_000 }, async () => {
  const code = await coreBundle();
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const servers: Server[] = [];
  try {
    const isolated = await serve(code, true);
    servers.push(isolated.server);
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(isolated.url);
    // A worker may take a moment to come up; the products repeat until one has taken a band.
    let got = await page.evaluate(BODY) as { isolated: boolean; kernels: boolean; info: { name: string; threads: number }; results: boolean[]; byWorkers: number };
    for (let i = 0; i < 10 && got.byWorkers === 0; i++) got = await page.evaluate(BODY) as typeof got;
    assert.equal(got.isolated, true);
    assert.equal(got.kernels, true);
    assert.deepEqual([got.info.name, got.info.threads], ['wasm-threads', 3]);
    assert.equal(got.results.length, 12);
    assert.ok(got.results.every(Boolean), `threaded products differ from one thread: ${got.results}`);
    assert.ok(got.byWorkers > 0, 'no band was computed by a Web Worker');
    assert.deepEqual(errors, []);

    const plain = await serve(code, false);
    servers.push(plain.server);
    const page2 = await browser.newPage();
    await page2.goto(plain.url);
    const declined = await page2.evaluate(BODY) as { isolated: boolean; kernels: boolean; threads: number };
    assert.deepEqual(declined, { isolated: false, kernels: false, threads: 1 });
  } finally {
    await browser.close();
    for (const s of servers) s.close();
  }
});
