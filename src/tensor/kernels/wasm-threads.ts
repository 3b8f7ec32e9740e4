/**
 * Node-only: threaded matrix products on worker_threads (the pool itself is thread-pool.ts,
 * shared with the browser). Every Node entry point starts a pool by default when the machine has
 * more than one core (node-threads.ts); BACKPROP_THREADS=1 or setThreads(1) turns it off. Workers
 * start with the first large product, sleep in Atomics.wait between products and never keep the
 * process alive. Not reachable from the browser-safe core.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { ValueError } from '../errors.js';
import type { WasmKernels } from './wasm.js';
import { shutdownWasmThreads, startedKernels, startPool, workerSource, type Spawn, type WasmThreadsOptions } from './thread-pool.js';

export { DEFAULT_THREAD_MIN_WORK, shutdownWasmThreads, wasmThreadStats, type WasmThreadsOptions } from './thread-pool.js';

const SOURCE = workerSource(`
const { parentPort, workerData } = require('node:worker_threads');
const report = (m) => parentPort.postMessage(m);
`) + 'main(workerData);\n';

const spawnNode: Spawn = (data) => {
  // No inherited execArgv: the worker is plain CommonJS, and a parent's --input-type=module (or
  // --import hooks) would make its source fail or load slowly. V8's flags are process-wide anyway.
  const worker = new Worker(SOURCE, { eval: true, execArgv: [], workerData: data });
  // Referenced until it reports (so `await enableWasmThreads()` sees the report), then unref'd:
  // a sleeping worker never keeps the process alive.
  const report = new Promise<boolean>((resolve) => {
    const done = (ok: boolean) => { worker.unref(); resolve(ok); };
    worker.once('message', (m: { ready?: boolean }) => done(m.ready === true));
    worker.once('error', () => done(false));
    worker.once('exit', () => done(false));
  });
  return { report, terminate: () => { void worker.terminate(); } };
};

/**
 * Starts worker threads sharing one wasm memory and returns the kernels that use them (their
 * gemm — and the 'wasm-threads' backend's matmul — splits large products across the threads).
 * Resolves once every worker is up; null where shared WebAssembly memory is unavailable. Node
 * entry points already do this by default (see setThreads); call it for other options.
 * @example const k = await enableWasmThreads({ threads: 2 }); // backend().name === 'wasm-threads'
 */
export async function enableWasmThreads(options: WasmThreadsOptions = {}): Promise<WasmKernels | null> {
  return startedKernels(startPool(options, 'enableWasmThreads', spawnNode, availableParallelism()), 'wasm threads: no worker could instantiate the kernels; threads are off');
}

/**
 * Sets how many threads large matrix products use, the calling one included: 1 turns the worker
 * pool off (so does the environment variable BACKPROP_THREADS=1 before start-up); n > 1 starts a
 * pool of n − 1 workers, started when the first large product comes. Node's entry points
 * ('backprop-lab' under Node, 'backprop-lab/node', the CLI) call this at start-up with the
 * machine's cores (at most 4). Returns the threads now in use for large products.
 * @example setThreads(1) // one thread, as in a browser without cross-origin isolation
 */
export function setThreads(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new ValueError(`setThreads: expected a whole number of threads ≥ 1, got ${n}`);
  shutdownWasmThreads();
  if (n === 1) return 1;
  const started = startPool({ threads: n }, 'setThreads', spawnNode, availableParallelism());
  return started ? started.pool.threads : 1;
}

/**
 * The Node entry points' default: threads on when the machine has more than one core, unless
 * BACKPROP_THREADS says otherwise (1: off; n: that many). A bad value is one line on stderr, not a
 * crash at import.
 * @internal
 */
export function startDefaultThreads(env: string | undefined = process.env.BACKPROP_THREADS): void {
  let n = Math.min(4, availableParallelism());
  if (env !== undefined && env !== '') {
    const v = Number(env);
    if (!Number.isInteger(v) || v < 1) {
      process.stderr.write(`backprop: BACKPROP_THREADS must be a whole number ≥ 1, got '${env}'; using one thread\n`);
      return;
    }
    n = v;
  }
  if (n > 1) setThreads(n);
}

