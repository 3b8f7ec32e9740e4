/**
 * The worker pool behind threaded matrix products, for any platform with shared WebAssembly
 * memory: one shared-memory kernels instance, and workers (Node's worker_threads or a browser's
 * Web Workers: the platform's files pass a `Spawn`) that each take a column band of every large
 * product. A band no worker has claimed by the time the caller finishes its own is done by the
 * caller, so a busy or sleeping core costs little more than the single-thread time, and each
 * output column is computed by one thread in the same order, so results do not depend on threads.
 */
import { BackpropError, ValueError } from '../errors.js';
import { registerBackend } from './backend.js';
import { RELAXED_SHARED_WASM_BASE64, SIMD_SHARED_WASM_BASE64 } from './wasm-binary-shared.js';
import { WasmKernels, createWasmBackend, decodeBase64, supportedWasmVariants, type GemmThreads, type WasmVariant } from './wasm.js';

/**
 * Products with fewer multiply-adds (m·k·n) than this stay on one thread: handing a band over
 * (offer, spin or wake, the band's private copy, the patience wait) costs more than it saves. A
 * 784-128 dense layer at batch 64 (6.4M multiply-adds, about 0.2 ms on one core) is below it: the
 * Fashion-MNIST MLP's epoch measured 51k samples/s wall (76k by CPU time) on one thread against
 * 46k wall (58k CPU) split over two, on the 2-core machine. 256³ and larger are split.
 */
export const DEFAULT_THREAD_MIN_WORK = 128 * 256 * 256;
const NR = 8; // the micro-kernel's tile width (assembly/kernels.ts): bands are multiples of it
const MAX_PAGES = 32768; // must match --maximumMemory in scripts/build-wasm.mjs

// Control block, Int32 slots. JOB: > 0, job id j offered; −j, claimed by the worker; 0, none (or
// taken back by the caller). OP: 0 gemm, 1 stop. ARGS: the 13 gemm arguments (workspace last): the
// worker computes its band into a private buffer, then copies it to DST (row stride DLD) if it wins
// COMMIT. DONE: id of the last job the worker finished; STATUS: 0 when it went well.
// Protocol: the caller writes ARGS, DST, DLD, COMMIT = j, then JOB = j (and notifies); the worker
// claims with compareExchange(JOB, j, −j), computes, commits with compareExchange(COMMIT, j, −j),
// copies, and sets DONE = j. The caller, done with its own band, takes an unclaimed job back with
// compareExchange(JOB, j, 0); a claimed one it waits for a little (a fraction of its own band's
// time), then steals with compareExchange(COMMIT, j, 0) and computes the band itself: a worker
// whose core was taken by another process never holds the caller up for long, and its late result
// is dropped. The caller only resizes a worker's buffers once that worker has finished (DONE).
const JOB = 0, OP = 1, ARGS = 2, DONE = 15, STATUS = 16, DST = 17, DLD = 18, COMMIT = 19, CTRL_INTS = 20;
/** Spins before sleeping, both sides: a product usually follows another within microseconds. */
const SPINS = 2000;
/** How long the caller waits for a claimed band before computing it itself: this share of its own band's time (default; at least MIN_PATIENCE_MS). */
export const DEFAULT_PATIENCE = 0.25;
const MIN_PATIENCE_MS = 0.02;

/**
 * A worker's whole program: `prologue` defines how it gets its data (module, memory, ctrlOffset)
 * and how it reports (`report(message)`); the loop claims jobs and runs the same gemm export.
 */
export function workerSource(prologue: string): string {
  return prologue + `
function main(data) {
  const { module, memory, ctrlOffset } = data;
  let x;
  try {
    x = new WebAssembly.Instance(module, { env: { memory } }).exports;
  } catch (e) {
    report({ error: String(e) });
    return;
  }
  const c = new Int32Array(memory.buffer, ctrlOffset, ${CTRL_INTS});
  report({ ready: true });
  for (;;) {
    let spins = 0, job;
    while ((job = Atomics.load(c, ${JOB})) <= 0) {
      if (++spins > ${SPINS}) { Atomics.wait(c, ${JOB}, job); spins = 0; }
    }
    if (Atomics.compareExchange(c, ${JOB}, job, -job) !== job) continue; // taken back by the caller
    if (c[${OP}] === 1) break;
    let status = 0;
    try {
      const m = c[4], w = c[5], own = c[11], dst = c[${DST}], dld = c[${DLD}];
      x.gemm(c[2], c[3], m, w, c[6], c[7], c[8], c[9], c[10], own, w, 0, c[14]);
      if (Atomics.compareExchange(c, ${COMMIT}, job, -job) === job) {
        const f = new Float32Array(memory.buffer), from = own >> 2, to = dst >> 2;
        for (let r = 0; r < m; r++) f.copyWithin(to + r * dld, from + r * w, from + r * w + w);
      }
    } catch (e) {
      status = 1;
    }
    Atomics.store(c, ${STATUS}, status);
    Atomics.store(c, ${DONE}, job);
    Atomics.notify(c, ${DONE});
  }
}
`;
}

