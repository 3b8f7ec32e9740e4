/**
 * PyTorch on the CPU (Debian's python3-torch 1.13 here), as a Python child process per workload:
 * bench/pytorch_runner.py reads a JSON job on stdin and prints one result line. Two variants:
 * 'pytorch-1' with one thread (torch.set_num_threads(1), and OMP/OpenBLAS/MKL told 1 thread in its
 * environment) and 'pytorch' with all the cores this process may run on. Timing happens inside
 * Python with the clock the bench was given (--clock cpu: time.process_time(), all threads' CPU
 * time, as process.cpuUsage() is for the Node children; wall: time.perf_counter()). Fashion-MNIST
 * goes to Python as a temporary file of float32 values: the very arrays the other libraries get.
 *
 * Which Python: $BACKPROP_BENCH_PYTHON if set, else the first of /usr/bin/python3 and python3 that
 * imports torch. Without one, the factory throws PeerMissing and the bench reports it as missing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CNN, FASHION, LSTM_BENCH, PeerMissing, RESULT_MARKER, XOR, getClock, matmulWarmup, xorQuality,
  type FashionData, type Runner, type SequenceData, type Sizes,
} from '../common.js';

const SCRIPT = join(dirname(dirname(fileURLToPath(import.meta.url))), 'pytorch_runner.py');
const CANDIDATES = ['/usr/bin/python3', 'python3'];

interface PyReply { error?: string; missing?: string; [key: string]: unknown }

/** The cores this process may run on (its affinity mask where Node can tell, else the CPU count). */
export function allThreads(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

function runPython(python: string, threads: number, job: Record<string, unknown>): PyReply {
  const t = String(threads);
  const r = spawnSync(python, [SCRIPT], {
    input: JSON.stringify({ ...job, threads }), encoding: 'utf8', maxBuffer: 16 << 20, timeout: 1_800_000,
    env: { ...process.env, OMP_NUM_THREADS: t, OPENBLAS_NUM_THREADS: t, MKL_NUM_THREADS: t, PYTHONDONTWRITEBYTECODE: '1' },
  });
  if (r.error) return { missing: `${python}: ${r.error.message}` };
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith(RESULT_MARKER));
  if (!line) {
    const why = (r.stderr ?? '').trim().split('\n').slice(-1)[0] || `no result line (exit ${r.status})`;
    return { error: `${python} ${SCRIPT}: ${why}` };
  }
  return JSON.parse(line.slice(RESULT_MARKER.length)) as PyReply;
}

function check(reply: PyReply): PyReply {
  if (reply.error !== undefined) throw new Error(`pytorch: ${reply.error}`);
  return reply;
}

export async function pytorchRunner(threadsWanted: 'one' | 'all'): Promise<Runner> {
  const threads = threadsWanted === 'one' ? 1 : allThreads();
  const candidates = process.env.BACKPROP_BENCH_PYTHON ? [process.env.BACKPROP_BENCH_PYTHON] : CANDIDATES;
  const tried: string[] = [];
  let python: string | null = null;
  let probe: PyReply | null = null;
  for (const p of candidates) {
    const reply = runPython(p, threads, { workload: 'probe', clock: 'wall', seed: 1, sizes: {} });
    if (reply.missing === undefined && reply.error === undefined) { python = p; probe = reply; break; }
    tried.push(`${p}: ${reply.missing ?? reply.error}`);
  }
  if (python === null || probe === null) {
    throw new PeerMissing(`no Python with PyTorch (${tried.join('; ')}); install it (Debian: apt-get install python3-torch) or set BACKPROP_BENCH_PYTHON`);
  }
  const py = python;
  const base = (workload: string, sizes: Sizes, seed: number) => ({ workload, clock: getClock(), seed, sizes });
  /** The MLP or CNN epoch in Python, with the data handed over as a file of float32 values. */
  const withData = async (workload: 'fashion' | 'cnn', hp: Record<string, unknown>, sizes: Sizes, data: FashionData, seed: number) => {
    const dir = mkdtempSync(join(os.tmpdir(), 'backprop-bench-torch-'));
    try {
      const path = join(dir, 'fashion.f32');
      // Little-endian float32, the four arrays one after another (x86 and arm64 are little-endian).
      const parts = [data.trainImages, data.trainLabels, data.testImages, data.testLabels];
      writeFileSync(path, Buffer.concat(parts.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength))));
      const r = check(runPython(py, threads, {
        ...base(workload, sizes, seed), ...hp,
        data: { path, trainCount: data.trainCount, testCount: data.testCount, features: data.features },
      }));
      const seconds = r.seconds as number;
      return {
        samplesPerSec: data.trainCount / seconds, seconds, accuracy: r.accuracy as number,
        trainSamples: data.trainCount, testSamples: data.testCount, synthetic: data.synthetic,
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  return {
    detail: () => `torch ${String(probe.version)} (${py}), ${String(probe.threads)} thread${probe.threads === 1 ? '' : 's'}, BLAS ${String(probe.blas)}`,

    async xor(sizes: Sizes, seed: number) {
      const r = check(runPython(py, threads, { ...base('xor', sizes, seed), xor: XOR }));
      const seconds = r.seconds as number;
      const nets = r.nets as number;
      return { updatesPerSec: (nets * sizes.xorEpochs * 4) / seconds, seconds, nets, ...xorQuality(r.outputs as number[]) };
    },

    fashion: (sizes: Sizes, data: FashionData, seed: number) => withData('fashion', { fashion: FASHION }, sizes, data, seed),
    cnn: (sizes: Sizes, data: FashionData, seed: number) => withData('cnn', { cnn: CNN }, sizes, data, seed),

    // issue 12: nn.LSTM(8, 32, batch_first=True) + nn.Linear(32, 4), Adam, F.cross_entropy (bench/pytorch_runner.py).
    async lstm(sizes: Sizes, data: SequenceData, seed: number) {
      const dir = mkdtempSync(join(os.tmpdir(), 'backprop-bench-torch-'));
      try {
        const path = join(dir, 'sequences.f32');
        const parts = [data.trainX, data.trainY, data.testX, data.testY];
        writeFileSync(path, Buffer.concat(parts.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength))));
        const r = check(runPython(py, threads, { ...base('lstm', sizes, seed), lstm: LSTM_BENCH, data: { path, trainCount: data.trainCount, testCount: data.testCount } }));
        const seconds = r.seconds as number;
        return { samplesPerSec: (data.trainCount * sizes.lstmEpochs) / seconds, seconds, accuracy: r.accuracy as number, trainSamples: data.trainCount, epochs: sizes.lstmEpochs };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },

    async matmul(sizes: Sizes, n: number) {
      const r = check(runPython(py, threads, { ...base('matmul', sizes, 1), n, warmup: matmulWarmup(n) }));
      return { gflops: (2 * n * n * n * (r.perSec as number)) / 1e9, n };
    },
  };
}
