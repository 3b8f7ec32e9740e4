/**
 * The worker pool behind threaded matrix products, for any platform with shared WebAssembly
 * memory: one shared-memory kernels instance, and workers (Node's worker_threads or a browser's
 * Web Workers: the platform's files pass a `Spawn`). A large product is cut into column bands, a
 * few per thread, that every thread (the caller too) claims one at a time from a shared counter:
 * a worker that wakes late or shares its core simply does fewer bands, and one that claims a band
 * and stalls costs the caller that one small band, computed again. The caller writes its bands
 * straight into C; a worker computes into a private buffer and copies into C only if it wins the
 * band's commit, so a band the caller took over can never land after the caller returned. Each
 * output column is summed in the same order whoever computes it, so results do not depend on the
 * number of threads or on who took which band.
 */
import { BackpropError, ValueError } from '../errors.js';
import { registerBackend } from './backend.js';
import { RELAXED_SHARED_WASM_BASE64, SIMD_SHARED_WASM_BASE64 } from './wasm-binary-shared.js';
import { WasmKernels, createWasmBackend, decodeBase64, supportedWasmVariants, type GemmThreads, type WasmVariant } from './wasm.js';

/**
 * Products with fewer multiply-adds (m·k·n) than this stay on one thread: publishing the bands,
 * waking a worker and copying its bands cost more than they save, and a split dense layer loses its
 * fused bias. Measured on the 2-core machine: a Fashion-shaped MLP epoch (784-128-10, Adam, batch
 * 64) ran 77-79k samples/s on one thread and 63-64k with its 6.4M products split; 256³ (16.7M) split
 * ran 0.94-1.04× one thread with the other core idle and 0.79-0.92× with it busy. 512³ and larger,
 * and 256×256×512, are split.
 */
export const DEFAULT_THREAD_MIN_WORK = 256 * 256 * 512;
const NR = 8; // the micro-kernel's tile width (assembly/kernels.ts): bands are multiples of it
const MAX_PAGES = 32768; // must match --maximumMemory in scripts/build-wasm.mjs
/** Bands per thread a large product is cut into: enough that a late worker costs one small band. */
const BANDS_PER_THREAD = 4;
/** The narrowest band: each band packs all of op(A) again (m·k copies for m·w·k multiply-adds). */
const MIN_BAND = 64;
/** Bands in one product at most (the claim counter keeps the band index in its low 9 bits). */
const MAX_BANDS = 256;

// Control block shared by the caller and every worker, Int32 slots.
// NEXT: tag·512 + the next unclaimed band's index, where tag (1 … 2²²−1) names the product; every
// thread claims a band with compareExchange(NEXT, v, v + 1), and workers sleep on it. OP: 0 gemm,
// 1 stop. ARGS: transA, transB, m, n, k, a, lda, b, ldb, c, ldc; BW: band width (a multiple of NR;
// the last band may be narrower); BANDS: their count. BAND + i: band i's state, tag·4 + RUNNING
// (claimed, or not yet), COMMITTING (a worker is copying it into C), DONE, STOLEN (the caller
// computed it and the worker's result is dropped). Then one SLOT_INTS slot per worker: HOLD (1 while
// it may use its buffer), BUF, BUFBYTES (its workspace and private band, sized by the caller),
// STATUS (1 once its gemm threw), HOOK (tests: 1 sleep without claiming, 2 stall after a claim, 3 stall
// after winning a commit), CLAIMS (bands it claimed, for tests).
const NEXT = 0, OP = 1, ARGS = 2, BW = 13, BANDS = 14, SLEEPERS = 15, BAND = 16, SLOTS = BAND + MAX_BANDS, SLOT_INTS = 8;
const HOLD = 0, BUF = 1, BUFBYTES = 2, STATUS = 3, HOOK = 4, CLAIMS = 5;
const RUNNING = 0, COMMITTING = 1, DONE = 2, STOLEN = 3;
const TAG_LIMIT = 1 << 22;
/** A worker's spins before it sleeps: a product usually follows another within microseconds. */
const SPINS = 2000;
/** How long the caller spins for a worker's band before it sleeps until the band is done. */
const SPIN_MS = 0.02;
/**
 * How long the caller, out of bands, waits for one a worker claimed, counted from the last moment
 * the worker can have claimed it, in the caller's own band times (default): a worker as fast as the
 * caller needs one; a worker later than that has lost its core, and the band is computed again.
 */
