/**
 * The WebAssembly SIMD backend: the kernels of assembly/kernels.ts (built into wasm-binary.ts by
 * scripts/build-wasm.mjs), loaded synchronously when this module is imported and made the active
 * backend when the runtime validates them — the relaxed-SIMD (fused multiply-add) build first, then
 * plain 128-bit SIMD; without SIMD the plain-TS backend stays. float64 arrays and tiny products go
 * to the plain-TS backend. Browser-safe: no Node or DOM API, only the WebAssembly global.
 */
import type { TypedArray } from '../dtype.js';
import { BackpropError, ShapeError, ValueError } from '../errors.js';
import { backend, registerBackend, type AdamStep, type Backend, type ConvGeometry, type ConvKind, type KernelActivation, type PoolGeometry, type WasmUnaryName } from './backend.js';
import { jsBackend } from './js.js';
import { RELAXED_WASM_BASE64, SIMD_WASM_BASE64 } from './wasm-binary.js';
import { RELAXED_SHARED_WASM_BASE64, SIMD_SHARED_WASM_BASE64 } from './wasm-binary-shared.js';

// ---- the little of the WebAssembly API used here ------------------------------------------------
// Declared locally: the standard declarations live in the DOM and Node type libraries, and the
// core compiles with neither.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface KernelExports {
  memory: WasmMemory;
  heapBase(): number;
  gemmWorkspaceBytes(m: number, n: number, k: number): number;
  gemm(transA: number, transB: number, m: number, n: number, k: number, a: number, lda: number, b: number, ldb: number, c: number, ldc: number, accumulate: number, work: number): void;
  gemmBias(transA: number, transB: number, m: number, n: number, k: number, a: number, lda: number, b: number, ldb: number, c: number, ldc: number, accumulate: number, work: number, bias: number): void;
  biasActivation(x: number, bias: number, out: number, rows: number, cols: number, act: number, alpha: number): void;
  activationBackward(y: number, gy: number, gx: number, n: number, act: number, alpha: number): void;
  sumRows(x: number, out: number, rows: number, cols: number, accumulate: number): void;
  unary(kind: number, x: number, out: number, n: number): void;
  reluGrad(g: number, x: number, out: number, n: number): void;
  sumRuns(x: number, out: number, outer: number, len: number): void;
  adam(p: number, g: number, m: number, v: number, n: number, beta1: number, beta2: number, eps: number, stepSize: number, bc2Sqrt: number, l2: number, shrink: number): void;
  convWorkspaceBytes(geo: number): number;
  conv2d(kind: number, geo: number, a: number, b: number, bias: number, out: number, work: number): void;
  maxPool2d(kind: number, planes: number, h: number, w: number, oh: number, ow: number, kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, x: number, v: number, out: number): void;
}
type WasmModule = object;
interface WasmInstance { readonly exports: unknown }
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Memory?: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => WasmInstance;
  compile(bytes: Uint8Array): Promise<WasmModule>;
  instantiate(module: WasmModule, imports: object): Promise<WasmInstance>;
}

function webAssembly(): WasmApi | null {
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  return api && typeof api.validate === 'function' ? api : null;
}

