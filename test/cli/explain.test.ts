/**
 * The explainer's commands run as a user runs them, on files written into a temporary folder: a few
 * as the real CLI in a child process (the compiled one when this file runs from dist/, tsx otherwise),
 * the rest through the same commander registration in this process (`run`), which is much faster.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { Command } from 'commander';
import '../../src/index.js';
import { registerExplain } from '../../src/cli/commands/explain.js';
import { registerGradcheck } from '../../src/cli/commands/gradcheck.js';
import { registerLandscape } from '../../src/cli/commands/landscape.js';
import { registerDemo } from '../../src/cli/commands/demo.js';

const here = dirname(fileURLToPath(import.meta.url));
const compiled = here.split(/[\\/]/).includes('dist');
const root = resolve(here, compiled ? '../../..' : '../..');
const dir = mkdtempSync(join(tmpdir(), 'backprop-explain-'));

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const argv = compiled ? [join(root, 'dist/src/cli/main.js'), ...args] : ['--import', 'tsx', join(root, 'src/cli/main.ts'), ...args];
  const r = spawnSync(process.execPath, argv, { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The commands in this process, with stdout, stderr and the exit code captured. */
async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const program = new Command('backprop').exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} });
  for (const register of [registerExplain, registerGradcheck, registerLandscape, registerDemo]) register(program);
  for (const c of program.commands) c.exitOverride().configureOutput({ writeOut: () => {}, writeErr: (s) => { err += s; } });
  let out = '', err = '';
  const [w1, w2] = [process.stdout.write, process.stderr.write];
  const saved = process.exitCode;
  process.exitCode = 0;
  process.stdout.write = ((s: string) => { out += s; return true; }) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => { err += s; return true; }) as typeof process.stderr.write;
  let code = 0;
  try {
    await program.parseAsync(['node', 'backprop', ...args]);
    code = Number(process.exitCode ?? 0);
  } catch {
    code = 1; // commander's own usage errors (unknown option)
  } finally {
    process.stdout.write = w1;
    process.stderr.write = w2;
    process.exitCode = saved;
  }
  return { code, stdout: out, stderr: err };
}

const file = (name: string, content: unknown): string => {
  const p = join(dir, name);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
};

// Seed 004's network (the article's "-0.05" in its sums is a typo for x₂ = −0.5).
const seed004 = file('seed004.json', {
  inputs: 2,
  layers: [
    { units: 2, activation: 'sigmoid', weights: [[0.1, -0.2], [0.3, 0.55]], bias: [0.01, -0.02] },
    { units: 2, activation: 'sigmoid', weights: [[0.37, 0.9], [-0.22, -0.12]], bias: [0.31, 0.27] },
  ],
  loss: 'mse',
});
const orNeuron = file('or.json', { inputs: 2, layers: [{ units: 1, activation: 'sigmoid', weights: [[-4, -4]], bias: [0] }], loss: 'mse' });

