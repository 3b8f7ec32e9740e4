/**
 * `npm run bench`: backprop side by side with TensorFlow.js (wasm and cpu backends), jax-js (wasm),
 * PyTorch (CPU, one thread and all cores; a Python child), brain.js and synaptic. Each library runs
 * in a fresh Node process per round, rounds interleaved (backprop, tfjs-wasm, tfjs-cpu, jaxjs,
 * pytorch-1, pytorch, brain, synaptic, then again), and the table reports medians, the spread,
 * the learning quality reached and backprop's ratio to every peer. See bench/README.md.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  LIBS, RESULT_MARKER, SIZES, WORKLOADS,
  type ChildConfig, type ChildReport, type Clock, type LibName, type Mode, type WorkloadName,
} from './common.js';
import { FASHION_INSTALL_HINT, findFashion } from './data.js';
import { renderTable, summarize, type Summary } from './table.js';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH_DIR);
/** Builds of backprop the children load: this checkout's dist/ copied at the start, and --compare builds (kept, by commit). */
const SNAPSHOTS = join(BENCH_DIR, '.snapshots');

const USAGE = `usage: npm run bench -- [options]     (or: node --import tsx bench/run.ts [options])
  --rounds N          rounds per library (default 3; 1 with --quick or --tiny)
  --quick             smaller Fashion subset (10,000 samples) and shorter timings
  --tiny              smoke-test sizes: a few XOR epochs, 512 Fashion samples, matmul 32³
  --libs a,b          among ${LIBS.join(', ')} (default: all)
  --workloads a,b     among ${WORKLOADS.join(', ')} (default: all)
  --seed N            seed for every library's initialisation and shuffling (default 1)
  --compare REF       also run backprop as built at git commit REF, as library 'backprop@REF'
                      (before/after in one run; repeatable; builds are cached in bench/.snapshots)
  --clock cpu         time with each process's CPU time instead of wall-clock time (steadier on a
                      busy machine; counts the library's own worker threads too)
  --json              print the summary as JSON instead of the table
  --help`;

export interface Options {
  rounds: number;
  mode: Mode;
  libs: LibName[];
  workloads: WorkloadName[];
  seed: number;
  json: boolean;
  compare: string[];
  clock: Clock;
}

class UsageError extends Error {}

function parseList<T extends string>(flag: string, value: string | undefined, known: readonly T[]): T[] {
  if (!value) throw new UsageError(`${flag} needs a comma-separated list among ${known.join(', ')}`);
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const it of items) if (!known.includes(it as T)) throw new UsageError(`${flag}: unknown '${it}' (known: ${known.join(', ')})`);
  return known.filter((k) => items.includes(k));
}

function parseArgs(argv: string[]): Options | null {
  const o: Options = { rounds: 0, mode: 'full', libs: [...LIBS], workloads: [...WORKLOADS], seed: 1, json: false, compare: [], clock: 'wall' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--rounds': {
        const v = value();
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1) throw new UsageError(`--rounds must be a whole number ≥ 1, got ${JSON.stringify(v)}`);
        o.rounds = n;
        break;
      }
      case '--seed': {
        const v = value();
        const n = Number(v);
        if (!Number.isInteger(n)) throw new UsageError(`--seed must be a whole number, got ${JSON.stringify(v)}`);
        o.seed = n;
        break;
      }
      case '--compare': {
        const v = value();
        if (!v) throw new UsageError('--compare needs a git commit, branch or tag, e.g. --compare HEAD~1');
        o.compare.push(v);
        break;
      }
      case '--clock': {
        const v = value();
        if (v !== 'wall' && v !== 'cpu') throw new UsageError(`--clock must be 'wall' or 'cpu', got ${JSON.stringify(v)}`);
        o.clock = v;
        break;
      }
      case '--quick': o.mode = 'quick'; break;
      case '--tiny': o.mode = 'tiny'; break;
      case '--json': o.json = true; break;
      case '--libs': o.libs = parseList('--libs', value(), LIBS); break;
      case '--workloads': o.workloads = parseList('--workloads', value(), WORKLOADS); break;
      case '--help': case '-h': return null;
      default: throw new UsageError(`unknown option '${a}'`);
    }
  }
  if (o.rounds === 0) o.rounds = o.mode === 'full' ? 3 : 1;
  return o;
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
}

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown', cores: cpus.length, memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version, platform: `${process.platform} ${process.arch}`,
  };
}

