/**
 * Threads by default under Node: the Node entry point turns the worker pool on when the machine
 * has more than one core, BACKPROP_THREADS and setThreads turn it off or resize it, a bad value is
 * one line (not a crash), and training gives bit-identical weights on one thread and on several
 * (each output column is computed by exactly one thread, in the same order).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

const fromSource = import.meta.url.endsWith('.ts');
const entry = fileURLToPath(new URL(`../../../src/node-entry.${fromSource ? 'ts' : 'js'}`, import.meta.url));
const pool = fileURLToPath(new URL(`../../../src/tensor/kernels/wasm-threads.${fromSource ? 'ts' : 'js'}`, import.meta.url));
const cores = availableParallelism();

/** Runs a module body that imports the Node entry as `bp`, with BACKPROP_THREADS set (or unset). */
function run(body: string, threads?: string): { stdout: string; stderr: string; code: number | null } {
  const env = { ...process.env };
  delete env.BACKPROP_THREADS;
  if (threads !== undefined) env.BACKPROP_THREADS = threads;
  const code = `const bp = await import(${JSON.stringify('file://' + entry)});\nconst pool = await import(${JSON.stringify('file://' + pool)});\n${body}`;
  const r = spawnSync(process.execPath, [...(fromSource ? ['--import', 'tsx'] : []), '--input-type=module', '-e', code], { encoding: 'utf8', env });
  return { stdout: r.stdout, stderr: r.stderr, code: r.status };
}

test('the Node entry uses the cores by default; BACKPROP_THREADS=1 and setThreads(1) turn threads off', () => {
  const info = 'console.log(JSON.stringify(bp.backendInfo()))';
  const byDefault = JSON.parse(run(info).stdout);
  if (cores > 1) {
    assert.equal(byDefault.name, 'wasm-threads');
    assert.equal(byDefault.threads, Math.min(4, cores));
  } else {
    assert.equal(byDefault.threads, 1);
  }
  assert.equal(JSON.parse(run(info, '1').stdout).threads, 1);
  assert.equal(JSON.parse(run(info, '3').stdout).threads, 3);
  const off = run('bp.setThreads(1); console.log(JSON.stringify(bp.backendInfo())); bp.setThreads(2); console.log(JSON.stringify(bp.backendInfo()))');
  const [one, two] = off.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(one.threads, 1);
  assert.deepEqual([two.name, two.threads], ['wasm-threads', 2]);
});

test('a bad BACKPROP_THREADS is one line on stderr and one thread, not a crash; setThreads refuses nonsense', () => {
  const r = run('console.log(bp.backendInfo().threads)', 'lots');
  assert.equal(r.code, 0);
  assert.equal(r.stdout.trim(), '1');
  assert.match(r.stderr, /^backprop: BACKPROP_THREADS must be a whole number ≥ 1, got 'lots'; using one thread\n$/);
  const bad = run("for (const n of [0, 1.5, -2, NaN]) { try { bp.setThreads(n); console.log('accepted', n); } catch (e) { console.log(e.message); } }");
  assert.deepEqual(bad.stdout.trim().split('\n'), [0, 1.5, -2, NaN].map((n) => `setThreads: expected a whole number of threads ≥ 1, got ${n}`));
});

test('training on several threads gives the same weights, bit for bit, as on one', () => {
  // Products of 256×400×400 split across threads (41M multiply-adds, above minWork); Adam steps
  // through Network.learn. The run is repeated (same seeds) until the workers took part in one, as
  // on a busy machine a worker may not get a core within a short run.
  const body = `
    const r = new bp.Random(3);
    const x = bp.tensor(Float32Array.from({ length: 512 * 400 }, () => r.range(-1, 1)), { shape: [512, 400] });
    const y = Array.from({ length: 512 }, (_, i) => i % 10);
    let w, byWorkers = 0;
    for (let attempt = 0; attempt < 10 && (attempt === 0 || (byWorkers === 0 && bp.backendInfo().threads > 1)); attempt++) {
      const before = pool.wasmThreadStats();
      const net = new bp.Network({ inputs: 400, layers: [{ units: 400, activation: 'relu' }, { units: 10, activation: 'softmax' }], loss: 'crossEntropy', seed: 5 });
      net.learn(x, y, { epochs: 6, batchSize: 256, optimizer: 'adam', learningRate: 0.001, seed: 1 });
      w = net.toJSON().layers.flatMap((l) => l.weights.flat().concat(l.bias));
      const s = pool.wasmThreadStats();
      byWorkers = (s.offered - s.takenBack - s.stolen) - (before.offered - before.takenBack - before.stolen);
    }
    const bytes = new Uint8Array(Float64Array.from(w).buffer);
    const digest = (await import('node:crypto')).createHash('sha256').update(bytes).digest('hex');
    console.log(JSON.stringify({ threads: bp.backendInfo().threads, byWorkers, count: w.length, digest }));`;
  const one = JSON.parse(run(body, '1').stdout);
  const many = JSON.parse(run(body, '2').stdout);
  assert.equal(one.threads, 1);
  assert.equal(one.byWorkers, 0);
  assert.equal(many.threads, 2);
  assert.ok(many.byWorkers > 0, 'no band was computed by a worker');
  assert.equal(many.count, 400 * 400 + 400 + 400 * 10 + 10);
  assert.equal(many.digest, one.digest, 'the weights differ');
});
