/**
 * What `npm install -g backprop-lab` gets: `backprop --version`, and `npm pack`'s file list (library,
 * CLI, wasm kernels, the built playground, README and LICENSE; no tests or sources), with `prepack`
 * building first so a fresh clone packs a working command. Needs `npm run build` first (npm test does it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, here.split(/[\\/]/).includes('dist') ? '../../..' : '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, any>;

test('backprop --version prints the package version', () => {
  const r = spawnSync(process.execPath, [join(root, 'dist/src/cli/main.js'), '--version'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `${pkg.version}\n`);
  assert.match(pkg.version, /^\d+\.\d+\.\d+/);
});

test('package.json: a free npm name, the backprop command, MIT, prepack builds', () => {
  assert.equal(pkg.name, 'backprop-lab', "'backprop' on npm is someone else's package");
  assert.deepEqual(pkg.bin, { backprop: './dist/src/cli/main.js' });
  assert.equal(pkg.license, 'MIT');
  assert.match(readFileSync(join(root, 'LICENSE'), 'utf8'), /^MIT License\n/);
  assert.equal(pkg.scripts.prepack, 'npm run build');
  assert.match(pkg.scripts.build, /build-wasm\.mjs.*tsc -p tsconfig\.json.*build-web\.mjs/);
  assert.ok(readFileSync(join(root, pkg.bin.backprop), 'utf8').startsWith('#!/usr/bin/env node\n'), 'the command has its shebang');
  // the renderer and its font are runtime dependencies of the CLI; the test-only PNG decoder is not
  for (const d of ['@resvg/resvg-wasm', 'dejavu-fonts-ttf', 'commander', 'cli-progress']) assert.ok(pkg.dependencies[d], d);
  assert.equal(pkg.dependencies.pngjs, undefined);
});

test('npm pack --dry-run: library, CLI, wasm kernels and the built playground; no tests, no TypeScript sources', () => {
  const npm = process.env.npm_execpath;
  const r = npm && existsSync(npm)
    ? spawnSync(process.execPath, [npm, 'pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' })
    : spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const [info] = JSON.parse(r.stdout) as { name: string; files: { path: string }[] }[];
  assert.equal(info.name, 'backprop-lab');
  const files = new Set(info.files.map((f) => f.path));
  for (const f of [
    'package.json', 'README.md', 'LICENSE',
    'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/node.js', 'dist/src/cli/main.js', 'dist/src/cli/png.js', 'dist/src/cli/train-worker.js',
    'dist/src/tensor/kernels/wasm-binary.js', 'dist/src/tensor/kernels/wasm-binary-shared.js',
    'web/dist/index.html', 'web/dist/app.js', 'web/dist/worker.js', 'web/dist/styles.css',
  ]) assert.ok(files.has(f), `the package lacks ${f}`);
  const stray = [...files].filter((f) => f.startsWith('dist/test/') || f.startsWith('src/') || f.startsWith('test/') || f.startsWith('node_modules/'));
  assert.deepEqual(stray, []);
});