/**
 * Copies this checkout's built library (dist/src and package.json, which makes it ES modules) so
 * that a rebuild during the run cannot change what is measured between rounds. Packages it imports
 * still resolve from the repository's node_modules, which lies above the copy.
 */
function snapshotCurrent(): string {
  mkdirSync(SNAPSHOTS, { recursive: true });
  const dir = mkdtempSync(join(SNAPSHOTS, 'current-'));
  cpSync(join(ROOT, 'dist', 'src'), join(dir, 'dist', 'src'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  return dir;
}

/**
 * Exports commit `ref` (git archive, so the checkout itself is untouched) into bench/.snapshots/<sha>,
 * links the repository's node_modules into it and runs its own `npm run build`. Cached by commit.
 * Returns the folder and the full commit id.
 */
function buildRef(ref: string, log: (msg: string) => void): { dir: string; sha: string } {
  let sha: string;
  try {
    sha = execFileSync('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    throw new UsageError(`--compare ${ref}: not a commit in this repository (try a sha, a branch, or HEAD~1)`);
  }
  const dir = join(SNAPSHOTS, sha.slice(0, 12));
  if (existsSync(join(dir, 'dist', 'src', 'index.js'))) return { dir, sha };
  log(`bench: building backprop at ${ref} (${sha.slice(0, 12)}) in ${dir} …`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execFileSync('bash', ['-c', 'git archive --format=tar "$1" | tar -x -C "$2"', 'bash', sha, dir], { cwd: ROOT, stdio: ['ignore', 2, 2] });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  // The build's own output goes to stderr so that --json's stdout stays one JSON document.
  const r = spawnSync('npm', ['run', 'build'], { cwd: dir, stdio: ['ignore', 2, 2] });
  if (!existsSync(join(dir, 'dist', 'src', 'index.js'))) {
    throw new Error(`--compare ${ref}: its build produced no dist/src/index.js (npm run build exited with ${r.status}); see the output above`);
  }
  if (r.status !== 0) log(`bench: warning: npm run build at ${ref} exited with ${r.status} but emitted dist/; measuring what it emitted`);
  return { dir, sha };
}

function runChild(config: ChildConfig): Promise<ChildReport> {
  const tsx = import.meta.resolve('tsx');
  // Node 20 ships relaxed SIMD (fused multiply-add) behind a flag; later versions have it on. Every
  // child gets the same runtime features, so no library is measured on a handicapped engine.
  const relaxed = Number(process.versions.node.split('.')[0]) < 22 ? ['--experimental-wasm-relaxed-simd'] : [];
  const args = ['--expose-gc', ...relaxed, '--import', tsx, join(BENCH_DIR, 'child.ts'), JSON.stringify(config)];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith(RESULT_MARKER));
      if (line) return resolve(JSON.parse(line.slice(RESULT_MARKER.length)) as ChildReport);
      const why = `child process exited with ${code}: ${(err.trim().split('\n').slice(-3).join(' | ') || out.trim().slice(-300))}`;
      const errors: ChildReport['errors'] = {};
      for (const w of config.workloads) errors[w] = why;
      resolve({ lib: config.label, detail: config.label, results: {}, unsupported: {}, errors });
    });
  });
}

export interface BenchOutput extends Summary {
  machine: Machine;
  mode: Mode;
  clock: Clock;
  rounds: number;
  seed: number;
  date: string;
  notes: string[];
}

