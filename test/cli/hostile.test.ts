/**
 * Issue 14: bad input and hostile files, through the real command. Every case asserts the exit
 * code, one line "backprop: …" naming what and where, no stack trace, and the bytes and mode of
 * every file in the folder before and after (nothing lost, replaced or half-written, no temporary
 * file left behind). Disk-full and read-only cases run in a small tmpfs in a private mount namespace
 * (root only; skipped with the reason otherwise).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync, existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import '../../src/index.js';
import { Network } from '../../src/train/network.js';
import { serializeModel, parseModel } from '../../src/io/model.js';
import { parseCsv } from '../../src/data/csv.js';
import { fitPreprocessor } from '../../src/data/tabular.js';
import { writeIdx } from '../../src/data/idx.js';
import { networkSpec } from '../../src/cli/tabular.js';
import { saveTfjsModel } from '../../src/io/tfjs-file.js';
import { backprop, classificationCsv, rng, startBackprop, tempDir, type Result } from './spawn.js';

/** Asserts a clean failure: exit `code`, one line "backprop: …" matching `pattern`, no stack, no stdout. */
function fails(r: Result, pattern: RegExp, code = 1): void {
  assert.equal(r.code, code, `exit code ${r.code}; stderr: ${r.stderr}`);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `expected one line, got:\n${r.stderr}`);
  assert.match(lines[0], /^backprop: /);
  assert.doesNotMatch(r.stderr, /^\s+at |internal error/m);
  assert.match(lines[0], pattern);
}

/** Every file under `dir` (links as links): its kind, mode and a hash of its bytes. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, prefix: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = lstatSync(p);
      const key = prefix + name;
      if (st.isSymbolicLink()) out[key] = `link → ${readlinkSync(p)}`;
      else if (st.isDirectory()) { out[key] = `dir ${(st.mode & 0o777).toString(8)}`; walk(p, `${key}/`); }
      else if (st.isFile()) out[key] = `file ${(st.mode & 0o777).toString(8)} ${createHash('sha256').update(readFileSync(p)).digest('hex').slice(0, 16)}`;
      else out[key] = `special ${(st.mode & 0o777).toString(8)}`;
    }
  };
  walk(dir, '');
  return out;
}

/** Runs `fn` and asserts that the folder is exactly as before (bytes, modes, no new files). */
function unchanged(dir: string, fn: () => void): void {
  const before = snapshot(dir);
  fn();
  assert.deepEqual(snapshot(dir), before);
}

const DATA = classificationCsv(60);

function modelFor(csv = DATA, hidden = [4]): string {
  const pre = fitPreprocessor(parseCsv(csv, { source: 'd.csv' }), { target: 'kind' });
  const network = new Network(networkSpec(pre, 5, { hidden, activation: 'relu', seed: 0 }));
  return serializeModel({ network, preprocessing: pre, metadata: {} });
}

const fast = ['--epochs', '2', '--quiet'];

// ---- 1. Reading only what was named ------------------------------------------------------------

