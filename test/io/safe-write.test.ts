/**
 * src/io/safe-write.ts in-process (issue 14): what the atomic writes keep and refuse, the
 * multi-file unit, and a kill during a save leaving no temporary file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  checkDistinct, checkWritable, FileError, writeFileAtomic, writeFileAtomicSync, writeFilesAtomicSync, writeTarget,
} from '../../src/io/safe-write.js';

function dir(): { d: string; done: () => void } {
  const d = mkdtempSync(join(tmpdir(), 'bp-safe-'));
  return { d, done: () => rmSync(d, { recursive: true, force: true }) };
}

test('writeFileAtomic keeps the mode, writes through links, creates folders only when asked', async () => {
  const { d, done } = dir();
  try {
    const f = join(d, 'a.txt');
    writeFileSync(f, 'old');
    chmodSync(f, 0o600);
    await writeFileAtomic(f, 'new');
    assert.equal(readFileSync(f, 'utf8'), 'new');
    assert.equal(statSync(f).mode & 0o777, 0o600);
    symlinkSync('a.txt', join(d, 'link'));
    writeFileAtomicSync(join(d, 'link'), 'through');
    assert.ok(lstatSync(join(d, 'link')).isSymbolicLink());
    assert.equal(readFileSync(f, 'utf8'), 'through');
    assert.equal(writeTarget(join(d, 'link')), f);
    assert.throws(() => writeFileAtomicSync(join(d, 'x', 'y', 'b.txt'), 'b'), (e: Error) => e instanceof FileError && /the folder .*x\/y does not exist/.test(e.message));
    assert.ok(!existsSync(join(d, 'x')));
    writeFileAtomicSync(join(d, 'x', 'y', 'b.txt'), 'b', { createFolder: true });
    assert.equal(readFileSync(join(d, 'x', 'y', 'b.txt'), 'utf8'), 'b');
    assert.deepEqual(readdirSync(d).sort(), ['a.txt', 'link', 'x']);
  } finally {
    done();
  }
});

test('non-regular targets, /proc and a loop of links are refused with a FileError naming them', () => {
  const { d, done } = dir();
  try {
    mkdirSync(join(d, 'sub'));
    symlinkSync('loop2', join(d, 'loop1'));
    symlinkSync('loop1', join(d, 'loop2'));
    const cases: [string, RegExp][] = [
      ['/dev/null', /\/dev\/null: it is a character device; backprop writes only regular files/],
      [join(d, 'sub'), /sub: it is a folder; backprop writes only regular files: give a file name/],
      ['/proc/self/oom_score_adj', /\/proc\/self\/oom_score_adj: \/proc\/.* is on proc, a kernel interface, not storage/],
      [join(d, 'loop1'), /loop1: too many levels of symbolic links/],
    ];
    for (const [p, pattern] of cases) {
      assert.throws(() => writeFileAtomicSync(p, 'x'), (e: Error) => e instanceof FileError && pattern.test(e.message), p);
      assert.throws(() => checkWritable(p), (e: Error) => e instanceof FileError && pattern.test(e.message), p);
    }
    assert.deepEqual(readdirSync(d).sort(), ['loop1', 'loop2', 'sub']);
  } finally {
    done();
  }
});

test('checkDistinct: same path, same file through a link, another output', () => {
  const { d, done } = dir();
  try {
    const a = join(d, 'a.csv');
    writeFileSync(a, 'x');
    symlinkSync(a, join(d, 'b.csv'));
    assert.throws(() => checkDistinct([{ what: '--out', path: a }], [{ what: 'the data', path: a }]), /--out .*a\.csv is the same file as the data .*a\.csv/);
    assert.throws(() => checkDistinct([{ what: '--out', path: join(d, 'b.csv') }], [{ what: 'the data', path: a }]), /same file as the data/);
    assert.throws(() => checkDistinct([{ what: '--out', path: join(d, 'n.json') }, { what: '--plot', path: join(d, '.', 'n.json') }], []), /--plot .*n\.json and --out .*n\.json are the same file/);
    checkDistinct([{ what: '--out', path: join(d, 'c.json') }], [{ what: 'the data', path: a }, { what: 'stdin', path: '-' }]);
  } finally {
    done();
  }
});

test('writeFilesAtomicSync: all files or none', () => {
  const { d, done } = dir();
  try {
    writeFileSync(join(d, 'weights.bin'), 'old weights');
    writeFileSync(join(d, 'model.json'), 'old model');
    writeFilesAtomicSync([{ path: join(d, 'weights.bin'), data: 'new weights' }, { path: join(d, 'model.json'), data: 'new model' }]);
    assert.equal(readFileSync(join(d, 'weights.bin'), 'utf8'), 'new weights');
    assert.equal(readFileSync(join(d, 'model.json'), 'utf8'), 'new model');
    // The second target cannot be written: the first is not replaced either.
    writeFileSync(join(d, 'w2.bin'), 'old w2');
    mkdirSync(join(d, 'm2.json'));
    writeFileSync(join(d, 'm2.json', 'inside'), 'x');
    assert.throws(
      () => writeFilesAtomicSync([{ path: join(d, 'w2.bin'), data: 'new w2' }, { path: join(d, 'm2.json'), data: 'new m2' }]),
      (e: Error) => e instanceof FileError && /m2\.json: it is a folder/.test(e.message),
    );
    assert.equal(readFileSync(join(d, 'w2.bin'), 'utf8'), 'old w2');
    assert.deepEqual(readdirSync(d).sort(), ['m2.json', 'model.json', 'w2.bin', 'weights.bin']);
  } finally {
    done();
  }
});

test('a kill (SIGTERM) while a large save is in progress leaves the old file or the new one, and no temporary file', async () => {
  const { d, done } = dir();
  try {
    const target = join(d, 'model.bin');
    writeFileSync(target, 'old');
    const fromSource = import.meta.url.endsWith('.ts');
    const mod = fileURLToPath(new URL(`../../src/io/safe-write.${fromSource ? 'ts' : 'js'}`, import.meta.url));
    // The child starts a 200 MB save and is sent SIGTERM by itself in the same tick.
    const script = `
      const { writeFileAtomic } = await import(${JSON.stringify(mod)});
      const p = writeFileAtomic(${JSON.stringify(target)}, new Uint8Array(200 * 1024 * 1024).fill(1));
      process.kill(process.pid, 'SIGTERM');
      await p;
      setTimeout(() => {}, 2000);
    `;
    const child = spawn(process.execPath, [...(fromSource ? ['--import', 'tsx'] : []), '--input-type=module', '-e', script], { stdio: 'ignore' });
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_c, s) => resolve(s)));
    assert.equal(signal, 'SIGTERM', 'the signal still ends the process');
    assert.deepEqual(readdirSync(d), ['model.bin'], 'no temporary file left behind');
    const size = statSync(target).size;
    assert.ok(size === 3 || size === 200 * 1024 * 1024, `old or whole new file, got ${size} bytes`);
  } finally {
    done();
  }
});
