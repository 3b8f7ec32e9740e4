/**
 * Node-only: the wasm kernels on shared memory with worker threads that take a share of every
 * large matrix product (its columns split in NR-aligned bands, one per thread, the calling thread
 * doing the first). A band no worker has claimed by the time the caller finishes its own is done by
 * the caller, so a busy or sleeping core costs little more than the single-thread time. Opt-in: see
 * scripts/bench-matmul.mjs --threads for whether it pays. Workers sleep in Atomics.wait between
 * products and never keep the process alive. Not reachable from the browser-safe core.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { BackpropError, ValueError } from '../errors.js';
import { registerBackend } from './backend.js';
import { RELAXED_SHARED_WASM_BASE64, SIMD_SHARED_WASM_BASE64 } from './wasm-binary-shared.js';
import { WasmKernels, createWasmBackend, supportedWasmVariants, type GemmThreads, type WasmVariant } from './wasm.js';

/** Products with fewer multiply-adds (m·k·n) than this stay on one thread: waking a worker costs more. */
export const DEFAULT_THREAD_MIN_WORK = 64 * 64 * 64;
const NR = 8; // the micro-kernel's tile width (assembly/kernels.ts): bands are multiples of it
const MAX_PAGES = 32768; // must match --maximumMemory in scripts/build-wasm.mjs

