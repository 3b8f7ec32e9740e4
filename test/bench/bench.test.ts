/**
 * The bench must never rot: a smoke run of `bench/run.ts --tiny --json` (every library, every
 * workload, tiny sizes, one round) must give every library a finite positive figure and backprop a
 * ratio to each peer (the memory workload: a finite growth, no ratio). Also checks the summary
 * arithmetic on hand-made reports. No timing is asserted. Skips, saying why, only when the bench's
 * own dependencies (bench/node_modules) or the build (dist/) are missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, renderTable, summarize } from '../../bench/table.js';
import type { ChildReport } from '../../bench/common.js';
import { skipWithoutTorch } from '../io/torch.js';

/** The repository root, found from this file whether it runs from test/ or from dist/test/. */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'bench', 'run.ts')) || !existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('bench test: cannot find the repository root (a folder with bench/run.ts)');
    dir = up;
  }
  return dir;
}

const ROOT = repoRoot();
const noTorch = skipWithoutTorch();
/** The PyTorch peers run only where a Python has torch; elsewhere the bench reports them missing. */
const TORCH = noTorch ? [] : ['pytorch-1', 'pytorch'];
const PEERS = ['tfjs-wasm', 'tfjs-cpu', 'jaxjs', ...TORCH, 'brain', 'synaptic'];
const depsMissing = existsSync(join(ROOT, 'bench', 'node_modules'))
  ? false
  : 'bench/node_modules is absent: run `npm ci --prefix bench` to install the peers (.ci/run does)';
const distMissing = existsSync(join(ROOT, 'dist', 'src', 'index.js')) ? false : 'dist/ is absent: run `npm run build` first (npm test does)';

interface Row { metric: string; lib: string; median: number; samples: number[]; ratio: number | null; mse?: number; accuracy?: number; early?: number; late?: number }
interface Output {
  rows: Row[]; errors: { lib: string; workload: string; message: string }[]; missing: { lib: string; reason: string }[];
  details: Record<string, string>; machine: { cpu: string; cores: number; node: string }; mode: string;
}

function runBench(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'run.ts'), ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('bench --tiny --json: every library reports, backprop has a finite positive ratio to each peer', { skip: depsMissing || distMissing, timeout: 300_000 }, async () => {
  const { code, stdout, stderr } = await runBench(['--tiny', '--json']);
  assert.equal(code, 0, `bench exited with ${code}:\n${stderr.slice(-2000)}`);
  const out = JSON.parse(stdout) as Output;
  assert.deepEqual(out.errors, []);
  if (noTorch) {
    assert.deepEqual(out.missing.map((m) => m.lib), ['pytorch-1', 'pytorch']);
    for (const m of out.missing) assert.match(m.reason, /no Python with PyTorch/);
  } else {
    assert.deepEqual(out.missing, []);
  }
  assert.equal(out.mode, 'tiny');
  assert.ok(out.machine.cpu.length > 0 && out.machine.cores >= 1 && out.machine.node.startsWith('v'));

  // Which library reports which metric: brain.js and synaptic only do XOR; backprop-module (the
  // same networks as a user's own Module, trained with fit) does XOR and Fashion-MNIST; jax-js and
  // PyTorch do XOR, Fashion-MNIST and both matmul sizes; the CNN runs in backprop, TensorFlow.js and PyTorch.
  const expected: Record<string, string[]> = {
    xor: ['backprop', 'backprop-module', ...PEERS],
    fashion: ['backprop', 'backprop-module', 'tfjs-wasm', 'tfjs-cpu', 'jaxjs', ...TORCH],
    cnn: ['backprop', 'tfjs-wasm', 'tfjs-cpu', ...TORCH],
    matmul: ['backprop', 'tfjs-wasm', 'tfjs-cpu', 'jaxjs', ...TORCH],
    'matmul-large': ['backprop', 'tfjs-wasm', 'tfjs-cpu', 'jaxjs', ...TORCH],
    add: ['backprop', 'tfjs-wasm', 'tfjs-cpu'],
    mul: ['backprop', 'tfjs-wasm', 'tfjs-cpu'],
    exp: ['backprop', 'tfjs-wasm', 'tfjs-cpu'],
    adam: ['backprop', 'tfjs-wasm', 'tfjs-cpu'],
    memory: ['backprop'],
    // issue 12: LSTM(32) over 20 steps × 8 features (jax-js, brain.js, synaptic and backprop-module have none)
    lstm: ['backprop', 'tfjs-wasm', 'tfjs-cpu', ...TORCH],
  };
  for (const [metric, libs] of Object.entries(expected)) {
    assert.deepEqual(out.rows.filter((r) => r.metric === metric).map((r) => r.lib), libs, `libraries reporting ${metric}`);
  }
  for (const row of out.rows.filter((r) => r.metric === 'memory')) {
    // Growth between two epochs' bytes in use: any sign, no ratio (it is not a speed).
    assert.ok(Number.isFinite(row.median) && row.early! > 0 && row.late! > 0, `memory: ${JSON.stringify(row)}`);
    assert.equal(row.ratio, null);
  }
  for (const row of out.rows.filter((r) => r.metric !== 'memory')) {
    const what = `${row.metric} ${row.lib}`;
    assert.ok(Number.isFinite(row.median) && row.median > 0, `${what}: median ${row.median}`);
    assert.ok(row.samples.length === 1 && row.samples.every((s) => Number.isFinite(s) && s > 0), `${what}: samples ${row.samples}`);
    if (row.lib === 'backprop') {
      assert.equal(row.ratio, null, what);
    } else {
      assert.ok(row.ratio !== null && Number.isFinite(row.ratio) && row.ratio > 0, `${what}: ratio ${row.ratio}`);
    }
    if (row.metric === 'xor') assert.ok(Number.isFinite(row.mse) && row.mse! >= 0, `${what}: mse ${row.mse}`);
    if (row.metric === 'fashion' || row.metric === 'cnn') assert.ok(row.accuracy! >= 0 && row.accuracy! <= 1, `${what}: accuracy ${row.accuracy}`);
    if (row.metric === 'lstm') assert.ok(row.accuracy! >= 0 && row.accuracy! <= 1, `${what}: accuracy ${row.accuracy}`);
  }
  for (const peer of PEERS) assert.ok(out.rows.some((r) => r.lib === peer && r.ratio !== null), `a ratio to ${peer}`);
  assert.match(out.details.jaxjs, /^jax-js 0\.1\.25 wasm, /);
});