/** The two builds: 'relaxed' uses fused multiply-add (relaxed SIMD), 'simd' plain f32x4 mul + add. */
export type WasmVariant = 'relaxed' | 'simd';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** @internal base64 → bytes without atob/Buffer (neither is in the core's type libraries). */
export function decodeBase64(text: string): Uint8Array {
  const lookup = new Uint8Array(128);
  for (let i = 0; i < B64.length; i++) lookup[B64.charCodeAt(i)] = i;
  let len = text.length;
  while (len > 0 && text[len - 1] === '=') len--;
  const out = new Uint8Array((len * 3) >> 2);
  let o = 0;
  for (let i = 0; i < len; i += 4) {
    const a = lookup[text.charCodeAt(i)], b = lookup[text.charCodeAt(i + 1)];
    const c = i + 2 < len ? lookup[text.charCodeAt(i + 2)] : 0, d = i + 3 < len ? lookup[text.charCodeAt(i + 3)] : 0;
    const v = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = v >> 16;
    if (o < out.length) out[o++] = (v >> 8) & 255;
    if (o < out.length) out[o++] = v & 255;
  }
  return out;
}

const bytesCache = new Map<string, Uint8Array>();
function wasmBytes(variant: WasmVariant, shared = false): Uint8Array {
  const key = shared ? `${variant}-shared` : variant;
  let bytes = bytesCache.get(key);
  if (!bytes) {
    bytes = decodeBase64(shared ? (variant === 'relaxed' ? RELAXED_SHARED_WASM_BASE64 : SIMD_SHARED_WASM_BASE64) : variant === 'relaxed' ? RELAXED_WASM_BASE64 : SIMD_WASM_BASE64);
    bytesCache.set(key, bytes);
  }
  return bytes;
}

/** Pages the shared builds' memory may grow to: must match --maximumMemory in scripts/build-wasm.mjs. */
export const SHARED_MAX_PAGES = 32768;

/**
 * A shared memory for the shared build of `variant`, where the runtime has SharedArrayBuffer (Node;
 * a cross-origin-isolated page) and validates that build; else null. Shared memory is what lets
 * arrays live in wasm memory between calls: its views never detach when it grows.
 */
function sharedMemoryFor(api: WasmApi, variant: WasmVariant): WasmMemory | null {
  if (typeof SharedArrayBuffer === 'undefined' || typeof api.Memory !== 'function') return null;
  try {
    if (!api.validate(wasmBytes(variant, true))) return null;
    return new api.Memory({ initial: 2, maximum: SHARED_MAX_PAGES, shared: true });
  } catch {
    return null;
  }
}

/**
 * The builds this runtime can run, fastest first (relaxed SIMD needs Node ≥ 22, Chrome ≥ 114, or
 * Node 20 with --experimental-wasm-relaxed-simd; plain SIMD anything since 2021).
 * @example supportedWasmVariants() // ['relaxed', 'simd']
 */
export function supportedWasmVariants(): WasmVariant[] {
  const api = webAssembly();
  if (!api) return [];
  return (['relaxed', 'simd'] as const).filter((v) => {
    try {
      return api.validate(wasmBytes(v));
    } catch {
      return false;
    }
  });
}

// ---- wasm memory: an allocator with arrays that survive memory growth ------------------------

const PAGE = 65536;
const ALIGN = 64; // a cache line: keeps every array's start SIMD- and line-aligned

const align = (bytes: number): number => Math.ceil(bytes / ALIGN) * ALIGN;

/** The element-wise maps the wasm kernels compute (the cheap ones stay in JS: a copy costs more). */
export type WasmUnaryKind = WasmUnaryName;
const UNARY: Record<WasmUnaryKind, number> = { exp: 1, log: 2, tanh: 3, sigmoid: 4, relu: 5 };

const ACTIVATIONS: Record<KernelActivation, number> = { linear: 0, relu: 1, sigmoid: 2, tanh: 3, leakyRelu: 4 };

function activationCode(op: string, activation: KernelActivation): number {
  const code = ACTIVATIONS[activation];
  if (code === undefined) {
    throw new ValueError(`${op}: unknown activation '${String(activation)}' (known: ${Object.keys(ACTIVATIONS).join(', ')})`);
  }
  return code;
}

/**
 * A float32 array living in wasm memory, for loops that keep their tensors there (no copy per
 * call). `data` is a Float32Array view of it; growing wasm memory (any alloc, or a Backend call on
 * JS arrays) replaces the memory's ArrayBuffer, so re-read `data` after such calls instead of
 * keeping the view: the getter re-creates it when the memory has moved.
 * @example const w = kernels.alloc(6); w.data.set([1, 2, 3, 4, 5, 6]);
 */
export class WasmArray {
  private view: Float32Array | null = null;
  /** @internal use WasmKernels.alloc */
  constructor(
    private readonly owner: WasmKernels,
    /** Byte offset in wasm memory (what the raw kernels take). */
    readonly byteOffset: number,
    readonly length: number,
    private readonly root: WasmArray | null,
  ) {}

  private freedFlag = false;

  /** True once this array (or the array it is a part of) has been freed. */
  get freed(): boolean {
    return this.root ? this.root.freedFlag : this.freedFlag;
  }

  /** The elements, as a view valid until wasm memory next grows (re-read it; never cache it). */
  get data(): Float32Array {
    if (this.freed) throw new ValueError('WasmArray.data: the array was freed; allocate a new one with kernels.alloc(length)');
    const buffer = this.owner.buffer;
    if (this.view === null || this.view.buffer !== buffer) this.view = new Float32Array(buffer, this.byteOffset, this.length);
    return this.view;
  }

  /**
   * The elements [begin, end) as a WasmArray sharing this memory (a layer's weights inside one
   * flat parameter vector, say). Freeing the parent frees it.
   * @example const w1 = params.subarray(0, 784 * 128)
   */
  subarray(begin: number, end = this.length): WasmArray {
    if (!Number.isInteger(begin) || !Number.isInteger(end) || begin < 0 || end < begin || end > this.length) {
      throw new ValueError(`WasmArray.subarray: range [${begin}, ${end}) is not inside [0, ${this.length}]`);
    }
    return new WasmArray(this.owner, this.byteOffset + begin * 4, end - begin, this.root ?? this);
  }

  /** Returns the memory to the allocator; using the array (or its subarrays) afterwards throws. */
  free(): void {
    if (this.root) throw new ValueError('WasmArray.free: this is a subarray; free the array it came from');
    if (this.freedFlag) return;
    this.freedFlag = true;
    this.owner.release(this.byteOffset, align(Math.max(1, this.length) * 4));
  }
}

/**
 * One instance of the kernels with its own linear memory. Use `wasmKernels()` for the shared one;
 * every method checks its arguments' sizes, so a wrong shape is a ShapeError, never a wild write.
 */
export class WasmKernels {
  private readonly x: KernelExports;
  private readonly memory: WasmMemory;
  private top: number;
  /** Free blocks, sorted by offset, coalesced. */
  private readonly free: { offset: number; bytes: number }[] = [];
  private scratchOffset = 0;
  private scratchBytes = 0;
  private workOffset = 0;
  private workBytes = 0;
  private f32: Float32Array;
  /** The memory's current buffer, re-read only when this instance grows the memory (the only one that does). */
  private buf: ArrayBuffer;
  /**
   * Shared memory (wasm-threads): its buffers never detach when it grows, so arrays may live in it
   * between calls and the Backend methods run on them in place (see `owns`).
   */
  readonly shared: boolean;
  /** Every buffer object this shared memory has handed out: after growth, old ones still view the same bytes. */
  private readonly buffers: ArrayBufferLike[] = [];
  /** @internal set by wasm-threads.ts: splits large products across worker threads. */
  threads: GemmThreads | null = null;

  /** @internal use loadWasmKernels / wasmKernels */
  constructor(readonly variant: WasmVariant, exports: unknown) {
    this.x = exports as KernelExports;
    this.memory = this.x.memory;
    this.top = align(this.x.heapBase());
    this.buf = this.memory.buffer;
    this.f32 = new Float32Array(this.buf);
    this.shared = typeof SharedArrayBuffer !== 'undefined' && (this.buf as unknown) instanceof SharedArrayBuffer;
    if (this.shared) this.buffers.push(this.buf);
  }

  /** The memory's current ArrayBuffer (replaced whenever memory grows). */
  get buffer(): ArrayBuffer {
    return this.buf;
  }

  /**
   * @internal Whether `a` is a view of this (shared) memory, which the kernels can read and write
   * where it is. Always false for non-shared memory: its views detach when it grows mid-call.
   */
  owns(a: TypedArray): boolean {
    if (!this.shared) return false;
    const b = a.buffer;
    const list = this.buffers;
    for (let i = list.length - 1; i >= 0; i--) if (list[i] === b) return true;
    return false;
  }

  /**
   * @internal A zeroed Float32Array of `length` elements living in this shared memory (the kernels
   * use it without copies), returned to the allocator once the array is garbage; null for
   * non-shared memory or when the memory cannot grow.
   */
  residentArray(length: number): Float32Array | null {
    if (!this.shared || !(length > 0)) return null;
    const bytes = align(length * 4);
    let offset: number;
    try {
      offset = this.allocBytes(bytes);
    } catch {
      return null;
    }
    const view = new Float32Array(this.buf, offset, length);
    view.fill(0);
    residents.register(view, { kernels: this, offset, bytes });
    return view;
  }

  /** Bytes of wasm memory reserved so far (it only grows). */
  get memoryBytes(): number {
    return this.buf.byteLength;
  }

  /** A Float32Array over all of wasm memory, re-created after growth. */
  private heap(): Float32Array {
    const buffer = this.buf;
    if (this.f32.buffer !== buffer) this.f32 = new Float32Array(buffer);
    return this.f32;
  }

  private ensure(end: number): void {
    const have = this.buf.byteLength;
    if (end <= have) return;
    const need = Math.ceil((end - have) / PAGE);
    // Geometric growth (at least double) so a growing workload reallocates O(log n) times.
    const pages = Math.max(need, Math.min(have / PAGE, 16384));
    try {
      this.memory.grow(pages);
    } catch {
      try {
        this.memory.grow(need);
      } catch {
        throw new BackpropError(`wasm backend: cannot grow WebAssembly memory from ${have >> 20} MiB to ${Math.ceil(end / 2 ** 20)} MiB (the runtime's limit); use smaller batches or setBackend('js')`);
      }
    }
    this.buf = this.memory.buffer;
    if (this.shared) this.buffers.push(this.buf);
  }

  /** @internal raw allocation (wasm-threads.ts); bytes are rounded up to 64. */
  allocBytes(bytes: number): number {
    bytes = align(Math.max(bytes, 1));
    for (let i = 0; i < this.free.length; i++) {
      const block = this.free[i];
      if (block.bytes >= bytes) {
        const offset = block.offset;
        if (block.bytes === bytes) this.free.splice(i, 1);
        else { block.offset += bytes; block.bytes -= bytes; }
        return offset;
      }
    }
    const offset = this.top;
    this.ensure(offset + bytes);
    this.top = offset + bytes;
    return offset;
  }

  /** @internal WasmArray.free */
  release(offset: number, bytes: number): void {
    let i = 0;
    while (i < this.free.length && this.free[i].offset < offset) i++;
    this.free.splice(i, 0, { offset, bytes });
    // Coalesce with the next block, then the previous one.
    if (i + 1 < this.free.length && offset + bytes === this.free[i + 1].offset) {
      this.free[i].bytes += this.free[i + 1].bytes;
      this.free.splice(i + 1, 1);
    }
    if (i > 0 && this.free[i - 1].offset + this.free[i - 1].bytes === offset) {
      this.free[i - 1].bytes += this.free[i].bytes;
      this.free.splice(i, 1);
      i--;
    }
    const last = this.free[this.free.length - 1];
    if (last && last.offset + last.bytes === this.top) {
      this.top = last.offset;
      this.free.pop();
    }
  }

  /**
   * A zeroed float32 array of `length` elements in wasm memory (grows the memory if needed).
   * @example const params = kernels.alloc(nParams)
   */
  alloc(length: number): WasmArray {
    if (!Number.isInteger(length) || length < 0) throw new ValueError(`WasmKernels.alloc: length must be a non-negative integer, got ${length}`);
    const offset = this.allocBytes(length * 4);
    const arr = new WasmArray(this, offset, length, null);
    if (length > 0) arr.data.fill(0);
    return arr;
  }

  /** Scratch regions reused across calls, grown geometrically, never shrunk. */
  private scratch(bytes: number): number {
    if (bytes > this.scratchBytes) {
      if (this.scratchBytes > 0) this.release(this.scratchOffset, this.scratchBytes);
      this.scratchBytes = align(Math.max(bytes, this.scratchBytes * 2));
      this.scratchOffset = this.allocBytes(this.scratchBytes);
    }
    return this.scratchOffset;
  }

  private work(m: number, n: number, k: number): number {
    const bytes = this.x.gemmWorkspaceBytes(m, n, k);
    if (bytes > this.workBytes) {
      if (this.workBytes > 0) this.release(this.workOffset, this.workBytes);
      this.workBytes = align(Math.max(bytes, this.workBytes * 2));
      this.workOffset = this.allocBytes(this.workBytes);
    }
    return this.workOffset;
  }

  private check(op: string, name: string, arr: WasmArray, need: number): void {
    if (arr.freed) throw new ValueError(`${op}: ${name} was freed`);
    if (arr.length < need) throw new ShapeError(`${op}: ${name} has ${arr.length} elements, the shapes need ${need}`);
  }

  /**
   * c = op(a)·op(b) (c += … when accumulate) on arrays in wasm memory, no copies: op(a) is m×k
   * (a stored k×m when transA), op(b) is k×n (b stored n×k when transB), c is m×n, row-major;
   * c must not overlap a or b.
   * @example kernels.gemm(x, w, z, batch, inputs, units, false, true) // z = x·wᵀ
   */
  gemm(a: WasmArray, b: WasmArray, c: WasmArray, m: number, k: number, n: number, transA = false, transB = false, accumulate = false): void {
    checkDims('gemm', m, k, n);
    this.check('gemm', 'a', a, m * k);
    this.check('gemm', 'b', b, k * n);
    this.check('gemm', 'c', c, m * n);
    // Packing reads a and b panel by panel while c is written: an overlap would read results.
    for (const [name, src, len] of [['a', a, m * k], ['b', b, k * n]] as const) {
      if (len > 0 && m * n > 0 && src.byteOffset < c.byteOffset + m * n * 4 && c.byteOffset < src.byteOffset + len * 4) {
        throw new ValueError(`gemm: c overlaps ${name} in wasm memory; write the product to a separate array`);
      }
    }
    this.gemmRaw(a.byteOffset, b.byteOffset, c.byteOffset, m, k, n, transA, transB, accumulate);
  }

  /**
   * c = op(a)·op(b) + bias (c += … + bias when accumulate) on arrays in wasm memory, bias (n values)
   * added to every row in the product's store: the same bits as gemm then c[i, j] += bias[j]. One thread.
   * @example kernels.gemmBias(x, w, b, z, batch, inputs, units, false, true) // z = x·wᵀ + b
   */
  gemmBias(a: WasmArray, b: WasmArray, bias: WasmArray, c: WasmArray, m: number, k: number, n: number, transA = false, transB = false, accumulate = false): void {
    checkDims('gemmBias', m, k, n);
    this.check('gemmBias', 'a', a, m * k);
    this.check('gemmBias', 'b', b, k * n);
    this.check('gemmBias', 'bias', bias, n);
    this.check('gemmBias', 'c', c, m * n);
    for (const [name, src, len] of [['a', a, m * k], ['b', b, k * n], ['bias', bias, n]] as const) {
      if (len > 0 && m * n > 0 && src.byteOffset < c.byteOffset + m * n * 4 && c.byteOffset < src.byteOffset + len * 4) {
        throw new ValueError(`gemmBias: c overlaps ${name} in wasm memory; write the product to a separate array`);
      }
    }
    if (m === 0 || n === 0) return;
    const work = this.work(m, n, k);
    this.x.gemmBias(transA ? 1 : 0, transB ? 1 : 0, m, n, k, a.byteOffset, transA ? m : k, b.byteOffset, transB ? k : n, c.byteOffset, n, accumulate ? 1 : 0, work, bias.byteOffset);
  }

  /** The raw gemm's arguments, refilled per call (GemmThreads.gemm and gemmBlock read them at once and keep nothing). */
  private readonly gemmArgs: number[] = new Array<number>(12).fill(0);

  private gemmRaw(a: number, b: number, c: number, m: number, k: number, n: number, transA: boolean, transB: boolean, accumulate: boolean): void {
    if (m === 0 || n === 0) return;
    const args = this.gemmArgs;
    args[0] = transA ? 1 : 0; args[1] = transB ? 1 : 0; args[2] = m; args[3] = n; args[4] = k; args[5] = a;
    args[6] = transA ? m : k; args[7] = b; args[8] = transB ? k : n; args[9] = c; args[10] = n; args[11] = accumulate ? 1 : 0;
    if (this.threads?.gemm(args)) return;
    this.gemmBlock(args);
  }

  /**
   * @internal One gemm call on this thread: args are the raw export's first twelve (transA,
   * transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate); the workspace is added here.
   */
  gemmBlock(args: readonly number[]): void {
    const work = this.work(args[2], args[3], args[4]);
    this.x.gemm(args[0], args[1], args[2], args[3], args[4], args[5], args[6], args[7], args[8], args[9], args[10], args[11], work);
  }

  /**
   * @internal Backend.linear on float32 arrays: out = x·wᵀ + bias with the bias added in the
   * product's store (gemmBias), on this thread; false (nothing done) when the thread pool would
   * split this product, which then runs as matmul and the op's bias loop. Arrays in this (shared)
   * memory are used where they are, the others go through scratch.
   */
  linearArrays(x: Float32Array, w: Float32Array, bias: Float32Array, out: Float32Array, m: number, k: number, n: number): boolean {
    if (this.threads?.splits(m, n, k)) return false;
    const mk = m * k, kn = k * n, mn = m * n;
    const rx = this.owns(x), rw = this.owns(w), rb = this.owns(bias);
    const ro = this.owns(out) && !(rx && overlap(x, mk, out, mn)) && !(rw && overlap(w, kn, out, mn)) && !(rb && overlap(bias, n, out, mn));
    const xBytes = rx ? 0 : align(mk * 4), wBytes = rw ? 0 : align(kn * 4), bBytes = rb ? 0 : align(n * 4);
    const base = xBytes + wBytes + bBytes > 0 || !ro ? this.scratch(xBytes + wBytes + bBytes + (ro ? 0 : mn * 4)) : 0;
    const work = this.work(m, n, k); // may grow memory: before taking the heap view
    const heap = this.heap();
    const xo = rx ? x.byteOffset : base, wo = rw ? w.byteOffset : base + xBytes, bo = rb ? bias.byteOffset : base + xBytes + wBytes;
    const co = ro ? out.byteOffset : base + xBytes + wBytes + bBytes;
    if (!rx) heap.set(x.length === mk ? x : x.subarray(0, mk), xo >> 2);
    if (!rw) heap.set(w.length === kn ? w : w.subarray(0, kn), wo >> 2);
    if (!rb) heap.set(bias.length === n ? bias : bias.subarray(0, n), bo >> 2);
    this.x.gemmBias(0, 1, m, n, k, xo, k, wo, k, co, n, 0, work, bo);
    if (!ro) out.set(heap.subarray(co >> 2, (co >> 2) + mn));
    return true;
  }

  /** @internal bytes of workspace a gemm of this size needs (wasm-threads.ts gives each worker its own). */
  workspaceBytes(m: number, n: number, k: number): number {
    return this.x.gemmWorkspaceBytes(m, n, k);
  }

  /**
   * out[i, j] = act(x[i, j] + bias[j]) over rows×cols (bias null: none); out may be x.
   * @example kernels.biasActivation(z, b, z, batch, units, 'relu')
   */
  biasActivation(x: WasmArray, bias: WasmArray | null, out: WasmArray, rows: number, cols: number, activation: KernelActivation, alpha = 0.01): void {
    const act = activationCode('biasActivation', activation);
    checkDims('biasActivation', rows, cols, 1);
    this.check('biasActivation', 'x', x, rows * cols);
    this.check('biasActivation', 'out', out, rows * cols);
    if (bias) this.check('biasActivation', 'bias', bias, cols);
    this.x.biasActivation(x.byteOffset, bias ? bias.byteOffset : 0, out.byteOffset, rows, cols, act, alpha);
  }

  /**
   * gx = gy · act′(y) over n elements (all of gy when n is omitted); gx may be gy.
   * @example kernels.activationBackward(h, gh, gh, 'relu')
   */
  activationBackward(y: WasmArray, gy: WasmArray, gx: WasmArray, activation: KernelActivation, alpha = 0.01, n = gy.length): void {
    const act = activationCode('activationBackward', activation);
    checkDims('activationBackward', n, 1, 1);
    this.check('activationBackward', 'y', y, n);
    this.check('activationBackward', 'gy', gy, n);
    this.check('activationBackward', 'gx', gx, n);
    this.x.activationBackward(y.byteOffset, gy.byteOffset, gx.byteOffset, n, act, alpha);
  }

  /**
   * out[j] = Σ_i x[i, j] over rows×cols (out[j] += … when accumulate).
   * @example kernels.sumRows(gz, gb, batch, units)
   */
  sumRows(x: WasmArray, out: WasmArray, rows: number, cols: number, accumulate = false): void {
    checkDims('sumRows', rows, cols, 1);
    this.check('sumRows', 'x', x, rows * cols);
    this.check('sumRows', 'out', out, cols);
    this.x.sumRows(x.byteOffset, out.byteOffset, rows, cols, accumulate ? 1 : 0);
  }

  /**
   * One Adam/AdamW step over param.length parameters (grad, m, v at least as long), in place.
   * @example kernels.adamUpdate(params, grads, m, v, { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, step: t })
   */
  adamUpdate(param: WasmArray, grad: WasmArray, m: WasmArray, v: WasmArray, step: AdamStep): void {
    const n = param.length;
    this.check('adamUpdate', 'grad', grad, n);
    this.check('adamUpdate', 'm', m, n);
    this.check('adamUpdate', 'v', v, n);
    this.check('adamUpdate', 'param', param, n);
    this.adamRaw(param.byteOffset, grad.byteOffset, m.byteOffset, v.byteOffset, n, checkAdam(step));
  }

  /** The raw Adam export; `step` already checked (checkAdam) by the caller. */
  private adamRaw(p: number, g: number, m: number, v: number, n: number, step: AdamStep): void {
    const { lr, beta1, beta2, eps, step: t } = step;
    const wd = step.weightDecay ?? 0;
    this.x.adam(p, g, m, v, n, beta1, beta2, eps, lr / (1 - beta1 ** t), Math.sqrt(1 - beta2 ** t),
      step.decoupled ? 0 : wd, step.decoupled ? 1 - lr * wd : 1);
  }

  // ---- the same kernels on JS arrays (copy in, run, copy out), for the Backend interface ----

  /**
   * @internal Backend.matmul on float32 arrays: operands already in this (shared) memory are used
   * where they are; the others go through scratch memory (copied in, and the result copied out).
   */
  matmulArrays(a: Float32Array, b: Float32Array, out: Float32Array, m: number, k: number, n: number, transA: boolean, transB: boolean): void {
    const mk = m * k, kn = k * n, mn = m * n;
    const ra = this.owns(a), rb = this.owns(b);
    // The product must not be packed from memory it is writing: an overlapping out goes through scratch.
    const ro = this.owns(out) && !(ra && overlap(a, mk, out, mn)) && !(rb && overlap(b, kn, out, mn));
    const aBytes = ra ? 0 : align(mk * 4), bBytes = rb ? 0 : align(kn * 4);
    const base = aBytes + bBytes > 0 || !ro ? this.scratch(aBytes + bBytes + (ro ? 0 : mn * 4)) : 0;
    this.work(m, n, k); // may grow memory: before taking the heap view
    const heap = this.heap();
    const ao = ra ? a.byteOffset : base, bo = rb ? b.byteOffset : base + aBytes, co = ro ? out.byteOffset : base + aBytes + bBytes;
    if (!ra) heap.set(a.length === mk ? a : a.subarray(0, mk), ao >> 2);
    if (!rb) heap.set(b.length === kn ? b : b.subarray(0, kn), bo >> 2);
    this.gemmRaw(ao, bo, co, m, k, n, transA, transB, false);
    if (!ro) out.set(heap.subarray(co >> 2, (co >> 2) + mn));
  }

  /**
   * out = f(x) elementwise over wasm arrays, for the transcendental maps (≈1 ulp, IEEE special values).
   * @example kernels.unary('exp', logits, logits)
   */
  unary(kind: WasmUnaryKind, x: WasmArray, out: WasmArray): void {
    const code = UNARY[kind];
    if (code === undefined) throw new ValueError(`unary: unknown kind '${String(kind)}' (known: ${Object.keys(UNARY).join(', ')})`);
    this.check('unary', 'out', out, x.length);
    this.check('unary', 'x', x, x.length);
    this.x.unary(code, x.byteOffset, out.byteOffset, x.length);
  }

  /** @internal Backend.unary: x and out used in place when they live in this memory (the map is element-wise, so out may be x). */
  unaryArrays(code: number, x: Float32Array, out: Float32Array): void {
    const n = x.length;
    const rx = this.owns(x), ro = this.owns(out);
    const base = rx && ro ? 0 : this.scratch(n * 4);
    const heap = this.heap();
    const xo = rx ? x.byteOffset : base, oo = ro ? out.byteOffset : base;
    if (!rx) heap.set(x, base >> 2);
    this.x.unary(code, xo, oo, n);
    if (!ro) out.set(heap.subarray(base >> 2, (base >> 2) + n));
  }

  /** @internal Backend.reduce('sum') over contiguous runs (inner = 1) of a float32 array; x and out used in place when they live in this memory. */
  sumRunsArrays(x: Float32Array, out: Float32Array, outer: number, len: number): void {
    const nx = outer * len;
    const rx = this.owns(x), ro = this.owns(out) && !(rx && overlap(x, nx, out, outer));
    const xBytes = rx ? 0 : align(nx * 4);
    const base = rx && ro ? 0 : this.scratch(xBytes + (ro ? 0 : outer * 4));
    const heap = this.heap();
    if (!rx) heap.set(x.length === nx ? x : x.subarray(0, nx), base >> 2);
    const xo = rx ? x.byteOffset : base, oo = ro ? out.byteOffset : base + xBytes;
    this.x.sumRuns(xo, oo, outer, len);
    if (!ro) out.set(heap.subarray(oo >> 2, (oo >> 2) + outer));
  }

  /**
   * @internal Backend.reduce('sum') over a leading or middle axis (inner > 1) of a float32 array:
   * out[o, i] = Σ_j x[o, j, i], each sum in float32 from +0 in j order, as the reference's row adds
   * into a Float32Array round (the same bits). Arrays in this (shared) memory are used in place.
   */
  sumRowsArrays(x: Float32Array, out: Float32Array, outer: number, len: number, inner: number): void {
    const xn = outer * len * inner, on = outer * inner;
    const rx = this.owns(x), ro = this.owns(out) && !(rx && overlap(x, xn, out, on));
    const xBytes = rx ? 0 : align(xn * 4);
    const base = !rx || !ro ? this.scratch(xBytes + (ro ? 0 : on * 4)) : 0;
    const heap = this.heap();
    const xo = rx ? x.byteOffset : base, oo = ro ? out.byteOffset : base + xBytes;
    if (!rx) heap.set(x.length === xn ? x : x.subarray(0, xn), xo >> 2);
    for (let o = 0; o < outer; o++) this.x.sumRows(xo + o * len * inner * 4, oo + o * inner * 4, len, inner, 0);
    if (!ro) out.set(heap.subarray(oo >> 2, (oo >> 2) + on));
  }

  /**
   * @internal Backend.binary('reluGrad') on float32 arrays: operands living in this memory are used
   * in place (the map is element-wise: out may be g or x exactly, never a shifted overlap).
   */
  reluGradArrays(g: Float32Array, x: Float32Array, out: Float32Array): void {
    const n = g.length, bytes = align(n * 4);
    const rg = this.owns(g), rx = this.owns(x);
    const clash = (a: Float32Array, used: boolean): boolean => used && a.byteOffset !== out.byteOffset && overlap(a, n, out, n);
    const ro = this.owns(out) && !clash(g, rg) && !clash(x, rx);
    const copies = (rg ? 0 : 1) + (rx ? 0 : 1) + (ro ? 0 : 1);
    const base = copies > 0 ? this.scratch(copies * bytes) : 0;
    const heap = this.heap();
    let at = base;
    const go = rg ? g.byteOffset : (heap.set(g, at >> 2), (at += bytes) - bytes);
    const xo = rx ? x.byteOffset : (heap.set(x.length === n ? x : x.subarray(0, n), at >> 2), (at += bytes) - bytes);
    const oo = ro ? out.byteOffset : at;
    this.x.reluGrad(go, xo, oo, n);
    if (!ro) out.set(heap.subarray(oo >> 2, (oo >> 2) + n));
  }

  /** @internal Backend.adamUpdate: arrays in this memory are updated in place, the others through scratch. */
  adamArrays(param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, step: AdamStep): void {
    const n = param.length, bytes = align(n * 4);
    const rp = this.owns(param), rg = this.owns(grad), rm = this.owns(m), rv = this.owns(v);
    const copies = (rp ? 0 : 1) + (rg ? 0 : 1) + (rm ? 0 : 1) + (rv ? 0 : 1);
    const base = copies > 0 ? this.scratch(copies * bytes) : 0;
    const heap = this.heap();
    let at = base;
    const place = (a: Float32Array, resident: boolean): number => {
      if (resident) return a.byteOffset;
      const o = at;
      at += bytes;
      heap.set(a.length === n ? a : a.subarray(0, n), o >> 2);
      return o;
    };
    const po = place(param, rp), go = place(grad, rg), mo = place(m, rm), vo = place(v, rv);
    this.adamRaw(po, go, mo, vo, n, step);
    if (!rp) param.set(heap.subarray(po >> 2, (po >> 2) + n));
    if (!rm) m.set(heap.subarray(mo >> 2, (mo >> 2) + n));
    if (!rv) v.set(heap.subarray(vo >> 2, (vo >> 2) + n));
  }

  /** Sixteen i32 of convolution geometry, allocated on first use (the conv2d export reads them). */
  private geoOffset = -1;

  /**
   * @internal Backend.conv2d on float32 arrays: one call for the batch; sizes were checked by the
   * op. a, b as in Backend.conv2d. Operands living in this (shared) memory are used in place, the
   * others copied into scratch (and the output copied back out). The stride-1 kernels read the
   * input planes (a, for the forward and the weight gradient) shifted by up to `margin` bytes either
   * way and mask what they read outside: a copied input gets that margin on both sides in scratch;
   * a resident one is used in place only when the margin lies inside the memory (else copied).
   */
  conv2dArrays(kind: ConvKind, g: ConvGeometry, out: Float32Array, a: Float32Array, b: Float32Array, bias: Float32Array | undefined): void {
    if (this.geoOffset < 0) this.geoOffset = this.allocBytes(64);
    const geo = [g.n, g.c, g.h, g.w, g.o, g.kh, g.kw, g.oh, g.ow, g.sh, g.sw, g.pt, g.pl, g.dh, g.dw, g.groups];
    new Int32Array(this.memory.buffer, this.geoOffset, 16).set(geo);
    const workBytes = this.x.convWorkspaceBytes(this.geoOffset);
    const margin = convMargin(g);
    const ra = this.owns(a) && (kind === 'inputGrad' || this.hasMargin(a, margin));
    const rb = this.owns(b), rbias = bias === undefined || this.owns(bias);
    const clash = (x: Float32Array | undefined, used: boolean): boolean => x !== undefined && used && overlap(x, x.length, out, out.length);
    const ro = this.owns(out) && !clash(a, ra) && !clash(b, rb) && !clash(bias, rbias && bias !== undefined);
    let total = 0;
    const region = (used: boolean, bytes: number, before = 0): number => {
      if (used) return -1;
      const at = total + before;
      total = at + bytes;
      return at;
    };
    const aRel = region(ra, align(a.length * 4) + margin, margin);
    const bRel = region(rb, align(b.length * 4));
    const biasRel = region(rbias, bias ? align(bias.length * 4) : 0);
    const oRel = region(ro, align(out.length * 4));
    const workRel = region(false, workBytes);
    const base = this.scratch(total);
    const heap = this.heap();
    const ao = ra ? a.byteOffset : base + aRel, bo = rb ? b.byteOffset : base + bRel;
    const biasO = bias === undefined ? 0 : rbias ? bias.byteOffset : base + biasRel;
    const oo = ro ? out.byteOffset : base + oRel;
    if (!ra) heap.set(a, ao >> 2);
    if (!rb) heap.set(b, bo >> 2);
    if (bias && !rbias) heap.set(bias, biasO >> 2);
    this.x.conv2d(CONV_KIND[kind], this.geoOffset, ao, bo, biasO, oo, base + workRel);
    if (!ro) out.set(heap.subarray(oo >> 2, (oo >> 2) + out.length));
  }

  /** Whether `margin` bytes before and after resident `a` lie inside this memory (shifted reads stay in bounds). */
  private hasMargin(a: Float32Array, margin: number): boolean {
    return a.byteOffset >= margin && a.byteOffset + a.length * 4 + margin <= this.buf.byteLength;
  }

  /** @internal Backend.maxPool2d on float32 arrays (v may be x itself); operands living in this memory are used in place. */
  maxPoolArrays(kind: 'forward' | 'grad', g: PoolGeometry, out: Float32Array, x: Float32Array, v: Float32Array): void {
    const rx = this.owns(x), rv = v === x ? rx : this.owns(v);
    const ro = this.owns(out) && !(rx && overlap(x, x.length, out, out.length)) && !(rv && overlap(v, v.length, out, out.length));
    const xBytes = rx ? 0 : align(x.length * 4), vBytes = v === x || rv ? 0 : align(v.length * 4);
    const base = rx && rv && ro ? 0 : this.scratch(xBytes + vBytes + (ro ? 0 : out.length * 4));
    const heap = this.heap();
    const xo = rx ? x.byteOffset : base;
    const vo = v === x ? xo : rv ? v.byteOffset : base + xBytes;
    const oo = ro ? out.byteOffset : base + xBytes + vBytes;
    if (!rx) heap.set(x, xo >> 2);
    if (v !== x && !rv) heap.set(v, vo >> 2);
    this.x.maxPool2d(kind === 'forward' ? (vo === xo ? 2 : 0) : 1, g.planes, g.h, g.w, g.oh, g.ow, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, xo, vo, oo);
    if (!ro) out.set(heap.subarray(oo >> 2, (oo >> 2) + out.length));
  }
}

/**
 * Bytes the stride-1 conv kernels may read before and after the input's planes (they mask what
 * they read there): the padding rows and columns plus a vector's reach, rounded up to 64.
 */
function convMargin(g: ConvGeometry): number {
  const pb = g.oh + (g.kh - 1) * g.dh - g.h - g.pt;
  return align((Math.max(g.pt, pb, 0) * g.w + (g.kw - 1) * g.dw + g.pl + 16) * 4);
}

const CONV_KIND: Record<ConvKind, number> = { forward: 0, inputGrad: 1, weightGrad: 2 };

/** Whether elements [0, na) of a and [0, nb) of b share bytes (both views of one memory). */
function overlap(a: Float32Array, na: number, b: Float32Array, nb: number): boolean {
  return a.byteOffset < b.byteOffset + nb * 4 && b.byteOffset < a.byteOffset + na * 4;
}

/** Resident arrays' memory goes back to their kernels' allocator once the array is garbage. */
const residents = new FinalizationRegistry<{ kernels: WasmKernels; offset: number; bytes: number }>((h) => h.kernels.release(h.offset, h.bytes));

/** @internal What wasm-threads.ts plugs into WasmKernels: returns false to leave a call to the caller. */
export interface GemmThreads {
  gemm(args: readonly number[]): boolean;
  /** Whether gemm(args) would split a non-accumulating m×n×k product across threads now. */
  splits(m: number, n: number, k: number): boolean;
  /** Threads a large product runs on, the caller included. */
  readonly threads: number;
}

/** What computes: the active backend's name, its WebAssembly build (null for the plain-TS backend) and the threads a large product uses. */
export interface BackendInfo {
  name: string;
  wasm: WasmVariant | null;
  threads: number;
}

/**
 * Which kernels run now, for reports and benchmarks: `{ name: 'wasm', wasm: 'relaxed', threads: 1 }`.
 * @example console.log(backendInfo()) // { name: 'wasm', wasm: 'relaxed', threads: 1 }
 */
export function backendInfo(): BackendInfo {
  const be = backend() as Partial<WasmBackend> & { name: string };
  const kernels = be.kernels instanceof WasmKernels ? be.kernels : null;
  return { name: be.name, wasm: kernels?.variant ?? null, threads: kernels?.threads?.threads ?? 1 };
}

function checkDims(op: string, m: number, k: number, n: number): void {
  if (!Number.isInteger(m) || !Number.isInteger(k) || !Number.isInteger(n) || m < 0 || k < 0 || n < 0) {
    throw new ShapeError(`${op}: sizes must be non-negative integers, got ${m}, ${k}, ${n}`);
  }
}

function checkAdam(step: AdamStep): AdamStep {
  for (const key of Object.keys(step)) {
    if (!['lr', 'beta1', 'beta2', 'eps', 'step', 'weightDecay', 'decoupled'].includes(key)) {
      throw new ValueError(`adamUpdate: unknown option '${key}' (known: lr, beta1, beta2, eps, step, weightDecay, decoupled)`);
    }
  }
  if (!Number.isInteger(step.step) || step.step < 1) throw new ValueError(`adamUpdate: step must be the step number t ≥ 1, got ${step.step}`);
  return step;
}

// ---- loading -----------------------------------------------------------------------------------

/** Options of loadWasmKernels. */
export interface LoadWasmOptions {
  /**
   * Give the kernels a shared memory where the runtime can (default true): arrays then live in it
   * between calls (a compiled step's buffers, parameters and optimizer state) and the Backend
   * methods use them in place. false: a memory of its own, whose views detach when it grows, so
   * every Backend call copies its operands in and out.
   */
  shared?: boolean;
}

/**
 * Compiles and instantiates one build synchronously (fine in Node and workers; browsers' main
 * threads may refuse synchronous compilation, see initWasmBackend). 'auto' takes the fastest build
 * the runtime validates. Returns null when the runtime has no WebAssembly SIMD.
 * @example const k = loadWasmKernels('simd')
 */
export function loadWasmKernels(variant: WasmVariant | 'auto' = 'auto', options: LoadWasmOptions = {}): WasmKernels | null {
  for (const key of Object.keys(options)) {
    if (key !== 'shared') throw new ValueError(`loadWasmKernels: unknown option '${key}' (known: shared)`);
  }
  const api = webAssembly();
  if (!api) return null;
  const chosen = variant === 'auto' ? supportedWasmVariants()[0] : variant;
  if (!chosen) return null;
  if (variant !== 'auto' && !supportedWasmVariants().includes(variant)) return null;
  const memory = options.shared === false ? null : sharedMemoryFor(api, chosen);
  if (memory !== null) {
    try {
      const instance = new api.Instance(new api.Module(wasmBytes(chosen, true)), { env: { memory } });
      return new WasmKernels(chosen, instance.exports);
    } catch {
      // A runtime that validates the shared build but cannot instantiate it: the plain build below.
    }
  }
  const instance = new api.Instance(new api.Module(wasmBytes(chosen)), {});
  return new WasmKernels(chosen, instance.exports);
}

async function loadWasmKernelsAsync(): Promise<WasmKernels | null> {
  const api = webAssembly();
  const chosen = supportedWasmVariants()[0];
  if (!api || !chosen) return null;
  const memory = sharedMemoryFor(api, chosen);
  if (memory !== null) {
    try {
      const instance = await api.instantiate(await api.compile(wasmBytes(chosen, true)), { env: { memory } });
      return new WasmKernels(chosen, instance.exports);
    } catch {
      // The plain build below.
    }
  }
  const module = await api.compile(wasmBytes(chosen));
  const instance = await api.instantiate(module, {});
  return new WasmKernels(chosen, instance.exports);
}

/** Below this many multiply-adds (m·k·n) the copies into wasm memory cost more than they save. */
export const DEFAULT_MATMUL_MIN_WORK = 1024;
/** Below this many elements the element-wise kernels stay in JS for the same reason. */
const ELEMENTWISE_MIN = 256;

export interface WasmBackendOptions {
  /** Registered name (default 'wasm'). */
  name?: string;
  /** Products with m·k·n below this run on the plain-TS backend (default DEFAULT_MATMUL_MIN_WORK). */
  matmulMinWork?: number;
  /** Element-wise calls on fewer elements run in plain TS (default 256). */
  elementwiseMin?: number;
}

/** A wasm Backend, with the kernels instance (and so the memory) it computes in. */
export interface WasmBackend extends Backend {
  readonly kernels: WasmKernels;
}

const isF32 = (a: TypedArray | null): boolean => a === null || a instanceof Float32Array;

/**
 * A Backend over one WasmKernels instance: float32 work is copied into wasm memory, computed there
 * and copied back — except, on shared memory, arrays that already live there (`resident`), which
 * the kernels use in place; float64 and tiny work go to the plain-TS kernels, which define the results.
 * @example registerBackend(createWasmBackend(loadWasmKernels()!, { name: 'wasm-all', matmulMinWork: 0 }))
 */
export function createWasmBackend(kernels: WasmKernels, options: WasmBackendOptions = {}): WasmBackend {
  for (const key of Object.keys(options)) {
    if (!['name', 'matmulMinWork', 'elementwiseMin'].includes(key)) {
      throw new ValueError(`createWasmBackend: unknown option '${key}' (known: name, matmulMinWork, elementwiseMin)`);
    }
  }
  const minWork = options.matmulMinWork ?? DEFAULT_MATMUL_MIN_WORK;
  const minElems = options.elementwiseMin ?? ELEMENTWISE_MIN;
  return {
    name: options.name ?? 'wasm',
    kernels,
    matmul(a, b, out, m, k, n, transA, transB) {
      if (m * k * n < minWork || !(a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array)) {
        jsBackend.matmul(a, b, out, m, k, n, transA, transB);
        return;
      }
      need('matmul', 'a', a, m * k); need('matmul', 'b', b, k * n); need('matmul', 'out', out, m * n);
      // Shared memory never detaches: arrays living in it are used in place (no copies).
      if (kernels.shared) { kernels.matmulArrays(a, b, out, m, k, n, transA, transB); return; }
      outsideWasm(kernels, [a, b, out], [2], ([a2, b2, o2]) => kernels.matmulArrays(a2!, b2!, o2!, m, k, n, transA, transB));
    },
    linear(x, w, bias, out, m, k, n) {
      if (m * k * n < minWork || !(x instanceof Float32Array && w instanceof Float32Array && bias instanceof Float32Array && out instanceof Float32Array)) return false;
      need('linear', 'x', x, m * k); need('linear', 'w', w, k * n); need('linear', 'bias', bias, n); need('linear', 'out', out, m * n);
      if (kernels.shared) return kernels.linearArrays(x, w, bias, out, m, k, n);
      let done = false;
      outsideWasm(kernels, [x, w, bias, out], [3], ([x2, w2, b2, o2]) => { done = kernels.linearArrays(x2!, w2!, b2!, o2!, m, k, n); });
      return done;
    },
    unary(kind, x, out) {
      const code = UNARY[kind as WasmUnaryKind];
      if (code === undefined || x.length < minElems || !isF32(x) || !isF32(out)) return false;
      need('unary', 'out', out, x.length);
      if (kernels.shared) { kernels.unaryArrays(code, x as Float32Array, out as Float32Array); return true; }
      outsideWasm(kernels, [x as Float32Array, out as Float32Array], [1], ([x2, o2]) => kernels.unaryArrays(code, x2!, o2!));
      return true;
    },
    reduce(kind, x, out, outer, len, inner) {
      // Runs summed in the reference's order (f64, rounded once), so the result is the same bits.
      if (kind !== 'sum' || outer * len * inner < minElems || !(x instanceof Float32Array && out instanceof Float32Array)) {
        jsBackend.reduce(kind, x, out, outer, len, inner);
        return;
      }
      need('reduce', 'x', x, outer * len * inner); need('reduce', 'out', out, outer * inner);
      if (inner !== 1) {
        // A leading axis (a dense layer's bias gradient, [batch, units] → [units]): column sums.
        outsideWasm(kernels, [x, out], [1], ([x2, o2]) => kernels.sumRowsArrays(x2!, o2!, outer, len, inner));
        return;
      }
      outsideWasm(kernels, [x, out], [1], ([x2, o2]) => kernels.sumRunsArrays(x2!, o2!, outer, len));
    },
    binary(kind, a, b, out) {
      if (kind !== 'reluGrad' || a.length < minElems || !isF32(a) || !isF32(b) || !isF32(out)) return false;
      need('binary', 'b', b, a.length); need('binary', 'out', out, a.length);
      outsideWasm(kernels, [a, b, out] as Float32Array[], [2], ([a2, b2, o2]) => kernels.reluGradArrays(a2!, b2!, o2!));
      return true;
    },
    adamUpdate(param, grad, m, v, step) {
      checkAdam(step);
      if (param.length < minElems || !isF32(param) || !isF32(grad) || !isF32(m) || !isF32(v)) {
        return false;
      }
      need('adamUpdate', 'grad', grad, param.length); need('adamUpdate', 'm', m, param.length); need('adamUpdate', 'v', v, param.length);
      // Seven copies still beat JS's float64 sqrt and division several times over (see
      // scripts/bench-matmul.mjs); arrays resident in shared memory (a compiled step's parameters,
      // gradients and moments) skip them.
      if (kernels.shared) { kernels.adamArrays(param as Float32Array, grad as Float32Array, m as Float32Array, v as Float32Array, step); return true; }
      outsideWasm(kernels, [param, grad, m, v] as Float32Array[], [0, 2, 3],
        ([p2, g2, m2, v2]) => kernels.adamArrays(p2!, g2!, m2!, v2!, step));
      return true;
    },
    conv2d(kind, g, out, a, b, bias) {
      if (!(out instanceof Float32Array && a instanceof Float32Array && b instanceof Float32Array && isF32(bias ?? null))) return false;
      outsideWasm(kernels, [out, a, b, (bias ?? null) as Float32Array | null], [0], ([o2, a2, b2, bias2]) => kernels.conv2dArrays(kind, g, o2!, a2!, b2!, bias2 ?? undefined));
      return true;
    },
    maxPool2d(kind, g, out, x, v) {
      if (!(out instanceof Float32Array && x instanceof Float32Array && v instanceof Float32Array)) return false;
      outsideWasm(kernels, [out, x, v === x ? null : v], [0], ([o2, x2, v2]) => kernels.maxPoolArrays(kind, g, o2!, x2!, v2 ?? x2!));
      return true;
    },
    resident(length) {
      return length >= minElems ? kernels.residentArray(length) : null;
    },
    owns(a) {
      return kernels.owns(a);
    },
  };
}

function need(op: string, name: string, arr: TypedArray, n: number): void {
  if (arr.length < n) throw new ShapeError(`${op}: ${name} has ${arr.length} elements, the sizes given need ${n}`);
}

/**
 * Runs fn with JS copies of any arrays that are views of this wasm memory (a WasmArray's data
 * passed to a Backend method), then writes the `written` ones back through the memory's current
 * buffer: fn may grow the memory, which would detach those views mid-call.
 */
function outsideWasm(kernels: WasmKernels, arrays: (Float32Array | null)[], written: number[], fn: (arrays: (Float32Array | null)[]) => void): void {
  // Views of shared memory never detach: nothing to protect.
  if (kernels.shared) { fn(arrays); return; }
  const buffer = kernels.buffer;
  if (!arrays.some((a) => a !== null && a.buffer === buffer)) {
    fn(arrays);
    return;
  }
  const places = arrays.map((a) => (a !== null && a.buffer === buffer ? { offset: a.byteOffset, length: a.length } : null));
  const copies = arrays.map((a, i) => (places[i] ? a!.slice() : a));
  fn(copies);
  for (const i of written) {
    const place = places[i];
    if (place) new Float32Array(kernels.buffer, place.offset, place.length).set(copies[i]!);
  }
}

let shared: WasmKernels | null = null;

/**
 * The kernels instance the registered 'wasm' backend uses (null until loaded, or when the runtime
 * lacks WebAssembly SIMD). Arrays allocated here live beside the backend's own scratch memory.
 * @example const k = wasmKernels(); if (k) { const w = k.alloc(100); … }
 */
export function wasmKernels(): WasmKernels | null {
  return shared;
}

function adopt(kernels: WasmKernels): void {
  shared = kernels;
  registerBackend(createWasmBackend(kernels), { preferred: true });
}

/**
 * Loads the WebAssembly backend asynchronously (for browsers' main threads, which refuse to
 * compile large modules synchronously) and makes it the active backend unless setBackend() chose
 * one. Resolves true when the wasm backend is available (at once if the import already loaded it).
 * @example if (await initWasmBackend()) console.log(backend().name) // 'wasm'
 */
export async function initWasmBackend(): Promise<boolean> {
  if (shared) return true;
  try {
    const kernels = await loadWasmKernelsAsync();
    if (!kernels) return false;
    adopt(kernels);
    return true;
  } catch {
    return false;
  }
}

// Load at import when the runtime allows synchronous compilation; any failure leaves 'js' active.
try {
  const kernels = loadWasmKernels('auto');
  if (kernels) adopt(kernels);
} catch {
  // Main-thread compile limits or a runtime without SIMD: initWasmBackend() can still try.
}