test('backprop explain prints seed 004\'s numbers (text, markdown, json)', async () => {
  const r = cli('explain', seed004, '--input', '0.5,-0.5', '--target', '0.9,0.1', '--learning-rate', '1.2');
  assert.equal(r.code, 0, r.stderr);
  // outputs 0.7165 and 0.5239 (the article, rounding as it goes, prints 0.7164 and 0.5238)
  for (const s of ['0.5399', '0.4638', '0.7165', '0.5239', '-0.1835 · 0.2031 · 0.5399', '0.37 → 0.3941', '0.1 → 0.1055']) assert.ok(r.stdout.includes(s), `lacks ${s}`);
  const md = await run('explain', seed004, '--input', '0.5,-0.5', '--target', '0.9,0.1', '--learning-rate', '1.2', '--format', 'markdown');
  assert.equal(md.code, 0, md.stderr);
  assert.match(md.stdout, /^# Backpropagation, worked step by step/);
  assert.ok(md.stdout.includes('| y1 | 0.37·0.5399 + 0.9·0.4638 + 0.31 | 0.9272 | 0.7165 |'));
  const js = await run('explain', seed004, '--input', '0.5,-0.5', '--target', '0.9,0.1', '--learning-rate', '1.2', '--format', 'json');
  assert.equal(js.code, 0, js.stderr);
  const trace = JSON.parse(js.stdout);
  assert.equal(trace.kind, 'backprop-trace');
  assert.equal(Number(trace.steps[0].layers[0].neurons[0].a.toPrecision(4)), 0.5399);
  assert.equal(Number(trace.updated.layers[1].weights[0][0].toPrecision(4)), 0.3941);
});

test('backprop explain fits 80 columns when not on a terminal (seed 004 and a 2-8-8-8-8-1 network); --wide prints every column', async () => {
  const cols = (text: string) => Math.max(...text.split('\n').map((l) => [...l].length));
  const narrow = cli('explain', seed004, '--input', '0.5,-0.5', '--target', '0.9,0.1', '--learning-rate', '1.2');
  assert.equal(narrow.code, 0, narrow.stderr);
  assert.ok(cols(narrow.stdout) <= 80, `seed 004: ${cols(narrow.stdout)} columns`);
  assert.match(narrow.stdout, /the parameter column is left out to fit 80 columns/);
  assert.match(narrow.stdout, /\n {2}w\(h1→y1\) {2}-0\.1835 · 0\.2031 · 0\.5399 +-0\.02012 {2}0\.37 → 0\.3941\n/);
  const wide = await run('explain', seed004, '--input', '0.5,-0.5', '--target', '0.9,0.1', '--learning-rate', '1.2', '--wide');
  assert.equal(wide.code, 0, wide.stderr);
  assert.ok(cols(wide.stdout) > 90, 'the full tables are wider than a terminal');
  assert.match(wide.stdout, /layers\.1\.weight\[0\]\[0\] {2}w\(h1→y1\)/);
  const deep = file('deep.json', { inputs: 2, layers: [8, 8, 8, 8].map((units) => ({ units, activation: 'tanh' })).concat([{ units: 1, activation: 'sigmoid' }]), loss: 'bce', seed: 3 });
  const big = await run('explain', deep, '--input', '0.5,-0.5', '--target', '1');
  assert.equal(big.code, 0, big.stderr);
  assert.ok(cols(big.stdout) <= 80, `2-8-8-8-8-1: ${cols(big.stdout)} columns`);
  // every number of the wide rendering is still there: wrapping only breaks lines
  const numbers = (t: string) => (t.match(/-?\d+\.\d+(e-?\d+)?/g) ?? []).sort();
  const bigWide = await run('explain', deep, '--input', '0.5,-0.5', '--target', '1', '--wide');
  assert.deepEqual(numbers(big.stdout), numbers(bigWide.stdout));
});

test('backprop explain reads a model file and --digits, --steps', async () => {
  const spec = JSON.parse(readFileSync(seed004, 'utf8'));
  const model = file('model.json', { format: 'backprop-model', version: 1, network: spec });
  const r = await run('explain', model, '--input', '0.5,-0.5', '--target', '0.9,0.1', '--learning-rate', '1.2', '--digits', '6', '--steps', '2');
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stdout.includes('0.539915'));
  assert.ok(r.stdout.includes('=== Step 2 of 2 ==='));
});

test('backprop explain --expr: seed 002, with DOT and SVG graphs', async () => {
  const dot = join(dir, 'g.dot'), svg = join(dir, 'g.svg');
  const r = await run('explain', '--expr', 'x*y + z', '--at', 'x=3,y=-4,z=2', '--learning-rate', '0.1', '--graph', dot);
  assert.equal(r.code, 0, r.stderr);
  for (const s of ['x · y = 3 · (-4)', '∂f/∂x = y = -4', 'g: -10 → -12.72']) assert.ok(r.stdout.includes(s), `lacks ${s}`);
  assert.match(readFileSync(dot, 'utf8'), /label="\{ x \| value 3 \| grad -4 \}"/);
  assert.equal((await run('explain', '--expr', 'x*y + z', '--at', 'x=3,y=-4,z=2', '--graph', svg)).code, 0);
  assert.match(readFileSync(svg, 'utf8'), /^<svg xmlns/);
  // within 80 columns when not on a terminal
  assert.ok(Math.max(...r.stdout.split('\n').map((l) => [...l].length)) <= 80);
});

test('errors are one clear message and exit code 1: syntax (with the column), missing options, bad files', async () => {
  const syntax = cli('explain', '--expr', 'x*(y + ', '--at', 'x=1,y=2');
  assert.equal(syntax.code, 1);
  assert.match(syntax.stderr, /^backprop: expression: column 8: the expression ends too early/);
  assert.match(syntax.stderr, /\n {2}x\*\(y \+ \n {9}\^/);
  const noTarget = await run('explain', seed004, '--input', '0.5,-0.5');
  assert.equal(noTarget.code, 1);
  assert.match(noTarget.stderr, /--target is required/);
  const wrongWidth = await run('explain', seed004, '--input', '0.5', '--target', '0.9,0.1');
  assert.match(wrongWidth.stderr, /input has 1 values, but the network takes 2/);
  const missing = await run('explain', join(dir, 'nope.json'), '--input', '1,2', '--target', '1,1');
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /nope\.json: cannot read the network file \(no such file\)/);
  const bad = file('bad.json', '{"inputs": 2, "layers": [{"units": 1, "weights": [[1]]}]}');
  assert.match((await run('explain', bad, '--input', '1,2', '--target', '1')).stderr, /weights\[0\] has 1 numbers, expected 2/);
  assert.notEqual((await run('explain', seed004, '--input', '1,2', '--target', '1,1', '--bogus')).code, 0);
});

