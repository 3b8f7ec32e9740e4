/**
 * `backprop demo` on a real 80×40 terminal (a pseudo-terminal from util-linux's `script`): it pauses
 * between chapters and within long ones, every screenful between two pauses fits 40 rows with the
 * prompt, and no line is wider than 80 columns. Skipped where `script` is missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, here.split(/[\\/]/).includes('dist') ? '../../..' : '../..');
const cli = join(root, 'dist/src/cli/main.js');
const SCRIPT = ['/usr/bin/script', '/bin/script'].find((p) => existsSync(p));

test('the tour on an 80×40 terminal: each screen between pauses fits, none wider than 80 columns', { skip: SCRIPT ? false : 'util-linux script is not installed', timeout: 120_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'backprop-demo-tty-'));
  // Enter pressed every 0.4 s, as a reader would; the terminal echoes them (blank lines), so only text lines are counted.
  const child = spawn(SCRIPT!, ['-qfec', `stty rows 40 cols 80; ${JSON.stringify(process.execPath)} ${JSON.stringify(cli)} demo --no-color --out ${JSON.stringify(out)}`, '/dev/null'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '', stderr = '';
  child.stdout.on('data', (d) => { stdout += String(d); });
  child.stderr.on('data', (d) => { stderr += String(d); });
  const timer = setInterval(() => { if (child.stdin.writable) child.stdin.write('\n'); }, 400);
  const code = await new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
  clearInterval(timer);
  const r = { status: code, stdout, stderr };
  assert.equal(r.status, 0, r.stderr);
  const screen = r.stdout.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
  const prompts = screen.match(/\[Enter: [^\]]*\] /g) ?? [];
  assert.ok(prompts.length >= 7, `${prompts.length} pauses: between the six chapters and within the long ones`);
  assert.ok(prompts.some((p) => p.startsWith('[Enter: more of chapter 5')), 'the 2-2-2 chapter pauses within itself');
  const screens = screen.split(/\[Enter: [^\]]*\] /);
  screens.forEach((s, k) => {
    const rows = s.split('\n').filter((l) => l.trim() !== '').length;
    assert.ok(rows <= 38, `screen ${k + 1} has ${rows} lines of text (+ the prompt on a 40-row terminal)`);
  });
  for (const line of screen.split('\n')) assert.ok([...line].length <= 80, `${[...line].length} columns: ${line}`);
  assert.match(screen, /Done\. 7 pictures/);
});