test('bench --tiny: jax-js and PyTorch (one thread and all) train to a sane accuracy and report their threads', { skip: depsMissing || distMissing || noTorch, timeout: 300_000 }, async () => {
  const { code, stdout, stderr } = await runBench(['--tiny', '--json', '--clock', 'cpu', '--libs', 'jaxjs,pytorch-1,pytorch', '--workloads', 'fashion,matmul']);
  assert.equal(code, 0, `bench exited with ${code}:\n${stderr.slice(-2000)}`);
  const out = JSON.parse(stdout) as Output;
  assert.deepEqual(out.errors, []);
  assert.deepEqual(out.missing, []);
  for (const lib of ['jaxjs', 'pytorch-1', 'pytorch']) {
    const fashion = out.rows.find((r) => r.metric === 'fashion' && r.lib === lib);
    // 512 images, one epoch: well above chance (0.1) for every library, yet not a timing.
    assert.ok(fashion && fashion.accuracy! > 0.2 && fashion.accuracy! <= 1, `${lib} fashion: ${JSON.stringify(fashion)}`);
    assert.ok(fashion.median > 0 && Number.isFinite(fashion.median), `${lib} samples/s ${fashion.median}`);
    for (const metric of ['matmul', 'matmul-large']) {
      const row = out.rows.find((r) => r.metric === metric && r.lib === lib);
      assert.ok(row && row.median > 0 && Number.isFinite(row.median), `${lib} ${metric}: ${JSON.stringify(row)}`);
    }
  }
  assert.match(out.details['pytorch-1'], /^torch \S+ \(.+\), 1 thread, BLAS /);
  assert.match(out.details.pytorch, /^torch \S+ \(.+\), \d+ threads?, BLAS /);
});