async function main(): Promise<number> {
  let options: Options | null;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`bench: ${e.message}\n${USAGE}`);
    return 2;
  }
  if (options === null) {
    console.log(USAGE);
    return 0;
  }
  const log = (msg: string) => process.stderr.write(`${msg}\n`);
  const notes: string[] = [];
  if (options.libs.some((l) => l !== 'backprop' && l !== 'backprop-module') && !existsSync(join(BENCH_DIR, 'node_modules'))) {
    console.error('bench: the peers are not installed: run `npm ci --prefix bench` (or `npm install --prefix bench`), then retry.');
    return 1;
  }
  // Every child needs dist/: backprop runs from it, and the Fashion-MNIST files are read by its loader.
  if (!existsSync(join(ROOT, 'dist', 'src', 'index.js'))) {
    console.error('bench: dist/ is missing: run `npm run build` first (`npm run bench` does).');
    return 1;
  }
  const fashionDir = findFashion();
  let workloads = options.workloads;
  if ((workloads.includes('fashion') || workloads.includes('cnn')) && fashionDir === null) {
    if (options.mode === 'tiny') {
      notes.push(`${FASHION_INSTALL_HINT} Using seeded random Fashion-like data instead.`);
    } else {
      notes.push(`${FASHION_INSTALL_HINT} The Fashion-MNIST workloads are skipped.`);
      workloads = workloads.filter((w) => w !== 'fashion' && w !== 'cnn');
    }
    log(`bench: ${notes[notes.length - 1]}`);
  }
  const m = machine();
  const compared: { label: string; dir: string; sha: string }[] = [];
  try {
    for (const ref of options.compare) compared.push({ label: `backprop@${ref}`, ...buildRef(ref, log) });
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`bench: ${e.message}`);
    return 2;
  }
  // Which library runs from which build: backprop from the snapshot, then each --compare build, then the peers.
  const current = snapshotCurrent();
  const runs: { lib: LibName; label: string; build: string }[] = [];
  if (options.libs.includes('backprop')) runs.push({ lib: 'backprop', label: 'backprop', build: current });
  for (const c of compared) runs.push({ lib: 'backprop', label: c.label, build: c.dir });
  for (const lib of options.libs) if (lib !== 'backprop') runs.push({ lib, label: lib, build: current });
  const rounds: ChildReport[][] = [];
  try {
    log(`bench: ${options.mode} mode, ${options.rounds} round(s), ${options.clock} clock · ${m.cpu} × ${m.cores} · Node ${m.node} ${m.platform}`);
    for (let r = 0; r < options.rounds; r++) {
      const reports: ChildReport[] = [];
      for (const run of runs) {
        const t0 = performance.now();
        const report = await runChild({ ...run, mode: options.mode, workloads, seed: options.seed, clock: options.clock, fashionDir });
        reports.push(report);
        const errs = Object.entries(report.errors).map(([w, msg]) => `${w}: ${msg}`);
        const miss = report.missing === undefined ? '' : `  not installed: ${report.missing}`;
        log(`  round ${r + 1}/${options.rounds} ${run.label.padEnd(9)} ${((performance.now() - t0) / 1000).toFixed(1)} s${miss}${errs.length ? `  ERRORS: ${errs.join('; ')}` : ''}`);
      }
      rounds.push(reports);
    }
  } finally {
    rmSync(current, { recursive: true, force: true });
  }
  const labels = runs.map((run) => run.label);
  const summary = summarize(rounds, labels);
  for (const c of compared) if (summary.details[c.label]) summary.details[c.label] = `commit ${c.sha.slice(0, 12)}: ${summary.details[c.label]}`;
  const output: BenchOutput = {
    machine: m, mode: options.mode, clock: options.clock, rounds: options.rounds, seed: options.seed, date: new Date().toISOString(), notes, ...summary,
  };
  if (options.json) {
    console.log(JSON.stringify({ ...output, sizes: SIZES[options.mode] }, null, 2));
  } else {
    console.log(`\nbackprop bench · ${options.mode} mode · ${options.rounds} round(s), medians, ${options.clock === 'cpu' ? 'CPU time' : 'wall-clock time'} · ${m.cpu} × ${m.cores} cores, ${m.memoryGiB} GiB · Node ${m.node} · ${m.platform}`);
    for (const lib of labels) if (summary.details[lib]) console.log(`  ${lib}: ${summary.details[lib]}`);
    for (const n of notes) console.log(`  note: ${n}`);
    console.log(`\n${renderTable(summary)}\n`);
    for (const m of summary.missing) console.log(`missing: ${m.lib} is not installed here, so it has no rows: ${m.reason}`);
    for (const e of summary.errors) console.log(`error: ${e.lib} ${e.workload} (round ${e.round}): ${e.message}`);
  }
  return summary.errors.length ? 1 : 0;
}

main().then((code) => { process.exitCode = code; }, (e) => { console.error(e); process.exitCode = 1; });
