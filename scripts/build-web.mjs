#!/usr/bin/env node
// Builds the playground: type-checks web/ (tsc, web/tsconfig.json), bundles the page
// (web/src/main.ts → web/dist/app.js) and the training worker (web/src/worker.ts →
// web/dist/worker.js) with esbuild, library included, and copies index.html and styles.css.
// web/dist is what `backprop playground` serves. --no-check skips the type check.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const web = join(root, 'web');
const out = join(web, 'dist');
const args = process.argv.slice(2);
for (const a of args) {
  if (a !== '--no-check') {
    console.error(`build-web: unknown option '${a}' (known: --no-check)`);
    process.exit(2);
  }
}

if (!args.includes('--no-check')) {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', join(web, 'tsconfig.json')], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('build-web: type errors in web/ (see above)');
    process.exit(1);
  }
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const common = {
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['es2022', 'chrome100', 'firefox100', 'safari15'],
  minify: true,
  sourcemap: true,
  // papaparse mentions Node's 'stream' only in its Node-stream reader, which the library never calls.
  external: ['stream'],
  logLevel: 'warning',
};
try {
  await build({ ...common, entryPoints: [join(web, 'src', 'main.ts')], outfile: join(out, 'app.js') });
  await build({ ...common, entryPoints: [join(web, 'src', 'worker.ts')], outfile: join(out, 'worker.js') });
} catch (err) {
  console.error(`build-web: bundling failed: ${err.message}`);
  process.exit(1);
}
for (const f of ['index.html', 'styles.css']) copyFileSync(join(web, f), join(out, f));
console.log(`build-web: ${relative(root, out)} (app.js, worker.js, index.html, styles.css)`);
