/**
 * Engine benchmark: the kernels (matmul in all four transpositions, element-wise maps, reductions,
 * softmax) and one autograd training step of a small MLP, on every registered backend. Prints a
 * Markdown table of median times. Timings only: correctness is the test suite's job.
 *
 *   npm run bench:engine -- [--backend js] [--quick] [--json]
 *   (or, with the wasm module already built: node --import tsx bench/engine.ts …)
 */
import os from 'node:os';
import { Random, Tensor, backend, linear, listBackends, noGrad, setBackend, tensor } from '../src/index.js';
import { allocate } from '../src/tensor/dtype.js';

interface Result {
  backend: string;
  name: string;
  medianMs: number;
  minMs: number;
  /** Median process CPU time per run: closer to an idle machine's wall time when cores are shared. */
  cpuMs: number;
  runs: number;
  /** Useful throughput: GFLOP/s for matmul, million elements per second otherwise. */
  rate: string;
}

interface Args {
  backends: string[];
  quick: boolean;
  json: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { backends: [], quick: false, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') args.quick = true;
    else if (a === '--json') args.json = true;
    else if (a === '--backend') {
      const name = argv[++i];
      if (!name) throw new Error('bench/engine: --backend needs a name, e.g. --backend js');
      args.backends.push(name);
    } else throw new Error(`bench/engine: unknown argument '${a}' (known: --backend NAME, --quick, --json)`);
  }
  return args;
}

/**
 * Runs fn until `budgetMs` has passed (at least `minRuns` times) after warming up; returns sorted
 * wall times and sorted CPU times (ms).
 */
function time(fn: () => void, budgetMs: number, minRuns: number): { wall: number[]; cpu: number[] } {
  for (let i = 0; i < 3; i++) fn(); // let the JIT compile the hot loops first
  const wall: number[] = [], cpu: number[] = [];
  const start = performance.now();
  while (wall.length < minRuns || performance.now() - start < budgetMs) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    if (wall.length >= 1000) break;
  }
  const byValue = (a: number, b: number): number => a - b;
  return { wall: wall.sort(byValue), cpu: cpu.sort(byValue) };
}

function randomData(size: number, rng: Random, dtype: 'float32' | 'float64' = 'float32'): Float32Array | Float64Array {
  const d = allocate(dtype, size);
  for (let i = 0; i < size; i++) d[i] = rng.range(-1, 1);
  return d;
}