export const DEFAULT_PATIENCE = 1.5;
/** The least wait for a claimed band (patience > 0), as a browser's clock may be coarser than a band. */
const MIN_PATIENCE_MS = 0.02;
/** Until the caller has timed a band of its own: a slow machine's milliseconds per multiply-add. */
const INITIAL_MS_PER_MAC = 1e-6;

/** Bytes a worker's buffer needs for an m×w×k band: the gemm's workspace, then the band itself. */
function bandBytes(workspace: number, m: number, w: number): number {
  return Math.ceil(workspace / 64) * 64 + m * w * 4;
}

/**
 * The band width for n columns on `threads` threads: BANDS_PER_THREAD bands each, at least MIN_BAND
 * wide, at most MAX_BANDS of them, and at least two (0: n is too narrow to split). Band widths
 * do not change any result: each column of C is summed in the same order whoever computes it.
 */
export function bandWidth(n: number, threads: number): number {
  if (n < 2 * NR) return 0;
  const up = (x: number) => Math.ceil(x / NR) * NR;
  let w = Math.max(up(n / (threads * BANDS_PER_THREAD)), MIN_BAND, up(n / MAX_BANDS));
  if (2 * w > n) w = up(n / 2);
  return w;
}

/**
 * A worker's whole program: `prologue` defines how it gets its data (module, memory, ctrlOffset,
 * slot) and how it reports (`report(message)`); the loop claims bands and runs the same gemm export.
 */