// The WebAssembly global as used here (@types/node declares no values for it; lib.dom is off).
export interface SharedMemory { readonly buffer: SharedArrayBuffer; grow(pages: number): number }
interface WasmThreadsApi {
  validate(bytes: Uint8Array): boolean;
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => SharedMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const WA = (globalThis as unknown as { WebAssembly?: WasmThreadsApi }).WebAssembly;

/** A started worker, however the platform starts one. */
export interface SpawnedWorker {
  /** Resolves true once the worker has its kernels, false if it could not start. */
  readonly report: Promise<boolean>;
  terminate(): void;
}

/** Starts one worker running workerSource(…) with this data (a platform's Worker API). */
export type Spawn = (data: { module: object; memory: SharedMemory; ctrlOffset: number }) => SpawnedWorker;

interface Helper {
  worker: SpawnedWorker;
  ctrl: Int32Array;
  /** Id of the last job offered to this worker. */
  job: number;
  workOffset: number;
  workBytes: number;
  /** The worker's private output buffer (its band lands here before the copy into C). */
  outOffset: number;
  outBytes: number;
  /** False once the worker reported that it could not start (it is then never offered work). */
  alive: boolean;
}

export class Pool implements GemmThreads {
  closed = false;
  /** Bands offered to workers, how many of them the caller took back unclaimed, and how many it computed itself after a worker had claimed them but not finished in time. */
  offered = 0;
  takenBack = 0;
  stolen = 0;
  private readonly helpers: Helper[] = [];
  private started = false;
  /** Resolves once every worker has reported (ready or failed): what `enableWasmThreads` awaits. */
  ready: Promise<void> = Promise.resolve();

  constructor(
    private readonly kernels: WasmKernels,
    private readonly module: object,
    private readonly memory: SharedMemory,
    private readonly planned: number,
    private readonly minWork: number,
    private readonly spawn: Spawn,
    /** Whether this thread may block in Atomics.wait (a browser's main thread may not: it spins). */
    private readonly canWait: boolean,
    private readonly patience: number,
  ) {}

  /** Threads a large product runs on: the caller and the workers (1 once closed). */
  get threads(): number {
    return this.closed ? 1 : this.planned;
  }

  /** Workers started and not known to have failed. */
  get liveWorkers(): number {
    return this.helpers.filter((h) => h.alive).length;
  }

  /**
   * Starts the workers (synchronously: they come up on their own cores while the caller works;
   * until one claims its band, the caller takes it back, so a starting worker costs no waiting).
   */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    const reports: Promise<void>[] = [];
    for (let i = 1; i < this.planned; i++) {
      const ctrlOffset = this.kernels.allocBytes(CTRL_INTS * 4);
      const h: Helper = { worker: this.spawn({ module: this.module, memory: this.memory, ctrlOffset }), ctrl: new Int32Array(this.memory.buffer, ctrlOffset, CTRL_INTS), job: 0, workOffset: 0, workBytes: 0, outOffset: 0, outBytes: 0, alive: true };
      reports.push(h.worker.report.then((ok) => { h.alive &&= ok; }, () => { h.alive = false; }));
      this.helpers.push(h);
    }
    this.ready = Promise.all(reports).then(() => undefined);
  }

  private ctrlView(h: Helper): Int32Array {
    // Shared memory never moves, but a grown memory hands out a new, longer SharedArrayBuffer.
    if (h.ctrl.buffer !== this.memory.buffer) h.ctrl = new Int32Array(this.memory.buffer, h.ctrl.byteOffset, CTRL_INTS);
    return h.ctrl;
  }

  /** A buffer of at least `need` bytes at `offset`, regrown geometrically; only called while the worker is idle. */
  private grow(offset: number, bytes: number, need: number): [number, number] {
    if (need <= bytes) return [offset, bytes];
    if (bytes > 0) this.kernels.release(offset, bytes);
    const size = Math.ceil(Math.max(need, 2 * bytes) / 64) * 64;
    return [this.kernels.allocBytes(size), size];
  }

  splits(m: number, n: number, k: number): boolean {
    return !this.closed && this.planned >= 2 && m * n * k >= this.minWork && n >= 2 * NR;
  }