test('backprop gradcheck: passes (exit 0) on a network and on seed 003\'s --double table', async () => {
  const r = await run('gradcheck', seed004, '--input', '0.5,-0.5', '--target', '0.9,0.1');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /All 12 gradients agree/);
  assert.match(r.stdout, /layers\.1\.weight\[0\]\[0\] +0\.37 +-0\.0201/);
  const d = await run('gradcheck', '--double');
  assert.equal(d.code, 0, d.stderr);
  for (const s of ['30.006', '29.994', 'rate = (30.006 − 30) / 0.0001 = 60.003', '∂L/∂w1 = 60']) assert.ok(d.stdout.includes(s), `lacks ${s}`);
  const or = await run('gradcheck', orNeuron, '--data', 'or', '--format', 'json');
  assert.equal(or.code, 0, or.stderr);
  assert.equal(JSON.parse(or.stdout).rows.length, 3);
  const csv = file('line.csv', 'x,y\n0,0\n1,2\n2,4\n');
  const line = file('line.json', { inputs: 1, layers: [{ units: 1, weights: [[3]], bias: [0] }], loss: 'sse' });
  const c = await run('gradcheck', line, '--data', csv, '--target', 'y', '--perturb', 'w1');
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stdout, /total +5 /);
});

test('backprop gradcheck exits 1 when a gradient is wrong: a step unit has zero gradient but the loss jumps', () => {
  // The step activation's gradient is 0 everywhere, yet with z exactly at the jump a central difference sees a jump.
  const stepNet = file('step.json', { inputs: 1, layers: [{ units: 1, activation: 'step', weights: [[1]], bias: [0] }], loss: 'mse' });
  const r = cli('gradcheck', stepNet, '--input', '0', '--target', '1');
  assert.equal(r.code, 1);
  assert.match(r.stdout, /DISAGREE/);
  assert.match(r.stderr, /gradient check failed: 1 of 2 gradients disagree \(first: layers\.0\.bias\[0\]\)/);
});

test('backprop landscape: seed 000\'s PNG and SVG, and a text map', async () => {
  const png = join(dir, 'landscape.png');
  const r = cli('landscape', orNeuron, '--data', 'or', '--fix-bias', '--path', 'adam', '--learning-rate', '0.1', '--grid', '31', '--out', png);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /start \(-4, -4\): loss 0\.7945/);
  const bytes = readFileSync(png);
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const img = PNG.sync.read(bytes);
  assert.deepEqual([img.width, img.height], [660, 600]);
  const svg = join(dir, 'landscape.svg');
  assert.equal((await run('landscape', orNeuron, '--data', 'or', '--fix-bias', '--range', '-6:6', '--grid', '11', '--out', svg, '--width', '400', '--height', '380')).code, 0);
  assert.match(readFileSync(svg, 'utf8'), /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="400" height="380"/);
  const text = await run('landscape', orNeuron, '--data', 'or', '--fix-bias', '--grid', '21', '--path', 'sgd', '--steps', '30');
  assert.equal(text.code, 0, text.stderr);
  assert.ok(text.stdout.includes('O') && !text.stdout.includes('\x1b['));
  const json = join(dir, 'l.json');
  assert.equal((await run('landscape', orNeuron, '--data', 'or', '--grid', '5', '--params', 'w2,b1', '--out', json)).code, 0);
  assert.deepEqual(JSON.parse(readFileSync(json, 'utf8')).params, ['layers.0.weight[0][1]', 'layers.0.bias[0]']);
  assert.match((await run('landscape', orNeuron, '--data', 'or', '--range', '5:1')).stderr, /--range must look like low:high/);
  assert.match((await run('landscape', orNeuron, '--data', 'nand')).stderr, /neither a built-in dataset/);
  assert.match((await run('landscape', orNeuron, '--data', 'or', '--params', 'w7,w1')).stderr, /parameter 'w7' does not exist/);
  assert.ok(!existsSync(join(dir, 'never.png')));
});

test('backprop demo runs straight through when not on a terminal and names its picture folder', async () => {
  const out = join(dir, 'demo');
  const r = await run('demo', '--out', out, '--chapter', '3');
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stdout.includes(`Pictures go to ${out}`));
  assert.ok(r.stdout.includes('Chapter 3 of 6: The chain rule on g = x·y + z (seed 002)'));
  assert.ok(r.stdout.includes('g: -10 → -12.72'));
  assert.ok(!r.stdout.includes('[Enter'), 'no pause without a terminal');
  assert.match(readFileSync(join(out, 'xyz-graph.svg'), 'utf8'), /^<svg/);
  assert.match((await run('demo', '--out', out, '--chapter', '9')).stderr, /--chapter must be a chapter number from 1 to 6/);
});