test('import: weightsManifest paths that leave model.json\'s folder are refused, nothing is read or written', async () => {
  const t = tempDir();
  try {
    const secret = t.file('secret.bin', new Uint8Array(24).fill(7));
    const web = join(t.dir, 'web');
    const net = new Network({ inputs: 2, layers: [{ units: 1, activation: 'sigmoid' }], loss: 'bce', seed: 1 });
    await saveTfjsModel(web, net);
    mkdirSync(join(web, 'sub'));
    symlinkSync(secret, join(web, 'link.bin'));
    const json = JSON.parse(readFileSync(join(web, 'model.json'), 'utf8'));
    const cases: [unknown, RegExp][] = [
      ['../secret.bin', /weightsManifest path "\.\.\/secret\.bin" leaves model\.json's folder/],
      ['sub/../../secret.bin', /weightsManifest path "sub\/\.\.\/\.\.\/secret\.bin" leaves model\.json's folder/],
      [secret, /weightsManifest path ".*secret\.bin" is absolute or a URL/],
      ['file:///etc/passwd', /weightsManifest path "file:\/\/\/etc\/passwd" is absolute or a URL/],
      ['link.bin', /weightsManifest path "link\.bin" is a link to .*secret\.bin, outside model\.json's folder/],
      [42, /a weightsManifest path is 42; expected a file name/],
    ];
    for (const [p, pattern] of cases) {
      json.weightsManifest[0].paths = [p];
      writeFileSync(join(web, 'model.json'), JSON.stringify(json));
      unchanged(t.dir, () => {
        fails(backprop(['import', join(web, 'model.json'), '--out', join(t.dir, 'out.json')]), pattern);
        fails(backprop(['import', join(web, 'model.json')]), pattern);
      });
    }
  } finally {
    t.cleanup();
  }
});

// ---- 2. Writing safely ---------------------------------------------------------------------------

test('an output that is an input (same path, a link, a hard link) or another output is refused before any work', () => {
  const t = tempDir();
  try {
    const data = t.file('d.csv', DATA);
    const model = t.file('m.json', modelFor());
    linkSync(data, join(t.dir, 'hard.csv'));
    symlinkSync(data, join(t.dir, 'soft.csv'));
    symlinkSync('m.json', join(t.dir, 'm-link.json'));
    const cases: [string[], RegExp][] = [
      [['train', data, '--target', 'kind', '--out', data], /--out .*d\.csv is the same file as the data file .*d\.csv; writing it would destroy the input/],
      [['train', data, '--target', 'kind', '--out', join(t.dir, 'hard.csv')], /--out .*hard\.csv is the same file as the data file .*d\.csv/],
      [['train', data, '--target', 'kind', '--out', join(t.dir, 'soft.csv')], /--out .*soft\.csv is the same file as the data file/],
      [['train', join(t.dir, 'soft.csv'), '--target', 'kind', '--out', data], /--out .*d\.csv is the same file as the data file .*soft\.csv/],
      [['predict', model, data, '--out', model], /--out .*m\.json is the same file as the model .*m\.json/],
      [['predict', model, data, '--out', join(t.dir, 'm-link.json')], /--out .*m-link\.json is the same file as the model/],
      [['predict', model, data, '--out', data], /--out .*d\.csv is the same file as the data file/],
      [['train', data, '--target', 'kind', '--out', join(t.dir, 'x.svg'), '--plot', join(t.dir, 'x.svg')], /--plot .*x\.svg and --out .*x\.svg are the same file; give each output its own path/],
      [['export', model, '--format', 'onnx', '--out', model], /--out .*m\.json is the same file as the model/],
      [['export', model, '--format', 'tfjs', '--out', t.dir], /--out .*model\.json|--out .*m\.json/],
    ];
    // (the last one: t.dir/model.json is not m.json, so it is allowed; make it collide)
    cases.pop();
    writeFileSync(join(t.dir, 'model.json'), modelFor());
    cases.push([['export', join(t.dir, 'model.json'), '--format', 'tfjs', '--out', t.dir], /--out .*model\.json is the same file as the model .*model\.json/]);
    const spec = t.file('or.json', JSON.stringify({ inputs: 2, layers: [{ units: 1, activation: 'sigmoid' }], loss: 'bce' }));
    cases.push([['landscape', spec, '--data', 'or', '--out', spec], /--out .*or\.json is the same file as the network file .*or\.json/]);
    linkSync(spec, join(t.dir, 'or-hard.json'));
    cases.push([['landscape', spec, '--data', 'or', '--out', join(t.dir, 'or-hard.json')], /--out .*or-hard\.json is the same file as the network file .*or\.json/]);
    for (const [args, pattern] of cases) unchanged(t.dir, () => fails(backprop(args), pattern));
  } finally {
    t.cleanup();
  }
});

test('output folders: missing is an error with the fix, a trailing / creates it, a file in the path is not a folder', () => {
  const t = tempDir();
  try {
    const data = t.file('d.csv', DATA);
    t.file('plain.txt', 'x');
    unchanged(t.dir, () => {
      fails(backprop(['train', data, '--target', 'kind', ...fast, '--out', join(t.dir, 'new', 'm.json')]),
        /--out .*new\/m\.json: the folder .*new does not exist; create it first, choose another path, or end the path with \/ to have backprop create the folder/);
      fails(backprop(['train', data, '--target', 'kind', ...fast, '--out', join(t.dir, 'plain.txt', 'm.json')]), /--out .*plain\.txt\/m\.json: .*plain\.txt is not a folder/);
      fails(backprop(['train', data, '--target', 'kind', ...fast, '--out', t.dir]), /--out .*: it is a folder; backprop writes only regular files: give a file name/);
      fails(backprop(['train', data, '--target', 'kind', ...fast, '--out', '.']), /--out \.: names a folder; give a file name \(or \.\/ for \.\/model\.json\)/);
      fails(backprop(['train', data, '--target', 'kind', ...fast, '--out', join(t.dir, 'plain.txt/')]), /--out .*plain\.txt\/model\.json: .*plain\.txt is not a folder/);
    });
    const r = backprop(['train', data, '--target', 'kind', ...fast, '--out', `${join(t.dir, 'runs', 'a')}/`, '--plot', `${join(t.dir, 'plots')}/`]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(parseModel(readFileSync(join(t.dir, 'runs', 'a', 'model.json'), 'utf8')).network);
    assert.match(readFileSync(join(t.dir, 'plots', 'loss.svg'), 'utf8'), /^<svg/);
    const p = backprop(['predict', join(t.dir, 'runs', 'a', 'model.json'), data, '--out', `${join(t.dir, 'pred')}/`, '--quiet']);
    assert.equal(p.code, 0, p.stderr);
    assert.match(readFileSync(join(t.dir, 'pred', 'predictions.csv'), 'utf8'), /^x,y,colour,kind,predicted_kind/);
  } finally {
    t.cleanup();
  }
});

test('atomic writes keep the mode, write through a symlink to its target, refuse devices, FIFOs and /proc, /sys', () => {
  const t = tempDir();
  try {
    const data = t.file('d.csv', DATA);
    const model = t.file('m.json', modelFor());
    chmodSync(model, 0o600);
    const r = backprop(['train', data, '--target', 'kind', ...fast, '--out', model]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(statSync(model).mode & 0o777, 0o600);
    assert.notEqual(readFileSync(model, 'utf8'), modelFor());

    mkdirSync(join(t.dir, 'models'));
    const target = t.file('models/run-1.json', 'old\n');
    chmodSync(target, 0o640);
    symlinkSync('models/run-1.json', join(t.dir, 'latest.json'));
    const r2 = backprop(['train', data, '--target', 'kind', ...fast, '--out', join(t.dir, 'latest.json')]);
    assert.equal(r2.code, 0, r2.stderr);
    assert.ok(lstatSync(join(t.dir, 'latest.json')).isSymbolicLink(), 'the link stays a link');
    assert.equal(readlinkSync(join(t.dir, 'latest.json')), 'models/run-1.json');
    assert.ok(parseModel(readFileSync(target, 'utf8')).network, 'the target holds the new model');
    assert.equal(statSync(target).mode & 0o777, 0o640);
    // a dangling link: the file it names is created
    symlinkSync('models/run-2.json', join(t.dir, 'next.json'));
    assert.equal(backprop(['train', data, '--target', 'kind', ...fast, '--out', join(t.dir, 'next.json')]).code, 0);
    assert.ok(existsSync(join(t.dir, 'models', 'run-2.json')));
    assert.ok(lstatSync(join(t.dir, 'next.json')).isSymbolicLink());

    spawnSync('mkfifo', [join(t.dir, 'fifo')]);
    const cases: [string, RegExp][] = [
      ['/dev/null', /--out \/dev\/null: it is a character device; backprop writes only regular files/],
      ['/proc/self/comm', /--out \/proc\/self\/comm: \/proc\/self.* is on proc, a kernel interface, not storage/],
      ['/proc/backprop-test.csv', /--out \/proc\/backprop-test\.csv: \/proc is on proc, a kernel interface/],
      ['/sys/kernel/backprop.csv', /--out \/sys\/kernel\/backprop\.csv: \/sys\/kernel is on sysfs, a kernel interface/],
      [join(t.dir, 'fifo'), /--out .*fifo: it is a named pipe \(FIFO\); backprop writes only regular files/],
    ];
    if (!existsSync(join(t.dir, 'fifo'))) cases.pop();
    for (const [out, pattern] of cases) {
      unchanged(t.dir, () => {
        fails(backprop(['predict', model, data, '--out', out]), pattern);
        fails(backprop(['train', data, '--target', 'kind', ...fast, '--out', out]), pattern);
      });
    }
  } finally {
    t.cleanup();
  }
});

test('a closed pipe ends the command quietly (exit 0, nothing on stderr)', async () => {
  const t = tempDir();
  try {
    const r = rng(9);
    const rows = ['x,y,colour,kind'];
    for (let i = 0; i < 40000; i++) rows.push(`${r().toFixed(3)},${r().toFixed(3)},red,${i % 2 ? 'high' : 'low'}`);
    const data = t.file('big.csv', `${rows.join('\n')}\n`);
    const model = t.file('m.json', modelFor());
    const child = startBackprop(['predict', model, data]);
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const code = await new Promise<number | null>((resolve) => {
      child.stdout.once('data', () => child.stdout.destroy());
      child.on('exit', (c) => resolve(c));
    });
    assert.equal(stderr, '');
    assert.equal(code, 0);
  } finally {
    t.cleanup();
  }
});

test('Ctrl-C in the first epoch never replaces an existing model (exit 130, the file untouched)', async () => {
  const t = tempDir();
  try {
    const r = rng(3);
    const rows = ['x,y,colour,kind'];
    for (let i = 0; i < 30000; i++) rows.push(`${r().toFixed(3)},${r().toFixed(3)},red,${i % 3 ? 'high' : 'low'}`);
    const data = t.file('d.csv', `${rows.join('\n')}\n`);
    const model = t.file('m.json', modelFor());
    chmodSync(model, 0o640);
    const before = snapshot(t.dir);
    const child = startBackprop(['train', data, '--target', 'kind', '--out', model, '--batch-size', '1', '--hidden', '64']);
    let stderr = '';
    const code = await new Promise<number | null>((resolve) => {
      child.stderr.on('data', (d) => {
        stderr += d;
        if (/^training /m.test(stderr) && !child.killed) setTimeout(() => child.kill('SIGINT'), 300);
      });
      child.on('exit', (c) => resolve(c));
    });
    assert.doesNotMatch(stderr, /epoch 1\/300/, 'the first epoch must still have been running');
    assert.equal(code, 130, stderr);
    assert.match(stderr, /backprop: training interrupted before the first epoch finished; nothing was saved; .*m\.json is unchanged/);
    assert.deepEqual(snapshot(t.dir), before);
  } finally {
    t.cleanup();
  }
});

// ---- 2 + 3. Disk full, read-only, permission denied: in a tmpfs of a private mount namespace -----

const here = fileURLToPath(new URL('.', import.meta.url));
const fromSource = import.meta.url.endsWith('.ts');
const mainJs = fileURLToPath(new URL(`../../src/cli/main.${fromSource ? 'ts' : 'js'}`, import.meta.url));
const nodeCmd = [process.execPath, ...(fromSource ? ['--import', 'tsx'] : []), mainJs].map((a) => `'${a}'`).join(' ');

function canMountTmpfs(): string | null {
  if (process.platform !== 'linux') return 'needs Linux mount namespaces';
  if (process.getuid?.() !== 0) return 'needs root to mount a tmpfs in a private mount namespace';
  const r = spawnSync('unshare', ['-m', 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs /mnt && umount /mnt'], { encoding: 'utf8' });
  return r.status === 0 ? null : `unshare -m + mount -t tmpfs failed here (${(r.stderr || r.error?.message || '').trim()})`;
}
const noTmpfs = canMountTmpfs();

/**
 * Runs `script` (sh) in a private mount namespace with a `sizeKb` tmpfs on `mnt`; the script's own
 * last step copies a snapshot out, since the mount goes away with the namespace.
 */
function inTmpfs(mnt: string, sizeKb: number, script: string): { code: number | null; out: string; err: string } {
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `mount -t tmpfs -o size=${sizeKb}k tmpfs '${mnt}' && ${script}`], { encoding: 'utf8', cwd: here });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A shell snippet printing every file under `dir` as "mode size sha256 name". */
const listing = (dir: string) => `(cd '${dir}' && for f in $(ls -A | sort); do printf '%s %s %s %s\\n' "$(stat -c %a "$f")" "$(stat -c %s "$f")" "$(sha256sum "$f" | cut -c1-16)" "$f"; done)`;

test('disk full and read-only: one line naming the path and the cause; the old file, its mode and the folder untouched', { skip: noTmpfs ?? false }, () => {
  const t = tempDir();
  try {
    const data = t.file('d.csv', DATA);
    const old = modelFor();
    const mnt = join(t.dir, 'mnt');
    mkdirSync(mnt);
    // 1. ENOSPC while writing over an existing 600 model: the file system is filled to the last byte.
    writeFileSync(join(t.dir, 'old.json'), old);
    const fill = `(head -c 64M /dev/zero > '${mnt}/filler' 2>/dev/null; true)`;
    const full = inTmpfs(mnt, 256, [
      `cp '${t.dir}/old.json' '${mnt}/m.json' && chmod 600 '${mnt}/m.json'`, fill,
      `${listing(mnt)} > '${t.dir}/before.txt'`,
      `{ ${nodeCmd} train '${data}' --target kind --epochs 2 --quiet --out '${mnt}/m.json'; echo "rc=$?"; }`,
      `{ ${nodeCmd} predict '${mnt}/m.json' '${data}' --out '${mnt}/p.csv'; echo "rc=$?"; }`,
      `${listing(mnt)} > '${t.dir}/after.txt'`,
    ].join(' && '));
    const lines = full.err.trimEnd().split('\n');
    assert.deepEqual(full.out.trim().split('\n'), ['rc=1', 'rc=1'], full.err);
    assert.equal(lines.length, 2, full.err);
    assert.match(lines[0], /^backprop: --out .*mnt\/m\.json: cannot write \(no space left on device, ENOSPC\); the existing file is unchanged$/);
    assert.match(lines[1], /^backprop: --out .*mnt\/p\.csv: cannot write \(no space left on device, ENOSPC\); nothing was written$/);
    assert.equal(readFileSync(join(t.dir, 'after.txt'), 'utf8'), readFileSync(join(t.dir, 'before.txt'), 'utf8'));
    assert.match(readFileSync(join(t.dir, 'after.txt'), 'utf8'), /^600 \d+ \w+ m\.json$/m);

    // 2. A TensorFlow.js export that runs out of space half-way (the new weights.bin fits in the two
    //    free pages, model.json does not) leaves the old export whole: both files or neither.
    writeFileSync(join(t.dir, 'big.json'), modelFor(DATA, [200])); // 1803 weights: 7212 bytes
    const tfjs = inTmpfs(mnt, 256, [
      `${nodeCmd} export '${t.dir}/old.json' --format tfjs --out '${mnt}/web' --quiet`, fill, `truncate -s -8192 '${mnt}/filler'`,
      `${listing(`${mnt}/web`)} > '${t.dir}/before.txt'`,
      `{ ${nodeCmd} export '${t.dir}/big.json' --format tfjs --out '${mnt}/web'; echo "rc=$?"; }`,
      `${listing(`${mnt}/web`)} > '${t.dir}/after.txt'`,
    ].join(' && '));
    assert.equal(tfjs.out.trim(), 'rc=1', tfjs.err);
    assert.match(tfjs.err.trim(), /^backprop: .*web\/model\.json: cannot write \(no space left on device, ENOSPC\); the existing file is unchanged$/);
    const before = readFileSync(join(t.dir, 'before.txt'), 'utf8');
    assert.match(before, /model\.json\n.*weights\.bin\n$/);
    assert.equal(readFileSync(join(t.dir, 'after.txt'), 'utf8'), before);

    // 3. A read-only file system: refused before any work.
    const ro = inTmpfs(mnt, 64, [
      `printf 'keep' > '${mnt}/m.json'`, `mount -o remount,ro '${mnt}'`,
      `{ ${nodeCmd} train '${data}' --target kind --epochs 2 --out '${mnt}/m.json'; echo "rc=$?"; }`,
      `cat '${mnt}/m.json' > '${t.dir}/after.txt'`,
    ].join(' && '));
    assert.equal(ro.out.trim(), 'rc=1', ro.err);
    assert.match(ro.err.trim(), /^backprop: --out .*mnt\/m\.json: cannot write in .*mnt \(read-only file system, EROFS\); choose another path$/);
    assert.equal(readFileSync(join(t.dir, 'after.txt'), 'utf8'), 'keep');
  } finally {
    t.cleanup();
  }
});

test('permission denied (run as nobody): one line before any work', { skip: process.getuid?.() === 0 ? false : 'needs root to run the command as another user' }, () => {
  const t = tempDir();
  try {
    const data = t.file('d.csv', DATA);
    chmodSync(t.dir, 0o755);
    unchanged(t.dir, () => {
      const r = spawnSync(process.execPath, [...(fromSource ? ['--import', 'tsx'] : []), mainJs, 'train', data, '--target', 'kind', '--out', join(t.dir, 'm.json')], { encoding: 'utf8', uid: 65534, gid: 65534, cwd: '/' });
      fails({ code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr }, /--out .*m\.json: cannot write in .* \(permission denied, EACCES\); choose another path/);
    });
  } finally {
    t.cleanup();
  }
});

// ---- 3. Every failure is one line -----------------------------------------------------------------

test('deep specs are refused by a size rule, I/O errors reading are one line, --debug adds the stack', () => {
  const t = tempDir();
  try {
    const deep = t.file('deep.json', JSON.stringify({ inputs: 2, layers: Array.from({ length: 100_000 }, () => ({ units: 1 })) }));
    const d = data(t);
    unchanged(t.dir, () => {
      fails(backprop(['explain', deep, '--input', '1,2', '--target', '1']), /deep\.json: network spec\.layers has 100000 layers; backprop builds at most 1000/);
      fails(backprop(['evaluate', deep, d]), /deep\.json: network spec\.layers has 100000 layers/);
      fails(backprop(['train', '/dev/zero', '--target', 'kind']), /\/dev\/zero: cannot read the CSV file \(it is a device, not a file\)/);
      fails(backprop(['train', t.dir, '--target', 'kind']), /cannot read the CSV file \(it is a folder\)/);
      fails(backprop(['train', join(t.dir, 'd.csv', 'x.csv'), '--target', 'kind']), /cannot read the CSV file \(a part of the path is not a folder, ENOTDIR\)/);
    });
    const dbg = backprop(['--debug', 'train', d, '--target', 'kind', '--out', '/proc/x.json']);
    assert.equal(dbg.code, 1);
    assert.match(dbg.stderr, /^backprop: --out \/proc\/x\.json: \/proc is on proc/);
    assert.match(dbg.stderr, /\n\s+at /);
  } finally {
    t.cleanup();
  }
});

function data(t: ReturnType<typeof tempDir>): string {
  return t.file('d.csv', DATA);
}

// ---- 4. Sizes checked before allocating -----------------------------------------------------------

test('sizes: networks a model file cannot hold or memory cannot train are refused before training, with the count and estimate', () => {
  const t = tempDir();
  try {
    const d = data(t);
    const huge = t.file('huge.json', JSON.stringify({ inputs: 10, layers: [{ units: 1e9 }] }));
    unchanged(t.dir, () => {
      fails(backprop(['train', d, '--target', 'kind', '--hidden', '7000,7000']), /--hidden 7000,7000: 5 inputs → 7000 → 7000 → 3 is 49,070,003 parameters, more than a model file holds \(16,000,000\)/);
      fails(backprop(['train', d, '--target', 'kind', '--hidden', '10000,10000,10000']), /--hidden 10000,10000,10000: .* is 200,\d{3},\d{3} parameters, more than a model file holds/);
      fails(backprop(['--max-memory', '1M', 'train', d, '--target', 'kind', '--hidden', '256,256']), /--hidden 256,256: 68,099 parameters; training would need about 1\.3 MB, above the limit of 1 MB \(--max-memory raises it\)/);
      fails(backprop(['train', d, '--target', 'kind', '--max-memory', '1k']), /the network: 579 parameters; training would need about \d+ kB, above the limit of 1 kB/);
      fails(backprop(['--max-memory', 'lots', 'train', d, '--target', 'kind']), /--max-memory must be a size such as 8G, 512M or a number of bytes, got 'lots'/);
      fails(backprop(['explain', huge, '--input', '1,2,3,4,5,6,7,8,9,10', '--target', '1']), /huge\.json: the network spec asks for 11000000000 parameters, more than backprop builds \(16000000\)/);
    });
    // the limit is a limit, not a ban: raising it trains
    assert.equal(backprop(['--max-memory', '1G', 'train', d, '--target', 'kind', '--hidden', '256,256', ...fast, '--out', join(t.dir, 'ok.json')]).code, 0);
  } finally {
    t.cleanup();
  }
});

function idxPair(t: ReturnType<typeof tempDir>, labels: number[]): { images: string; labels: string } {
  const n = labels.length;
  const r = rng(5);
  const px = new Uint8Array(n * 4).map(() => Math.floor(r() * 256));
  return { images: t.file(`img-${labels.join('-').slice(0, 40)}.idx`, writeIdx([n, 2, 2], px)), labels: t.file(`lab-${labels.join('-').slice(0, 40)}.idx`, writeIdx([n], labels.some((l) => l > 255) ? Int32Array.from(labels) : Uint8Array.from(labels))) };
}

test('IDX class counts are the distinct labels: gaps and a single class are errors, --classes insists', () => {
  const t = tempDir();
  try {
    const base = Array.from({ length: 40 }, (_, i) => i % 10);
    const stray = idxPair(t, [...base.slice(0, 20), 65535, ...base.slice(21)]);
    const single = idxPair(t, Array(30).fill(3));
    const gap = idxPair(t, Array.from({ length: 30 }, (_, i) => [0, 1, 3][i % 3]));
    const csv = data(t);
    unchanged(t.dir, () => {
      fails(backprop(['train', '--images', stray.images, '--labels', stray.labels, '--out', join(t.dir, 'm.json')]),
        /lab-.*: 11 distinct labels \(0, 1, 2, …, 9, 65535\) but the largest is 65535 \(label number 21\), so 65525 classes never appear \(10, 11, 12, …, 65533, 65534\); fix the labels, or give --classes 65536 to train 65536 classes anyway/);
      fails(backprop(['train', '--images', single.images, '--labels', single.labels]), /every label is 3; classification needs at least two classes/);
      fails(backprop(['train', '--images', gap.images, '--labels', gap.labels]), /3 distinct labels \(0, 1, 3\) but the largest is 3 \(label number 3\), so 1 class never appears \(2\); fix the labels, or give --classes 4/);
      fails(backprop(['train', '--images', gap.images, '--labels', gap.labels, '--classes', '3']), /label number 3 is 3, but --classes 3 allows 0\.\.2/);
      fails(backprop(['train', '--images', gap.images, '--labels', gap.labels, '--classes', '1']), /--classes must be a whole number of classes from 2 to 65536, got '1'/);
      fails(backprop(['train', csv, '--target', 'kind', '--classes', '3']), /--classes goes with --images\/--labels data/);
    });
    const ok = backprop(['train', '--images', gap.images, '--labels', gap.labels, '--classes', '4', '--epochs', '2', '--out', join(t.dir, 'm.json'), '--quiet']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stderr, /^backprop: warning: .*lab-.*: 1 of the 4 classes never appears \(2\); the model will never predict them$/m);
    const m = parseModel(readFileSync(join(t.dir, 'm.json'), 'utf8'));
    assert.equal(m.network.outputs, 4);
  } finally {
    t.cleanup();
  }
});

// ---- 5. Numbers that fit float32 ----------------------------------------------------------------

test('numbers outside float32: model files, CSV cells (by file line, 1-based), IDX floats', () => {
  const t = tempDir();
  try {
    const d = data(t);
    const good = JSON.parse(modelFor());
    const edit = (f: (m: typeof good) => void) => { const m = structuredClone(good); f(m); return JSON.stringify(m); };
    const huge = t.file('huge.json', edit((m) => { m.network.layers[0].weights[1][2] = 1e39; }));
    const hugeBias = t.file('huge-bias.json', edit((m) => { m.network.layers[1].bias[0] = -2e38 * 5; }));
    const nullWeight = t.file('null.json', edit((m) => { m.network.layers[0].weights[0][0] = null; }));
    // a quoted field spanning lines: the bad cell is on file line 6, data row 4
    const csv = t.file('big-cell.csv', `x,y,colour,kind\n1,2,red,high\n0,1,"bl\nue",low\n1,1,red,high\n1e39,2,red,low\n${DATA.split('\n').slice(1).join('\n')}`);
    const idxImages = t.file('float-images.idx', writeIdx([3, 2], Float64Array.of(0, 1, 2, 3, 1e39, 5)));
    const idxLabels = t.file('float-labels.idx', writeIdx([3], Uint8Array.of(0, 1, 0)));
    const model = t.file('m.json', modelFor());
    unchanged(t.dir, () => {
      fails(backprop(['evaluate', huge, d]), /huge\.json: network\.layers\[0\]\.weights\[1\]\[2\] is 1e\+39, outside float32's range \(±3\.4028235e38\)/);
      fails(backprop(['predict', hugeBias, d]), /huge-bias\.json: network\.layers\[1\]\.bias\[0\] is -1e\+39, outside float32's range/);
      fails(backprop(['predict', nullWeight, d]), /null\.json: network\.layers\[0\]\.weights\[0\]\[0\] is null; weights must be finite numbers/);
      fails(backprop(['train', csv, '--target', 'kind', '--out', join(t.dir, 'new.json')]), /big-cell\.csv line 6, column "x": "1e39" is outside float32's range \(about ±3\.4e38\)/);
      fails(backprop(['predict', model, csv, '--unknown', 'ignore']), /big-cell\.csv line 6, column "x": "1e39" is outside float32's range/);
      fails(backprop(['train', '--images', idxImages, '--labels', idxLabels]), /float-images\.idx: image 3, value 1 is 1e\+39; image values must be finite numbers within float32's range/);
    });
  } finally {
    t.cleanup();
  }
});

test('a model file with a byte-order mark loads; a non-UTF-8 model file is named', () => {
  const t = tempDir();
  try {
    const d = data(t);
    const bom = t.file('bom.json', `\uFEFF${modelFor()}`);
    const r = backprop(['evaluate', bom, d, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).rows, 60);
    const latin = t.file('latin.json', Buffer.concat([Buffer.from(modelFor().slice(0, 30)), Buffer.from([0xe9]), Buffer.from(modelFor().slice(30))]));
    unchanged(t.dir, () => fails(backprop(['evaluate', latin, d]), /latin\.json line 2: byte 0xE9 \(offset 30\) is not UTF-8 text; save it as UTF-8/));
  } finally {
    t.cleanup();
  }
});

// ---- 6. Columns a user can steer ----------------------------------------------------------------

/** A CSV with a numeric x, a label, and one more column `extra` filled by `cell(i)`. */
function withColumn(cell: (i: number) => string, n = 60, delimiter = ','): string {
  const r = rng(11);
  const lines = [['x', 'extra', 'kind'].join(delimiter)];
  for (let i = 0; i < n; i++) {
    const x = r() * 4 - 2;
    lines.push([x.toFixed(3), cell(i), x > 0 ? 'high' : 'low'].join(delimiter));
  }
  return `${lines.join('\n')}\n`;
}

test('columns: mostly-numeric, decimal-comma, ID-like and control-byte columns are errors naming the column and the flag that fixes it', () => {
  const t = tempDir();
  try {
    const out = join(t.dir, 'm.json');
    const mostly = t.file('mostly.csv', withColumn((i) => (i % 5 === 4 ? `${i}x` : String(i % 7))));
    const comma = t.file('comma.csv', withColumn((i) => `${i % 4},5`, 60, ';'));
    const ids = t.file('ids.csv', withColumn((i) => `user-${1000 + i}`));
    const nul = t.file('nul.csv', withColumn((i) => (i === 6 ? 'bl\u0000ue' : ['red', 'blue'][i % 2])));
    const esc = t.file('esc.csv', withColumn((i) => (i === 2 ? '\u001b[31mred' : ['red', 'blue'][i % 2])));
    const target = t.file('target.csv', `x,y\n${Array.from({ length: 30 }, (_, i) => `${i},${i === 9 ? 'twelve' : i * 2}`).join('\n')}\n`);
    unchanged(t.dir, () => {
      fails(backprop(['train', mostly, '--target', 'kind', '--out', out]),
        /mostly\.csv line 6, column "extra": "4x" is not a number, but the column holds numbers \(48 of 60 cells\); fix the cell, leave it empty to mark it missing, or treat the column as categories \(--categorical extra, option categorical\) or leave it out \(--exclude extra\)/);
      fails(backprop(['train', comma, '--target', 'kind', '--delimiter', ';', '--out', out]),
        /comma\.csv line 2, column "extra": "0,5" is a number with a decimal comma \(60 of 60 cells are\); backprop reads a point as the decimal mark: convert the file \(1,5 → 1\.5\), or treat the column as categories \(--categorical extra/);
      fails(backprop(['train', ids, '--target', 'kind', '--out', out]),
        /ids\.csv: column "extra" looks like an identifier \(60 distinct values in 60 rows\); one-hot encoding it would add 60 inputs that cannot generalise: leave it out \(--exclude extra, option exclude\)/);
      fails(backprop(['train', nul, '--target', 'kind', '--out', out]), /nul\.csv line 8, column "extra": the cell holds a control character \(U\+0000 NUL\); fix the file, or leave the column out \(--exclude extra/);
      fails(backprop(['train', esc, '--target', 'kind', '--out', out]), /esc\.csv line 4, column "extra": the cell holds a control character \(U\+001B ESC\)/);
      fails(backprop(['train', target, '--target', 'y', '--out', out]), /target\.csv line 11, column "y": "twelve" is not a number, but the column holds numbers \(29 of 30 cells\); .*--task classify/);
      fails(backprop(['train', mostly, '--target', 'kind', '--categorical', 'nope']), /mostly\.csv: no column "nope" \(in categorical\); the columns are "x", "extra", "kind"/);
      fails(backprop(['train', mostly, '--target', 'kind', '--exclude', 'kind']), /"kind" is the target; it cannot also be excluded/);
      fails(backprop(['train', mostly, '--target', 'kind', '--exclude', 'extra', '--categorical', 'extra']), /column "extra" is both excluded and categorical/);
      fails(backprop(['train', mostly, '--target', 'kind', '--exclude', 'a,,b']), /--exclude: give column names separated by commas/);
    });
    // the flags resolve them
    for (const [file, flags] of [[mostly, ['--categorical', 'extra']], [comma, ['--delimiter', ';', '--exclude', 'extra']], [ids, ['--exclude', 'extra']], [nul, ['--exclude', 'extra']], [ids, ['--categorical', 'extra']]] as const) {
      const r = backprop(['train', file, '--target', 'kind', ...fast, '--out', out, ...flags]);
      assert.equal(r.code, 0, `${file} ${flags.join(' ')}: ${r.stderr}`);
      const m = parseModel(readFileSync(out, 'utf8'));
      const extra = m.preprocessing!.features.find((f) => f.name === 'extra');
      if (flags[flags.length - 2] === '--exclude') assert.equal(extra, undefined);
      else assert.equal(extra!.kind, 'categorical');
    }
  } finally {
    t.cleanup();
  }
});

test('text encodings: Latin-1 is refused with the line and byte, read correctly with --encoding latin1; UTF-16 and binary files are named', () => {
  const t = tempDir();
  try {
    const text = withColumn((i) => ['café', 'cafe', 'crème'][i % 3]);
    const latin = t.file('latin.csv', Buffer.from(text, 'latin1'));
    const utf16 = t.file('utf16.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    const binary = t.file('binary.csv', writeIdx([4, 2], Uint8Array.of(0, 1, 2, 3, 4, 5, 6, 7)));
    const out = join(t.dir, 'm.json');
    unchanged(t.dir, () => {
      fails(backprop(['train', latin, '--target', 'kind', '--out', out]),
        /latin\.csv line 2: byte 0xE9 \(offset \d+\) is not UTF-8 text; if the file is Latin-1 \/ Windows-1252 \(common from spreadsheets\) give --encoding latin1/);
      fails(backprop(['train', utf16, '--target', 'kind', '--out', out]), /utf16\.csv: the file is UTF-16 text \(it starts with a UTF-16 byte-order mark\); save it as UTF-8/);
      fails(backprop(['train', binary, '--target', 'kind', '--out', out]), /binary\.csv line 1: a NUL byte \(offset 0\); this is a binary file, not text/);
      fails(backprop(['train', latin, '--target', 'kind', '--encoding', 'ebcdic']), /--encoding must be utf8 or latin1, got 'ebcdic'/);
    });
    const r = backprop(['train', latin, '--target', 'kind', '--encoding', 'latin1', ...fast, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    const m = parseModel(readFileSync(out, 'utf8'));
    assert.deepEqual((m.preprocessing!.features[1] as { categories: string[] }).categories, ['cafe', 'café', 'crème']);
    const p = backprop(['predict', out, latin, '--encoding', 'latin1']);
    assert.equal(p.code, 0, p.stderr);
    assert.match(p.stdout, /^-?[\d.]+,café,(high|low),(high|low),/m);
  } finally {
    t.cleanup();
  }
});

test('--impute fills missing inputs with saved values that evaluate and predict apply; --unknown error|ignore', () => {
  const t = tempDir();
  try {
    const r = rng(4);
    const rows = ['x,size,colour,kind'];
    for (let i = 0; i < 80; i++) {
      const x = r() * 4 - 2;
      rows.push(`${i % 10 === 3 ? '' : x.toFixed(3)},${i % 7 === 0 ? 'NA' : String([1, 2, 2, 5][i % 4])},${i % 9 === 0 ? '' : ['red', 'blue', 'blue'][i % 3]},${x > 0 ? 'high' : 'low'}`);
    }
    const d = t.file('gaps.csv', `${rows.join('\n')}\n`);
    const out = join(t.dir, 'm.json');
    unchanged(t.dir, () => {
      fails(backprop(['train', d, '--target', 'kind', '--out', out]), /gaps\.csv line 2, column "size": missing value \("NA"\); 26 rows have missing values: fill them in, or drop those rows \(dropMissing, --drop-missing\), or fill input cells with --impute mean\|median\|most-frequent \(option impute\)/);
      fails(backprop(['train', d, '--target', 'kind', '--impute', 'zero']), /--impute must be one of mean, median, most-frequent, got 'zero'/);
    });
    for (const strategy of ['mean', 'median', 'most-frequent']) {
      const res = backprop(['train', d, '--target', 'kind', '--impute', strategy, ...fast, '--out', out]);
      assert.equal(res.code, 0, res.stderr);
      const pre = parseModel(readFileSync(out, 'utf8')).preprocessing!;
      assert.equal(pre.impute, strategy);
      const size = pre.features.find((f) => f.name === 'size') as { fill: number };
      assert.equal(size.fill, { mean: 2.5, median: 2, 'most-frequent': 2 }[strategy] ?? NaN, strategy === 'mean' ? 'mean of the sizes present' : strategy);
      assert.equal((pre.features.find((f) => f.name === 'colour') as { fill: string }).fill, 'blue');
    }
    // mean of the sizes present: rows with i % 7 != 0 cycle 1, 2, 2, 5 → check it exactly
    const sizes = rows.slice(1).map((l) => l.split(',')[1]).filter((s) => s !== 'NA').map(Number);
    const res = backprop(['train', d, '--target', 'kind', '--impute', 'mean', ...fast, '--out', out]);
    assert.equal(res.code, 0);
    const pre = parseModel(readFileSync(out, 'utf8')).preprocessing!;
    assert.ok(Math.abs((pre.features[1] as { fill: number }).fill - sizes.reduce((a, b) => a + b, 0) / sizes.length) < 1e-9);
    // predict and evaluate fill the same cells
    const newRows = t.file('new.csv', 'x,size,colour,kind\n,,,high\n1.5,NA,red,high\n');
    const p = backprop(['predict', out, newRows]);
    assert.equal(p.code, 0, p.stderr);
    assert.equal(p.stdout.trim().split('\n').length, 3);
    assert.equal(backprop(['evaluate', out, newRows, '--json']).code, 0);
    // unknown categories
    const unknown = t.file('unknown.csv', 'x,size,colour,kind\n1,2,purple,high\n');
    unchanged(t.dir, () => {
      fails(backprop(['predict', out, unknown]), /unknown\.csv line 2, column "colour": unknown category "purple"; the model knows "blue", "red" \(--unknown ignore encodes unknown categories as all zeros\)/);
      fails(backprop(['predict', out, unknown, '--unknown', 'skip']), /--unknown must be error or ignore, got 'skip'/);
    });
    const ign = backprop(['predict', out, unknown, '--unknown', 'ignore']);
    assert.equal(ign.code, 0, ign.stderr);
    assert.match(ign.stdout, /^1,2,purple,high,(high|low),[\d.e-]+,[\d.e-]+$/m);
    assert.equal(backprop(['evaluate', out, unknown, '--unknown', 'ignore', '--json']).code, 0);
  } finally {
    t.cleanup();
  }
});

// ---- 7. Seeds ------------------------------------------------------------------------------------

test('seeds are whole numbers from 0 to 4294967295; others are errors; different seeds differ', () => {
  const t = tempDir();
  try {
    const d = data(t);
    const spec = t.file('spec.json', JSON.stringify({ inputs: 2, layers: [{ units: 1 }], seed: -1 }));
    unchanged(t.dir, () => {
      for (const seed of ['-1', '1.5', '4294967296', 'abc', '1e3', '']) {
        fails(backprop(['train', d, '--target', 'kind', '--seed', seed]), new RegExp(`--seed must be a whole number from 0 to 4294967295, got '${seed.replace('.', '\\.')}'`));
      }
      fails(backprop(['explain', spec, '--input', '1,2', '--target', '1']), /spec\.json: network spec\.seed must be a whole number from 0 to 4294967295, got -1/);
    });
    const w = (seed: string) => {
      const out = join(t.dir, `m${seed}.json`);
      assert.equal(backprop(['train', d, '--target', 'kind', ...fast, '--seed', seed, '--out', out]).code, 0);
      return JSON.parse(readFileSync(out, 'utf8')).network.layers[0].weights;
    };
    assert.notDeepEqual(w('0'), w('1'));
    assert.deepEqual(w('4294967295'), w('4294967295'));
  } finally {
    t.cleanup();
  }
});