export function workerSource(prologue: string): string {
  return prologue + `
function main(data) {
  const { module, memory, ctrlOffset, slot } = data;
  let x;
  try {
    x = new WebAssembly.Instance(module, { env: { memory } }).exports;
  } catch (e) {
    report({ error: String(e) });
    return;
  }
  const c = new Int32Array(memory.buffer, ctrlOffset, ${SLOTS} + (slot + 1) * ${SLOT_INTS});
  const s = ${SLOTS} + slot * ${SLOT_INTS};
  report({ ready: true });
  let seen = -2;
  for (;;) {
    let spins = 0;
    while (Atomics.load(c, ${NEXT}) === seen) {
      if (++spins > ${SPINS}) {
        Atomics.add(c, ${SLEEPERS}, 1);
        Atomics.wait(c, ${NEXT}, seen);
        Atomics.sub(c, ${SLEEPERS}, 1);
        spins = 0;
      }
    }
    Atomics.store(c, s + ${HOLD}, 1);
    for (;;) {
      const v = Atomics.load(c, ${NEXT});
      if (c[${OP}] === 1) return;
      // Read after v: if v still names this product when the claim succeeds, these are its arguments.
      const i = v & 511, tag = v >>> 9, bands = c[${BANDS}], bw = c[${BW}], m = c[4], n = c[5], k = c[6];
      const w = Math.min(bw, n - i * bw);
      if (c[s + ${HOOK}] === 1) {
        Atomics.store(c, s + ${HOLD}, 0);
        while (c[s + ${HOOK}] === 1) Atomics.wait(c, s + ${HOOK}, 1); // tests: asleep until released
        Atomics.store(c, s + ${HOLD}, 1);
        continue;
      }
      if (i >= bands || w <= 0 || x.gemmWorkspaceBytes(m, w, k) + m * w * 4 + 64 > c[s + ${BUFBYTES}]) { seen = v; break; }
      const transA = c[2], transB = c[3], a = c[7], lda = c[8], ldb = c[10], dst = c[11] + i * bw * 4, ldc = c[12];
      const b = transB ? c[9] + i * bw * ldb * 4 : c[9] + i * bw * 4;
      if (Atomics.compareExchange(c, ${NEXT}, v, v + 1) !== v) continue;
      // Only the caller resizes the buffer, and never while HOLD is set.
      const work = c[s + ${BUF}], own = work + Math.ceil(x.gemmWorkspaceBytes(m, w, k) / 64) * 64;
      Atomics.add(c, s + ${CLAIMS}, 1);
      while (c[s + ${HOOK}] === 2) Atomics.wait(c, s + ${HOOK}, 2);
      try {
        x.gemm(transA, transB, m, w, k, a, lda, b, ldb, own, w, 0, work);
      } catch (e) {
        Atomics.store(c, s + ${STATUS}, 1);
        Atomics.store(c, s + ${HOLD}, 0);
        return; // the band stays claimed: the caller computes it when its patience runs out
      }
      if (Atomics.compareExchange(c, ${BAND} + i, tag * 4 + ${RUNNING}, tag * 4 + ${COMMITTING}) === tag * 4 + ${RUNNING}) {
        if (c[s + ${HOOK}] === 3) Atomics.wait(c, s + ${HOOK}, 3, 30);
        const f = new Float32Array(memory.buffer), from = own >> 2, to = dst >> 2;
        for (let r = 0; r < m; r++) f.copyWithin(to + r * ldc, from + r * w, from + r * w + w);
        Atomics.store(c, ${BAND} + i, tag * 4 + ${DONE});
        Atomics.notify(c, ${BAND} + i);
      }
    }
    Atomics.store(c, s + ${HOLD}, 0);
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
export type Spawn = (data: { module: object; memory: SharedMemory; ctrlOffset: number; slot: number }) => SpawnedWorker;

interface Helper {
  worker: SpawnedWorker;
  /** Index of the worker's words in the control block. */
  slot: number;
  /** Its buffer: the gemm's workspace, then its private band (which lands in C only if it commits). */
  bufOffset: number;
  bufBytes: number;
  /** False once the worker reported that it could not start, or its gemm threw (it is then never sized for work). */
  alive: boolean;
}

export class Pool implements GemmThreads {
  closed = false;
  /** Bands of the products split, how many of them the caller claimed itself, and how many it computed again after the worker that claimed one was late with it. */
  offered = 0;
  takenBack = 0;
  stolen = 0;
  private readonly helpers: Helper[] = [];
  private started = false;
  private ctrlOffset = 0;
  private ctrl: Int32Array = new Int32Array(0);
  private tag = 0;
  /** The caller's recent milliseconds per multiply-add, for the patience of a product it timed no band of. */
  private msPerMac = INITIAL_MS_PER_MAC;
  private readonly claimedAt = new Float64Array(MAX_BANDS);
  private readonly claimedBy = new Float64Array(MAX_BANDS);
  private readonly bandArgs = new Array<number>(12).fill(0);
  /** @internal Tests: runs once a product's bands are published, before the caller claims any. */
  afterPublish: (() => void) | null = null;
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
   * until one claims a band, the caller computes them all, so a starting worker costs no waiting).
   */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    const ints = SLOTS + Math.max(0, this.planned - 1) * SLOT_INTS;
    this.ctrlOffset = this.kernels.allocBytes(ints * 4);
    this.ctrl = new Int32Array(this.memory.buffer, this.ctrlOffset, ints);
    this.ctrl.fill(0);
    const reports: Promise<void>[] = [];
    for (let slot = 0; slot < this.planned - 1; slot++) {
      const h: Helper = { worker: this.spawn({ module: this.module, memory: this.memory, ctrlOffset: this.ctrlOffset, slot }), slot, bufOffset: 0, bufBytes: 0, alive: true };
      reports.push(h.worker.report.then((ok) => { h.alive &&= ok; }, () => { h.alive = false; }));
      this.helpers.push(h);
    }
    this.ready = Promise.all(reports).then(() => undefined);
  }

  private view(): Int32Array {
    // Shared memory never moves, but a grown memory hands out a new, longer SharedArrayBuffer.
    if (this.ctrl.buffer !== this.memory.buffer) this.ctrl = new Int32Array(this.memory.buffer, this.ctrlOffset, this.ctrl.length);
    return this.ctrl;
  }

  splits(m: number, n: number, k: number): boolean {
    return !this.closed && this.planned >= 2 && m * n * k >= this.minWork && n >= 2 * NR;
  }

  gemm(args: readonly number[]): boolean {
    const [transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate] = args;
    // Accumulating products stay on one thread: a band computed apart and added would round differently.
    if (this.closed || this.planned < 2 || accumulate !== 0 || k <= 0 || m * n * k < this.minWork) return false;
    if (!this.started) this.start();
    const live = this.helpers.filter((h) => h.alive);
    const bw = live.length === 0 ? 0 : bandWidth(n, live.length + 1);
    if (bw === 0) return false;
    const bands = Math.ceil(n / bw);
    const ctrl = this.view();
    // Buffers grow only while their worker holds no band: a late worker may still be writing its own.
    const need = bandBytes(this.kernels.workspaceBytes(m, bw, k), m, bw) + 64;
    for (const h of live) {
      if (h.bufBytes >= need || Atomics.load(ctrl, SLOTS + h.slot * SLOT_INTS + HOLD) !== 0) continue;
      if (h.bufBytes > 0) this.kernels.release(h.bufOffset, h.bufBytes);
      h.bufBytes = Math.ceil(Math.max(need, 2 * h.bufBytes) / 64) * 64;
      h.bufOffset = this.kernels.allocBytes(h.bufBytes);
      ctrl[SLOTS + h.slot * SLOT_INTS + BUF] = h.bufOffset;
      ctrl[SLOTS + h.slot * SLOT_INTS + BUFBYTES] = h.bufBytes;
    }
    const tag = this.tag = this.tag + 1 >= TAG_LIMIT ? 1 : this.tag + 1;
    ctrl[OP] = 0;
    ctrl[ARGS] = transA; ctrl[ARGS + 1] = transB; ctrl[ARGS + 2] = m; ctrl[ARGS + 3] = n; ctrl[ARGS + 4] = k; ctrl[ARGS + 5] = a;
    ctrl[ARGS + 6] = lda; ctrl[ARGS + 7] = b; ctrl[ARGS + 8] = ldb; ctrl[ARGS + 9] = c; ctrl[ARGS + 10] = ldc;
    ctrl[BW] = bw;
    ctrl[BANDS] = bands;
    for (let i = 0; i < bands; i++) ctrl[BAND + i] = tag * 4 + RUNNING;
    Atomics.store(ctrl, NEXT, tag * 512);
    // A worker counts itself in SLEEPERS before it waits for NEXT to change: none counted, none to wake.
    if (Atomics.load(ctrl, SLEEPERS) > 0) Atomics.notify(ctrl, NEXT);
    this.afterPublish?.();
    // Claim bands until none is left; claimedAt[i]: when the caller claimed band i (NaN: a worker did).
    const claimedAt = this.claimedAt.fill(NaN, 0, bands);
    let mine = 0, busy = 0;
    for (;;) {
      const v = Atomics.load(ctrl, NEXT), i = v & 511;
      if (i >= bands) break;
      if (Atomics.compareExchange(ctrl, NEXT, v, v + 1) !== v) continue;
      const t0 = now();
      claimedAt[i] = t0;
      this.band(args, bw, i);
      busy += now() - t0;
      mine++;
    }
    const end = now();
    this.offered += bands;
    this.takenBack += mine;
    if (mine > 0 && busy > 0) this.msPerMac = busy / mine / (m * bw * k); // busy is 0 under a coarse clock
    const wait = this.patience === 0 ? 0 : Math.max(MIN_PATIENCE_MS, this.patience * this.msPerMac * m * bw * k);
    // A worker claimed band i no later than the caller's next claim after it (or the caller's end).
    const claimedBy = this.claimedBy;
    for (let i = bands - 1, latest = end; i >= 0; i--) {
      if (Number.isNaN(claimedAt[i])) claimedBy[i] = latest;
      else latest = claimedAt[i];
    }
    let stole = false;
    for (let i = 0; i < bands; i++) {
      if (!Number.isNaN(claimedAt[i])) continue;
      const slot = BAND + i, running = tag * 4 + RUNNING;
      const deadline = claimedBy[i] + wait;
      // A short spin, then sleep until the worker's DONE wakes this thread or the deadline passes:
      // spinning longer takes the core from a worker that may share it.
      for (let t = now(), spinTo = t + SPIN_MS; Atomics.load(ctrl, slot) === running && t < deadline; t = now()) {
        if (t >= spinTo && this.canWait) Atomics.wait(ctrl, slot, running, deadline - t);
      }
      if (Atomics.compareExchange(ctrl, slot, running, tag * 4 + STOLEN) === running) {
        // Claimed but not finished in time (its core is busy elsewhere, or it failed): computed here; its copy is dropped.
        this.stolen++;
        this.band(args, bw, i);
        stole = true;
        continue;
      }
      // Finished, or being copied into C: the caller never returns while a worker writes into C.
      const started = Date.now();
      let spins = 0;
      while (Atomics.load(ctrl, slot) !== tag * 4 + DONE) {
        if (++spins > SPINS) {
          this.pause(slot, tag * 4 + COMMITTING);
          spins = 0;
          if (Date.now() - started > 120_000) {
            this.closed = true;
            throw new BackpropError('wasm threads: a worker did not finish copying its share of a matmul within 2 minutes; threads are now off (shutdownWasmThreads/setBackend(\'wasm\'))');
          }
        }
      }
    }
    if (stole) for (const h of live) if (Atomics.load(ctrl, SLOTS + h.slot * SLOT_INTS + STATUS) !== 0) h.alive = false;
    return true;
  }

  /** Band i (width bw) of the product `args` on this thread, straight into C. */
  private band(args: readonly number[], bw: number, i: number): void {
    const p = this.bandArgs, j0 = i * bw;
    for (let s = 0; s < 12; s++) p[s] = args[s];
    p[3] = Math.min(bw, args[3] - j0);
    p[7] = args[1] ? args[7] + j0 * args[8] * 4 : args[7] + j0 * 4;
    p[9] = args[9] + j0 * 4;
    this.kernels.gemmBlock(p);
  }

  /** Sleeps briefly while ctrl[slot] is `value` (where this thread may block), else returns to spinning. */
  private pause(slot: number, value: number): void {
    if (this.canWait) Atomics.wait(this.view(), slot, value, 0.05);
  }

  /** @internal Tests: a worker's test mode (0 normal, 1 sleep without claiming until set back, 2 stall after a claim, 3 stall 30 ms after winning a commit). */
  setWorkerHook(worker: number, mode: number): void {
    const ctrl = this.view(), at = SLOTS + this.helpers[worker].slot * SLOT_INTS + HOOK;
    Atomics.store(ctrl, at, mode);
    Atomics.notify(ctrl, at);
  }

  /** @internal Tests: bands a worker has claimed so far, whether it may still be using its buffer, whether its gemm threw. */
  workerState(worker: number): { claims: number; holding: boolean; failed: boolean } {
    const ctrl = this.view(), s = SLOTS + this.helpers[worker].slot * SLOT_INTS;
    return { claims: Atomics.load(ctrl, s + CLAIMS), holding: Atomics.load(ctrl, s + HOLD) !== 0, failed: Atomics.load(ctrl, s + STATUS) !== 0 };
  }

  /** @internal Tests: bands of the current product nobody has claimed yet. */
  unclaimed(): number {
    const ctrl = this.view(), v = Atomics.load(ctrl, NEXT);
    return Math.max(0, ctrl[BANDS] - (v & 511));
  }

  close(): void {
    if (this.closed && this.helpers.length === 0) return;
    this.closed = true;
    if (this.started) {
      const ctrl = this.view();
      ctrl[OP] = 1;
      Atomics.store(ctrl, NEXT, -1);
      Atomics.notify(ctrl, NEXT);
    }
    for (const h of this.helpers) h.worker.terminate();
    this.helpers.length = 0;
  }
}

export interface WasmThreadsOptions {
  /** Threads in all, the calling one included (default: the machine's available parallelism, at most 4). */
  threads?: number;
  /** Products below this many multiply-adds stay on one thread (default DEFAULT_THREAD_MIN_WORK). */
  minWork?: number;
  /**
   * How long the caller, once no band is left to claim, waits for one a worker claimed but has not
   * finished, in the caller's own band times from the latest moment the worker can have claimed
   * it (default 1.5), before computing that band itself and dropping the worker's late result:
   * what bounds the cost of a core another process has taken. 0: never wait.
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
  if (!(patience >= 0 && patience <= 100)) throw new ValueError(`${who}: patience must be a number from 0 to 100 (in the caller's own band times), got ${patience}`);
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
 * How the split has gone since threads were started: bands of the products split, how many of
 * them the calling thread claimed itself, and how many it computed again because the worker that
 * claimed one was late with it; offered − takenBack − stolen came from workers (a busy machine
 * shows as a high takenBack share, a core taken mid-band as stolen).
 * @example const { offered, takenBack, stolen } = wasmThreadStats()
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