  gemm(args: readonly number[]): boolean {
    const [, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate] = args;
    // Accumulating products stay on one thread: a band computed apart and added would round differently.
    if (this.closed || this.planned < 2 || accumulate !== 0 || m * n * k < this.minWork) return false;
    if (!this.started) this.start();
    const live = this.helpers.filter((h) => h.alive);
    const parts = live.length + 1;
    if (parts < 2 || n < parts * NR) return false;
    // Column bands: band i is C[:, j0:j1] = op(A) · op(B)[:, j0:j1]; the caller does band 0.
    const band = Math.ceil(n / parts / NR) * NR;
    const offered: { h: Helper; job: number; args: number[] }[] = [];
    const mine = [...args];
    mine[3] = Math.min(n, band);
    for (let i = 1; i < parts; i++) {
      const j0 = i * band, j1 = Math.min(n, j0 + band);
      if (j1 <= j0) break;
      const h = live[i - 1];
      const ctrl = this.ctrlView(h);
      const bPart = transB ? b + j0 * ldb * 4 : b + j0 * 4;
      const direct = [args[0], transB, m, j1 - j0, k, a, lda, bPart, ldb, c + j0 * 4, ldc, 0];
      const needWork = this.kernels.workspaceBytes(m, j1 - j0, k), needOut = m * (j1 - j0) * 4;
      if (needWork > h.workBytes || needOut > h.outBytes) {
        if (Atomics.load(ctrl, DONE) !== h.job) {
          // Still busy with a band the caller stole earlier: its buffers stay as they are; this band is done here.
          offered.push({ h, job: 0, args: direct });
          continue;
        }
        [h.workOffset, h.workBytes] = this.grow(h.workOffset, h.workBytes, needWork);
        [h.outOffset, h.outBytes] = this.grow(h.outOffset, h.outBytes, needOut);
      }
      const job = [args[0], transB, m, j1 - j0, k, a, lda, bPart, ldb, h.outOffset, j1 - j0, 0, h.workOffset];
      for (let s = 0; s < job.length; s++) ctrl[ARGS + s] = job[s];
      ctrl[DST] = c + j0 * 4;
      ctrl[DLD] = ldc;
      ctrl[OP] = 0;
      h.job = h.job >= 0x3fffffff ? 1 : h.job + 1;
      Atomics.store(ctrl, COMMIT, h.job);
      Atomics.store(ctrl, JOB, h.job);
      Atomics.notify(ctrl, JOB);
      offered.push({ h, job: h.job, args: direct });
    }
    const t0 = now();
    this.kernels.gemmBlock(mine);
    const patience = this.patience === 0 ? 0 : Math.max(MIN_PATIENCE_MS, this.patience * (now() - t0));
    for (const { h, job, args: theirs } of offered) {
      if (job === 0) { this.kernels.gemmBlock(theirs); continue; }
      const ctrl = this.ctrlView(h);
      this.offered++;
      if (Atomics.compareExchange(ctrl, JOB, job, 0) === job) {
        // Not claimed yet (the worker is asleep or its core busy): do the band here.
        this.takenBack++;
        this.kernels.gemmBlock(theirs);
        continue;
      }
      const waitedFrom = now();
      let spins = 0;
      while (Atomics.load(ctrl, DONE) !== job && Atomics.load(ctrl, COMMIT) === job && now() - waitedFrom < patience) {
        if (++spins > SPINS) { this.pause(ctrl, job); spins = 0; }
      }
      if (Atomics.load(ctrl, DONE) !== job && Atomics.compareExchange(ctrl, COMMIT, job, 0) === job) {
        // Claimed but not finished in time (its core is busy elsewhere): compute it here; the worker's copy is dropped.
        this.stolen++;
        this.kernels.gemmBlock(theirs);
        continue;
      }
      // The worker finished, or is copying its band into C: wait for it.
      const started = Date.now();
      spins = 0;
      while (Atomics.load(ctrl, DONE) !== job) {
        if (++spins > SPINS) {
          this.pause(ctrl, job);
          spins = 0;
          if (Date.now() - started > 120_000) {
            this.closed = true;
            throw new BackpropError('wasm threads: a worker did not finish copying its share of a matmul within 2 minutes; threads are now off (shutdownWasmThreads/setBackend(\'wasm\'))');
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

  /** Sleeps briefly until the worker signals DONE (where this thread may block), else returns to spinning. */
  private pause(ctrl: Int32Array, job: number): void {
    const done = Atomics.load(ctrl, DONE);
    if (this.canWait && done !== job) Atomics.wait(ctrl, DONE, done, 0.05);
  }

  close(): void {
    if (this.closed && this.helpers.length === 0) return;
    this.closed = true;
    for (const h of this.helpers) {
      const ctrl = this.ctrlView(h);
      ctrl[OP] = 1;
      Atomics.store(ctrl, JOB, ++h.job);
      Atomics.notify(ctrl, JOB);
      h.worker.terminate();
    }
    this.helpers.length = 0;
  }
}

export interface WasmThreadsOptions {
  /** Threads in all, the calling one included (default: the machine's available parallelism, at most 4). */
  threads?: number;
  /** Products below this many multiply-adds stay on one thread (default DEFAULT_THREAD_MIN_WORK). */
  minWork?: number;
  /**
   * How long the caller waits for a band a worker has claimed but not finished, as a share of the
   * time its own band took (default 0.25), before computing that band itself and dropping the
   * worker's late result: what bounds the cost of a core another process has taken.
   */
  patience?: number;
  /** Which build (default: the fastest this runtime validates). */
  variant?: WasmVariant;
  /** Register the backend as 'wasm-threads' and make it active unless setBackend() chose one (default true). */
  register?: boolean;
}

const pools: Pool[] = [];
const clock = (globalThis as unknown as { performance?: { now(): number } }).performance;
/** Milliseconds, for the caller's patience with a claimed band. */
const now = (): number => (clock ? clock.now() : Date.now());
export const THREAD_OPTIONS = ['threads', 'minWork', 'patience', 'variant', 'register'];

/**
 * Builds the shared-memory kernels and their pool, synchronously; the workers start on the first
 * product large enough to split (so a program that never multiplies large matrices starts none).
 * Returns null where shared WebAssembly memory is unavailable.
 */
export function startPool(options: WasmThreadsOptions, who: string, spawn: Spawn, cores: number, canWait = true): { kernels: WasmKernels; pool: Pool } | null {
  for (const key of Object.keys(options)) {
    if (!THREAD_OPTIONS.includes(key)) throw new ValueError(`${who}: unknown option '${key}' (known: ${THREAD_OPTIONS.join(', ')})`);
  }
  const threads = options.threads ?? Math.min(4, cores);
  if (!Number.isInteger(threads) || threads < 1) throw new ValueError(`${who}: threads must be a whole number ≥ 1, got ${threads}`);
  const minWork = options.minWork ?? DEFAULT_THREAD_MIN_WORK;
  if (!Number.isFinite(minWork) || minWork < 0) throw new ValueError(`${who}: minWork must be a number ≥ 0, got ${minWork}`);
  const variant = options.variant ?? supportedWasmVariants()[0];
  if (!variant || typeof SharedArrayBuffer === 'undefined') return null;
  const bytes = decodeBase64(variant === 'relaxed' ? RELAXED_SHARED_WASM_BASE64 : SIMD_SHARED_WASM_BASE64);
  if (!WA || !WA.validate(bytes)) return null;
  const memory = new WA.Memory({ initial: 2, maximum: MAX_PAGES, shared: true });
  const module = new WA.Module(bytes);
  const instance = new WA.Instance(module, { env: { memory } });
  const kernels = new WasmKernels(variant, instance.exports);
  const patience = options.patience ?? DEFAULT_PATIENCE;
  if (!(patience >= 0 && patience <= 100)) throw new ValueError(`${who}: patience must be a number from 0 to 100 (a share of the caller's own band time), got ${patience}`);
  const pool = new Pool(kernels, module, memory, threads, minWork, spawn, canWait, patience);
  kernels.threads = pool;
  pools.push(pool);
  if (options.register ?? true) registerBackend(createWasmBackend(kernels, { name: 'wasm-threads' }), { preferred: true });
  return { kernels, pool };
}

/**
 * Starts a pool's workers now and resolves its kernels once every worker has reported; `failure`
 * is the one-line error when none could start (the pool is closed first). What the platforms'
 * enable… functions share.
 */
export async function startedKernels(started: { kernels: WasmKernels; pool: Pool } | null, failure: string): Promise<WasmKernels | null> {
  if (!started) return null;
  started.pool.start();
  await started.pool.ready;
  if (started.pool.threads > 1 && started.pool.liveWorkers === 0) {
    started.pool.close();
    throw new BackpropError(failure);
  }
  return started.kernels;
}

/**
 * How the split has gone since threads were started: bands offered to workers, and how many of them
 * the calling thread took back because no worker had started them (a busy machine shows here).
 * @example const { offered, takenBack } = wasmThreadStats()
 */
export function wasmThreadStats(): { offered: number; takenBack: number; stolen: number } {
  let offered = 0, takenBack = 0, stolen = 0;
  for (const pool of pools) { offered += pool.offered; takenBack += pool.takenBack; stolen += pool.stolen; }
  return { offered, takenBack, stolen };
}

/**
 * Stops every worker started (enableWasmThreads, setThreads, enableWebThreads); their kernels (and the 'wasm-threads' backend)
 * carry on on the calling thread alone.
 * @example shutdownWasmThreads()
 */
export function shutdownWasmThreads(): void {
  for (const pool of pools) pool.close();
  pools.length = 0;
}