function run(args: Args): Result[] {
  const rng = new Random(0);
  const budget = args.quick ? 150 : 600;
  const minRuns = args.quick ? 3 : 7;
  const results: Result[] = [];
  const backends = args.backends.length ? args.backends : listBackends();

  for (const name of backends) {
    setBackend(name);
    let column = name;
    const record = (label: string, fn: () => void, work: number, unit: 'GFLOP/s' | 'M elem/s'): void => {
      const { wall, cpu } = time(fn, budget, minRuns);
      const median = wall[Math.floor(wall.length / 2)];
      const cpuMedian = cpu[Math.floor(cpu.length / 2)];
      // Throughput from the fastest run: the least disturbed by other processes.
      const perSecond = work / (wall[0] / 1000);
      const rate = unit === 'GFLOP/s' ? `${(perSecond / 1e9).toFixed(2)} GFLOP/s` : `${(perSecond / 1e6).toFixed(0)} M elem/s`;
      results.push({ backend: column, name: label, medianMs: median, minMs: wall[0], cpuMs: cpuMedian, runs: wall.length, rate });
    };

    // Matmul through the backend directly: the kernel alone, all four transpositions.
    for (const [m, k, n] of [[256, 256, 256], [64, 784, 128]] as const) {
      const a = randomData(m * k, rng), b = randomData(k * n, rng), out = new Float32Array(m * n);
      for (const [ta, tb, tag] of [[false, false, 'A·B'], [false, true, 'A·Bᵀ'], [true, false, 'Aᵀ·B'], [true, true, 'Aᵀ·Bᵀ']] as const) {
        record(`matmul kernel ${tag} ${m}×${k}×${n} f32`, () => backend().matmul(a, b, out, m, k, n, ta, tb), 2 * m * k * n, 'GFLOP/s');
      }
    }
    {
      const a = new Tensor(randomData(256 * 256, rng, 'float64'), [256, 256]);
      const b = new Tensor(randomData(256 * 256, rng, 'float64'), [256, 256]);
      record('matmul op 256×256×256 f64', () => noGrad(() => a.matmul(b)), 2 * 256 ** 3, 'GFLOP/s');
    }

    // Element-wise and reductions on a million float32 elements. They run in src/ops/kernels.ts,
    // not on the backend, so they are measured once (under the first backend) rather than per backend.
    if (name === backends[0]) {
      column = 'any';
      const n = 1000;
      const x = new Tensor(randomData(n * n, rng), [n, n]);
      const y = new Tensor(randomData(n * n, rng), [n, n]);
      const row = new Tensor(randomData(n, rng), [n]);
      const col = new Tensor(randomData(n, rng), [n, 1]);
      const size = n * n;
      noGrad(() => {
        record('add [1000,1000] + same', () => x.add(y), size, 'M elem/s');
        record('mul [1000,1000] · scalar', () => x.mul(1.5), size, 'M elem/s');
        record('add [1000,1000] + [1000] (row bias)', () => x.add(row), size, 'M elem/s');
        record('add [1000,1000] + [1000,1] (general broadcast)', () => x.add(col), size, 'M elem/s');
        record('exp [1000,1000]', () => x.exp(), size, 'M elem/s');
        record('sigmoid [1000,1000]', () => x.sigmoid(), size, 'M elem/s');
        record('relu [1000,1000]', () => x.relu(), size, 'M elem/s');
        record('sum all [1000,1000]', () => x.sum(), size, 'M elem/s');
        record('sum axis 0 [1000,1000]', () => x.sum(0), size, 'M elem/s');
        record('sum axis 1 [1000,1000]', () => x.sum(1), size, 'M elem/s');
        record('max axis 1 [1000,1000]', () => x.max(1), size, 'M elem/s');
        record('transpose [1000,1000]', () => x.transpose(), size, 'M elem/s');
        record('softmax axis 1 [1000,1000]', () => x.softmax(1), size, 'M elem/s');
      });
      column = name;
    }

    // One training step of a 784-128-10 MLP on a batch of 64: forward, cross-entropy, backward.
    {
      const batch = 64;
      const input = new Tensor(randomData(batch * 784, rng), [batch, 784]);
      const w1 = new Tensor(randomData(784 * 128, rng), [784, 128], true);
      const b1 = new Tensor(randomData(128, rng), [128], true);
      const w2 = new Tensor(randomData(128 * 10, rng), [128, 10], true);
      const b2 = new Tensor(randomData(10, rng), [10], true);
      const targets = tensor(Array.from({ length: batch }, (_, i) => Array.from({ length: 10 }, (_, j) => (j === i % 10 ? 1 : 0))));
      const flops = 3 * 2 * batch * (784 * 128 + 128 * 10); // forward + two backward products per layer
      record('MLP 784-128-10 step, batch 64 (fwd+bwd)', () => {
        const h = input.matmul(w1).add(b1).relu();
        const logp = h.matmul(w2).add(b2).logSoftmax(1);
        const loss = logp.mul(targets).sum().neg().div(batch);
        for (const p of [w1, b1, w2, b2]) p.zeroGrad();
        loss.backward();
      }, flops, 'GFLOP/s');
      // The same network as Dense builds it: W stored [out, in], x·Wᵀ + b in one op.
      const v1 = new Tensor(randomData(128 * 784, rng), [128, 784], true);
      const v2 = new Tensor(randomData(10 * 128, rng), [10, 128], true);
      record('MLP 784-128-10 step via linear(), batch 64', () => {
        const h = linear(input, v1, b1).relu();
        const logp = linear(h, v2, b2).logSoftmax(1);
        const loss = logp.mul(targets).sum().neg().div(batch);
        for (const p of [v1, b1, v2, b2]) p.zeroGrad();
        loss.backward();
      }, flops, 'GFLOP/s');
    }
  }
  return results;
}

const args = parseArgs(process.argv.slice(2));
const results = run(args);
if (args.json) {
  const meta = { node: process.version, platform: `${process.platform}-${process.arch}`, cpus: os.cpus().length, loadAverage: os.loadavg()[0] };
  process.stdout.write(JSON.stringify({ ...meta, results }, null, 2) + '\n');
} else {
  const cores = os.cpus();
  process.stdout.write(`backprop engine benchmark: node ${process.version}, ${process.platform}-${process.arch}, ${cores.length} × ${cores[0]?.model ?? 'unknown CPU'}, load average ${os.loadavg()[0].toFixed(1)}\n\n`);
  process.stdout.write('| backend | benchmark | median ms | min ms | median CPU ms | runs | throughput (min) |\n| --- | --- | ---: | ---: | ---: | ---: | ---: |\n');
  for (const r of results) {
    process.stdout.write(`| ${r.backend} | ${r.name} | ${r.medianMs.toFixed(2)} | ${r.minMs.toFixed(2)} | ${r.cpuMs.toFixed(2)} | ${r.runs} | ${r.rate} |\n`);
  }
}