// Control block, Int32 slots. JOB: > 0, job id j offered; −j, claimed by the worker; 0, none (or
// taken back by the caller). OP: 0 gemm, 1 stop. ARGS: the 13 gemm arguments (workspace last).
// DONE: id of the last job the worker finished; STATUS: 0 when it went well.
// Protocol: the caller writes ARGS, then JOB = j (and notifies); the worker claims with
// compareExchange(JOB, j, −j), computes, sets DONE = j. The caller, done with its own band, takes
// the job back with compareExchange(JOB, j, 0) or, if the worker got there first, waits for DONE.
const JOB = 0, OP = 1, ARGS = 2, DONE = 15, STATUS = 16, CTRL_INTS = 17;
/** Spins before sleeping, both sides: a product usually follows another within microseconds. */
const SPINS = 2000;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
function main() {
  const { module, memory, ctrlOffset } = workerData;
  let x;
  try {
    x = new WebAssembly.Instance(module, { env: { memory } }).exports;
  } catch (e) {
    parentPort.postMessage({ error: String(e) });
    return;
  }
  const c = new Int32Array(memory.buffer, ctrlOffset, ${CTRL_INTS});
  parentPort.postMessage({ ready: true });
  for (;;) {
    let spins = 0, job;
    while ((job = Atomics.load(c, ${JOB})) <= 0) {
      if (++spins > ${SPINS}) { Atomics.wait(c, ${JOB}, job); spins = 0; }
    }
    if (Atomics.compareExchange(c, ${JOB}, job, -job) !== job) continue; // taken back by the caller
    if (c[${OP}] === 1) break;
    let status = 0;
    try {
      x.gemm(c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10], c[11], c[12], c[13], c[14]);
    } catch (e) {
      status = 1;
    }
    Atomics.store(c, ${STATUS}, status);
    Atomics.store(c, ${DONE}, job);
    Atomics.notify(c, ${DONE});
  }
}
main();
`;

// The WebAssembly global as used here (@types/node declares no values for it; lib.dom is off).
interface SharedMemory { readonly buffer: SharedArrayBuffer; grow(pages: number): number }
interface WasmThreadsApi {
  validate(bytes: Uint8Array): boolean;
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => SharedMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const WA = (globalThis as unknown as { WebAssembly?: WasmThreadsApi }).WebAssembly;

function decode(base64: string): Uint8Array {
  return new Uint8Array(Buffer.from(base64, 'base64'));
}

interface Helper {
  worker: Worker;
  ctrl: Int32Array;
  /** Id of the last job offered to this worker. */
  job: number;
  workOffset: number;
  workBytes: number;
}

class Pool implements GemmThreads {
  closed = false;
  /** Bands offered to workers, and how many of them the caller took back unclaimed. */
  offered = 0;
  takenBack = 0;
  constructor(private readonly kernels: WasmKernels, private readonly helpers: Helper[], private readonly minWork: number, private readonly memory: SharedMemory) {}

  /** Threads a large product runs on: the caller and the live workers (1 once closed). */
  get threads(): number {
    return this.closed ? 1 : this.helpers.length + 1;
  }

  private ctrlView(h: Helper): Int32Array {
    // Shared memory never moves, but a grown memory hands out a new, longer SharedArrayBuffer.
    if (h.ctrl.buffer !== this.memory.buffer) h.ctrl = new Int32Array(this.memory.buffer, h.ctrl.byteOffset, CTRL_INTS);
    return h.ctrl;
  }

  gemm(args: readonly number[]): boolean {
    const [, transB, m, n, k, a, lda, b, ldb, c, ldc] = args;
    const parts = this.helpers.length + 1;
    if (this.closed || m * n * k < this.minWork || n < parts * NR) return false;
    // Column bands: band i is C[:, j0:j1] = op(A) · op(B)[:, j0:j1]; the caller does band 0.
    const band = Math.ceil(n / parts / NR) * NR;
    const offered: { h: Helper; job: number; args: number[] }[] = [];
    for (let i = 1; i < parts; i++) {
      const j0 = i * band, j1 = Math.min(n, j0 + band);
      if (j1 <= j0) break;
      const h = this.helpers[i - 1];
      const need = this.kernels.workspaceBytes(m, j1 - j0, k);
      if (need > h.workBytes) {
        if (h.workBytes > 0) this.kernels.release(h.workOffset, h.workBytes);
        h.workBytes = Math.ceil(Math.max(need, 2 * h.workBytes) / 64) * 64;
        h.workOffset = this.kernels.allocBytes(h.workBytes);
      }
      const ctrl = this.ctrlView(h);
      const bPart = transB ? b + j0 * ldb * 4 : b + j0 * 4;
      const job = [args[0], transB, m, j1 - j0, k, a, lda, bPart, ldb, c + j0 * 4, ldc, args[11], h.workOffset];
      for (let s = 0; s < job.length; s++) ctrl[ARGS + s] = job[s];
      ctrl[OP] = 0;
      h.job = h.job >= 0x3fffffff ? 1 : h.job + 1;
      Atomics.store(ctrl, JOB, h.job);
      Atomics.notify(ctrl, JOB);
      offered.push({ h, job: h.job, args: job });
    }
    const mine = [...args];
    mine[3] = Math.min(n, band);
    this.kernels.gemmBlock(mine);
    for (const { h, job, args: theirs } of offered) {
      const ctrl = this.ctrlView(h);
      this.offered++;
      if (Atomics.compareExchange(ctrl, JOB, job, 0) === job) {
        // Not claimed yet (the worker is asleep or its core busy): do the band here.
        this.takenBack++;
        this.kernels.gemmBlock(theirs.slice(0, 12));
        continue;
      }
      let spins = 0;
      const started = Date.now();
      while (Atomics.load(ctrl, DONE) !== job) {
        if (++spins > SPINS) {
          Atomics.wait(ctrl, DONE, Atomics.load(ctrl, DONE), 1000);
          spins = 0;
          if (Date.now() - started > 120_000) {
            this.closed = true;
            throw new BackpropError('wasm threads: a worker did not finish its share of a matmul within 2 minutes; threads are now off (shutdownWasmThreads/setBackend(\'wasm\'))');
          }
        }
      }
      if (ctrl[STATUS] !== 0) {
        this.closed = true;
        throw new BackpropError('wasm threads: a worker failed inside gemm; threads are now off');
      }
    }
    return true;
  }

  close(): void {
    if (this.closed && this.helpers.length === 0) return;
    this.closed = true;
    for (const h of this.helpers) {
      const ctrl = this.ctrlView(h);
      ctrl[OP] = 1;
      Atomics.store(ctrl, JOB, ++h.job);
      Atomics.notify(ctrl, JOB);
      void h.worker.terminate();
    }
    this.helpers.length = 0;
  }
}

export interface WasmThreadsOptions {
  /** Threads in all, the calling one included (default: the machine's available parallelism, at most 4). */
  threads?: number;
  /** Products below this many multiply-adds stay on one thread (default DEFAULT_THREAD_MIN_WORK). */
  minWork?: number;
  /** Which build (default: the fastest this runtime validates). */
  variant?: WasmVariant;
  /** Register the backend as 'wasm-threads' and make it active unless setBackend() chose one (default true). */
  register?: boolean;
}

const pools: Pool[] = [];

/**
 * Starts worker threads sharing one wasm memory and returns the kernels that use them (their
 * gemm — and the 'wasm-threads' backend's matmul — splits large products across the threads).
 * Resolves null where shared WebAssembly memory is unavailable.
 * @example const k = await enableWasmThreads({ threads: 2 }); // backend().name === 'wasm-threads'
 */
export async function enableWasmThreads(options: WasmThreadsOptions = {}): Promise<WasmKernels | null> {
  for (const key of Object.keys(options)) {
    if (!['threads', 'minWork', 'variant', 'register'].includes(key)) {
      throw new ValueError(`enableWasmThreads: unknown option '${key}' (known: threads, minWork, variant, register)`);
    }
  }
  const threads = options.threads ?? Math.min(4, availableParallelism());
  if (!Number.isInteger(threads) || threads < 1) throw new ValueError(`enableWasmThreads: threads must be a whole number ≥ 1, got ${threads}`);
  const variant = options.variant ?? supportedWasmVariants()[0];
  if (!variant || typeof SharedArrayBuffer === 'undefined') return null;
  const bytes = decode(variant === 'relaxed' ? RELAXED_SHARED_WASM_BASE64 : SIMD_SHARED_WASM_BASE64);
  if (!WA || !WA.validate(bytes)) return null;
  const memory = new WA.Memory({ initial: 2, maximum: MAX_PAGES, shared: true });
  const module = new WA.Module(bytes);
  const instance = new WA.Instance(module, { env: { memory } });
  const kernels = new WasmKernels(variant, instance.exports);
  const helpers: Helper[] = [];
  try {
    for (let i = 1; i < threads; i++) {
      const ctrlOffset = kernels.allocBytes(CTRL_INTS * 4);
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, ctrlOffset } });
      const ready = await new Promise<{ ready?: boolean; error?: string }>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      if (!ready.ready) throw new BackpropError(`wasm threads: a worker could not instantiate the kernels: ${ready.error}`);
      worker.unref();
      helpers.push({ worker, ctrl: new Int32Array(memory.buffer, ctrlOffset, CTRL_INTS), job: 0, workOffset: 0, workBytes: 0 });
    }
  } catch (e) {
    for (const h of helpers) void h.worker.terminate();
    throw e;
  }
  const pool = new Pool(kernels, helpers, options.minWork ?? DEFAULT_THREAD_MIN_WORK, memory);
  kernels.threads = pool;
  pools.push(pool);
  if (options.register ?? true) registerBackend(createWasmBackend(kernels, { name: 'wasm-threads' }), { preferred: true });
  return kernels;
}

/**
 * How the split has gone since enableWasmThreads: bands offered to workers, and how many of them
 * the calling thread took back because no worker had started them (a busy machine shows here).
 * @example const { offered, takenBack } = wasmThreadStats()
 */
export function wasmThreadStats(): { offered: number; takenBack: number } {
  let offered = 0, takenBack = 0;
  for (const pool of pools) { offered += pool.offered; takenBack += pool.takenBack; }
  return { offered, takenBack };
}

/**
 * Stops every worker started by enableWasmThreads; their kernels (and the 'wasm-threads' backend)
 * carry on on the calling thread alone.
 * @example shutdownWasmThreads()
 */
export function shutdownWasmThreads(): void {
  for (const pool of pools) pool.close();
  pools.length = 0;
}