test('bench: PyTorch without a Python that has torch is reported missing, not a failure', { skip: depsMissing || distMissing, timeout: 120_000 }, async () => {
  const env = { ...process.env, BACKPROP_BENCH_PYTHON: join(ROOT, 'bench', 'no-such-python') };
  const { code, stdout, stderr } = await runBench(['--tiny', '--json', '--libs', 'backprop,pytorch-1', '--workloads', 'matmul'], env);
  assert.equal(code, 0, `bench exited with ${code}:\n${stderr.slice(-2000)}`);
  const out = JSON.parse(stdout) as Output;
  assert.deepEqual(out.errors, []);
  assert.equal(out.missing.length, 1);
  assert.equal(out.missing[0].lib, 'pytorch-1');
  assert.match(out.missing[0].reason, /no Python with PyTorch \(.*no-such-python/);
  assert.deepEqual(out.rows.map((r) => `${r.metric} ${r.lib}`), ['matmul backprop', 'matmul-large backprop']);
  // The table says so too.
  const table = await runBench(['--tiny', '--libs', 'pytorch-1', '--workloads', 'matmul'], env);
  assert.equal(table.code, 0);
  assert.match(table.stdout, /missing: pytorch-1 is not installed here/);
});

test('bench rejects an unknown option, naming it', { skip: depsMissing || distMissing }, async () => {
  const { code, stderr } = await runBench(['--round', '2']);
  assert.equal(code, 2);
  assert.match(stderr, /unknown option '--round'/);
});

function report(lib: ChildReport['lib'], xor: number, matmul?: number): ChildReport {
  return {
    lib, detail: lib, unsupported: {}, errors: {},
    results: { xor: { updatesPerSec: xor, seconds: 1, nets: 1, mse: 0.01, learned: true }, ...(matmul ? { matmul: [{ gflops: matmul, n: 256 }] } : {}) },
  };
}

test('summary: medians over rounds, spread, and backprop ÷ peer ratios', () => {
  const rounds = [
    [report('backprop', 300, 10), report('synaptic', 100), report('tfjs-wasm', 1, 20)],
    [report('backprop', 900, 30), report('synaptic', 200), report('tfjs-wasm', 3, 20)],
    [report('backprop', 600, 20), report('synaptic', 150), report('tfjs-wasm', 2, 40)],
  ];
  const s = summarize(rounds, ['backprop', 'tfjs-wasm', 'synaptic']);
  const row = (metric: string, lib: string) => s.rows.find((r) => r.metric === metric && r.lib === lib)!;
  assert.equal(row('xor', 'backprop').median, 600);
  assert.equal(row('xor', 'backprop').spread, 1); // (900 − 300) / 600
  assert.equal(row('xor', 'backprop').ratio, null);
  assert.equal(row('xor', 'synaptic').ratio, 4); // 600 / 150
  assert.equal(row('xor', 'tfjs-wasm').ratio, 300); // 600 / 2
  assert.equal(row('matmul', 'tfjs-wasm').ratio, 1); // 20 / 20
  assert.equal(s.rows.find((r) => r.metric === 'matmul' && r.lib === 'synaptic'), undefined);
  assert.deepEqual(s.rows.map((r) => r.metric), ['xor', 'xor', 'xor', 'matmul', 'matmul']);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  const table = renderTable(s);
  assert.match(table, /\| synaptic \| 150 updates\/s \| ±\d+% \| MSE 1\.00e-2, learned \| \*\*4\.00×\*\* \|/);
});

test('summary: one row per matmul size; a missing library is listed, not an error', () => {
  const both: ChildReport = { lib: 'backprop', detail: 'b', unsupported: {}, errors: {}, results: { matmul: [{ gflops: 10, n: 256 }, { gflops: 40, n: 1024 }] } };
  const peer: ChildReport = { lib: 'tfjs-wasm', detail: 't', unsupported: {}, errors: {}, results: { matmul: [{ gflops: 5, n: 256 }, { gflops: 10, n: 1024 }] } };
  const gone: ChildReport = { lib: 'pytorch', detail: 'pytorch', unsupported: {}, errors: {}, results: {}, missing: 'no Python with PyTorch' };
  const s = summarize([[both, peer, gone]], ['backprop', 'tfjs-wasm', 'pytorch']);
  assert.deepEqual(s.rows.map((r) => [r.metric, r.lib, r.ratio]), [['matmul', 'backprop', null], ['matmul', 'tfjs-wasm', 2], ['matmul-large', 'backprop', null], ['matmul-large', 'tfjs-wasm', 4]]);
  assert.deepEqual(s.errors, []);
  assert.deepEqual(s.missing, [{ lib: 'pytorch', reason: 'no Python with PyTorch' }]);
  assert.match(renderTable(s), /\| matmul 1024³ float32 \| backprop \| 40 GFLOP\/s/);
});

test('summary: a library that failed in every round gets no row, and its errors are listed', () => {
  const failed: ChildReport = { lib: 'brain', detail: 'brain', results: {}, unsupported: {}, errors: { xor: 'Error: boom' } };
  const s = summarize([[report('backprop', 10), failed]], ['backprop', 'brain']);
  assert.deepEqual(s.rows.map((r) => r.lib), ['backprop']);
  assert.deepEqual(s.errors, [{ lib: 'brain', workload: 'xor', round: 1, message: 'Error: boom' }]);
});

test('bench/package.json pins the peers the issue names', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'bench', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  assert.deepEqual(pkg.dependencies, { '@jax-js/jax': '0.1.25', '@tensorflow/tfjs': '4.22.0', '@tensorflow/tfjs-backend-wasm': '4.22.0', 'brain.js': '1.6.1', synaptic: '1.1.4' });
});
