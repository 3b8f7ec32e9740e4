/**
 * Running the real `backprop` command from CLI tests: the built dist/src/cli/main.js when the tests
 * run from dist/ (npm test), or src/cli/main.ts through tsx when run from source. Also small file
 * helpers for the temporary folders the tests write their CSV and IDX files into.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const fromSource = import.meta.url.endsWith('.ts');
const main = fileURLToPath(new URL(`../../src/cli/main.${fromSource ? 'ts' : 'js'}`, import.meta.url));
const nodeArgs = fromSource ? ['--import', 'tsx', main] : [main];
const repoRoot = fileURLToPath(new URL(fromSource ? '../../' : '../../../', import.meta.url));

export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `backprop ...args` to completion (stdin from `input`), in `cwd`. */
export function backprop(args: string[], options: { cwd?: string; input?: string } = {}): Result {
  const r = spawnSync(process.execPath, [...nodeArgs, ...args], {
    cwd: options.cwd ?? repoRoot, input: options.input ?? '', encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' },
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Starts `backprop ...args` without waiting (for the Ctrl-C test). */
export function startBackprop(args: string[]) {
  return spawn(process.execPath, [...nodeArgs, ...args], { cwd: repoRoot, env: { ...process.env, FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A fresh temporary folder, removed by the returned cleanup function. */
export function tempDir(): { dir: string; file: (name: string, text?: string | Uint8Array) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'backprop-cli-'));
  return {
    dir,
    file: (name, text) => {
      const p = join(dir, name);
      if (text !== undefined) writeFileSync(p, text);
      return p;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A seeded pseudo-random generator (mulberry32) for test data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A classification CSV: numeric x, y, a categorical colour, and a class label that depends on all
 * three (learnable to high accuracy).
 */
export function classificationCsv(n: number, seed = 1): string {
  const r = rng(seed);
  const colours = ['red', 'green', 'blue'];
  const lines = ['x,y,colour,kind'];
  for (let i = 0; i < n; i++) {
    const x = r() * 4 - 2, y = r() * 4 - 2;
    const c = Math.floor(r() * 3);
    const score = x + (c === 0 ? 1.5 : c === 1 ? 0 : -1.5);
    const kind = score > 0.7 ? 'high' : score < -0.7 ? 'low' : 'mid';
    lines.push(`${x.toFixed(3)},${y.toFixed(3)},${colours[c]},${kind}`);
  }
  return `${lines.join('\n')}\n`;
}

/** A regression CSV: price = 3a − 2b + a colour offset (+ a little noise), in the hundreds. */
export function regressionCsv(n: number, seed = 2): string {
  const r = rng(seed);
  const colours = ['red', 'green', 'blue'];
  const lines = ['a,b,colour,price'];
  for (let i = 0; i < n; i++) {
    const a = r() * 2 - 1, b = r() * 2 - 1;
    const c = Math.floor(r() * 3);
    const price = 100 + 30 * a - 20 * b + [0, 10, -10][c] + (r() - 0.5);
    lines.push(`${a.toFixed(3)},${b.toFixed(3)},${colours[c]},${price.toFixed(2)}`);
  }
  return `${lines.join('\n')}\n`;
}
