// The WebAssembly SIMD kernels behind src/tensor/kernels/wasm.ts, in AssemblyScript.
// Compiled twice by scripts/build-wasm.mjs: once with plain 128-bit SIMD (mul + add) and once with
// relaxed SIMD (fused multiply-add); ASC_FEATURE_RELAXED_SIMD picks the arithmetic at compile time.
// Every pointer is a byte offset into linear memory chosen by the JS side, which owns all
// allocation: this module has no heap of its own and never grows memory. float32 only, row-major.

// ---- matmul: BLIS-style packing + a 6×8 (4×8) register-blocked micro-kernel -------------------
// C (m×n) = op(A)·op(B) (+ C when accumulating). B is packed per KC×NC panel into NR-column strips
// (kept in L2/L3, one strip in L1 during the inner loop), A per MC×KC block into MR-row strips
// (kept in L2). Edge strips are zero-padded so the micro-kernel always runs full-width; only the
// store of an edge tile is masked.

// The relaxed (FMA) build runs a 6×8 tile; the plain build keeps 4×8, since its multiply and add
// need a temporary register that a 6×8 tile does not leave (it spills: 33 vs 48 GFLOP/s at 1024³).
const MR: i32 = ASC_FEATURE_RELAXED_SIMD ? 6 : 4;
const NR: i32 = 8;
const KC: i32 = 256;
const MC: i32 = ASC_FEATURE_RELAXED_SIMD ? 120 : 128;
const NC: i32 = 2048;

/** Bytes of the MR×NR tile for edge stores, at the start of the workspace (per caller, so two
 * threads sharing one memory never share it). */
const EDGE_TILE_BYTES: i32 = MR * NR * 4;

@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.relaxed_madd(a, b, c);
  } else {
    return f32x4.add(f32x4.mul(a, b), c);
  }
}

@inline function minI(a: i32, b: i32): i32 {
  return a < b ? a : b;
}

@inline function roundUp(x: i32, to: i32): i32 {
  return (x + to - 1) / to * to;
}

/** Bytes of scratch that gemm(m, n, k, …) needs at `work` (16-byte aligned by the caller). */
export function gemmWorkspaceBytes(m: i32, n: i32, k: i32): i32 {
  const kc = minI(k, KC);
  return EDGE_TILE_BYTES + (roundUp(minI(m, MC), MR) * kc + kc * roundUp(minI(n, NC), NR)) * 4;
}

/** Heap start: the JS allocator places buffers from here up. */
export function heapBase(): usize {
  return __heap_base;
}

// A element (i, p) lives at a + (i·lda + p)·4 (plain) or a + (p·lda + i)·4 (transposed).
// Packed layout: for each strip of MR rows, kc groups of MR consecutive floats (one per row).
function packA(mc: i32, kc: i32, a: usize, lda: i32, transA: bool, ap: usize): void {
  const ldaB = <usize>lda << 2;
  const step = <usize>MR << 2;
  for (let i0 = 0; i0 < mc; i0 += MR) {
    const rows = minI(MR, mc - i0);
    if (transA) {
      let src = a + (<usize>i0 << 2);
      if (rows == MR) {
        for (let p = 0; p < kc; p++) {
          v128.store(ap, v128.load(src));
          if (MR == 6) store<u64>(ap, load<u64>(src, 16), 16);
          src += ldaB;
          ap += step;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let r = 0; r < MR; r++) store<f32>(ap + (<usize>r << 2), r < rows ? load<f32>(src + (<usize>r << 2)) : 0);
          src += ldaB;
          ap += step;
        }
      }
    } else {
      const r0 = a + <usize>i0 * ldaB;
      if (rows == MR && MR == 6) {
        const r1 = r0 + ldaB, r2 = r1 + ldaB, r3 = r2 + ldaB, r4 = r3 + ldaB, r5 = r4 + ldaB;
        let p = 0;
        // Four columns at a time: rows 0–3 transposed in registers, rows 4–5 interleaved in pairs.
        for (; p + 3 < kc; p += 4) {
          const o = <usize>p << 2;
          const x0 = v128.load(r0 + o), x1 = v128.load(r1 + o), x2 = v128.load(r2 + o), x3 = v128.load(r3 + o);
          const x4 = v128.load(r4 + o), x5 = v128.load(r5 + o);
          const t0 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5);
          const t1 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7);
          const t2 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5);
          const t3 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);
          const u0 = v128.shuffle<f32>(x4, x5, 0, 4, 1, 5);
          const u1 = v128.shuffle<f32>(x4, x5, 2, 6, 3, 7);
          v128.store(ap, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
          store<u64>(ap, i64x2.extract_lane(u0, 0), 16);
          v128.store(ap, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7), 24);
          store<u64>(ap, i64x2.extract_lane(u0, 1), 40);
          v128.store(ap, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), 48);
          store<u64>(ap, i64x2.extract_lane(u1, 0), 64);
          v128.store(ap, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7), 72);
          store<u64>(ap, i64x2.extract_lane(u1, 1), 88);
          ap += 4 * step;
        }
        for (; p < kc; p++) {
          const o = <usize>p << 2;
          store<f32>(ap, load<f32>(r0 + o));
          store<f32>(ap, load<f32>(r1 + o), 4);
          store<f32>(ap, load<f32>(r2 + o), 8);
          store<f32>(ap, load<f32>(r3 + o), 12);
          store<f32>(ap, load<f32>(r4 + o), 16);
          store<f32>(ap, load<f32>(r5 + o), 20);
          ap += step;
        }
      } else if (rows == MR) {
        const r1 = r0 + ldaB, r2 = r1 + ldaB, r3 = r2 + ldaB;
        let p = 0;
        // Four rows × four columns at a time, transposed in registers.
        for (; p + 3 < kc; p += 4) {
          const o = <usize>p << 2;
          const x0 = v128.load(r0 + o), x1 = v128.load(r1 + o), x2 = v128.load(r2 + o), x3 = v128.load(r3 + o);
          const t0 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5);
          const t1 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7);
          const t2 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5);
          const t3 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);
          v128.store(ap, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
          v128.store(ap, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7), 16);
          v128.store(ap, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), 32);
          v128.store(ap, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7), 48);
          ap += 4 * step;
        }
        for (; p < kc; p++) {
          const o = <usize>p << 2;
          store<f32>(ap, load<f32>(r0 + o));
          store<f32>(ap, load<f32>(r1 + o), 4);
          store<f32>(ap, load<f32>(r2 + o), 8);
          store<f32>(ap, load<f32>(r3 + o), 12);
          ap += step;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          const o = <usize>p << 2;
          for (let r = 0; r < MR; r++) store<f32>(ap + (<usize>r << 2), r < rows ? load<f32>(r0 + <usize>r * ldaB + o) : 0);
          ap += step;
        }
      }
    }
  }
}

// B element (p, j) lives at b + (p·ldb + j)·4 (plain) or b + (j·ldb + p)·4 (transposed).
// Packed layout: for each strip of NR columns, kc groups of NR consecutive floats.
function packB(kc: i32, nc: i32, b: usize, ldb: i32, transB: bool, bp: usize): void {
  const ldbB = <usize>ldb << 2;
  for (let j0 = 0; j0 < nc; j0 += NR) {
    const cols = minI(NR, nc - j0);
    if (!transB) {
      let src = b + (<usize>j0 << 2);
      if (cols == NR) {
        for (let p = 0; p < kc; p++) {
          v128.store(bp, v128.load(src));
          v128.store(bp, v128.load(src, 16), 16);
          src += ldbB;
          bp += NR << 2;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let c = 0; c < NR; c++) store<f32>(bp + (<usize>c << 2), c < cols ? load<f32>(src + (<usize>c << 2)) : 0);
          src += ldbB;
          bp += NR << 2;
        }
      }
    } else {
      const c0 = b + <usize>j0 * ldbB;
      if (cols == NR) {
        let p = 0;
        for (; p + 3 < kc; p += 4) {
          const o = <usize>p << 2;
          // Two 4×4 transposes: columns j0..j0+3 then j0+4..j0+7, each for rows p..p+3.
          for (let h = 0; h < 2; h++) {
            const base = c0 + <usize>(h * 4) * ldbB + o;
            const x0 = v128.load(base), x1 = v128.load(base + ldbB), x2 = v128.load(base + 2 * ldbB), x3 = v128.load(base + 3 * ldbB);
            const t0 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5);
            const t1 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7);
            const t2 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5);
            const t3 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);
            const dst = bp + (<usize>h << 4);
            v128.store(dst, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
            v128.store(dst, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7), 32);
            v128.store(dst, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), 64);
            v128.store(dst, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7), 96);
          }
          bp += 4 * (NR << 2);
        }
        for (; p < kc; p++) {
          const o = <usize>p << 2;
          for (let c = 0; c < NR; c++) store<f32>(bp + (<usize>c << 2), load<f32>(c0 + <usize>c * ldbB + o));
          bp += NR << 2;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          const o = <usize>p << 2;
          for (let c = 0; c < NR; c++) store<f32>(bp + (<usize>c << 2), c < cols ? load<f32>(c0 + <usize>c * ldbB + o) : 0);
          bp += NR << 2;
        }
      }
    }
  }
}

/**
 * A partial tile's store (both micro-kernels): rows×cols of the full MR×NR tile the kernel spilled
 * to `t` (row stride NR), written to C (row stride ldcB bytes) as the full-tile path would: added to
 * what is there when `accumulate`, then + bias[j].
 */
@inline function storeEdge(t: usize, c: usize, ldcB: usize, rows: i32, cols: i32, accumulate: bool, bias: usize): void {
  for (let r = 0; r < rows; r++) {
    const row = c + <usize>r * ldcB;
    const src = t + (<usize>(r * NR) << 2);
    for (let j = 0; j < cols; j++) {
      const o = <usize>j << 2;
      const v = load<f32>(src + o);
      const w = accumulate ? load<f32>(row + o) + v : v;
      store<f32>(row + o, bias ? w + load<f32>(bias + o) : w);
    }
  }
}

/**
 * The micro-kernel: an MR×NR tile of C from kc packed columns of A and rows of B, held in twelve
 * f32x4 accumulators (with the two B vectors and the broadcast A value, 15 of the 16 xmm
 * registers; V8 keeps the last as scratch). Writes `rows`×`cols` of it at c (row stride ldcB
 * bytes), adding to what is there when `accumulate`. The k loop is deliberately not unrolled: V8
 * hoists the loads of an unrolled body ahead of the arithmetic, runs out of registers and spills
 * accumulators to the stack (measured with the former 4×8 tile: 28 vs 37 GFLOP/s). Against that
 * 4×8 tile, 6×8 issues 8 loads per 12 multiply-adds instead of 6 per 8 and keeps 12 independent
 * chains in flight (FMA latency 4 × 2 pipes needs 8): 1024³ went from ~50 to ~57 GFLOP/s.
 */
function microKernel6(kc: i32, ap: usize, bp: usize, c: usize, ldcB: usize, rows: i32, cols: i32, accumulate: bool, edge: usize, bias: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0);
  let c50 = f32x4.splat(0), c51 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp), b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = madd(a, b0, c00); c01 = madd(a, b1, c01);
    a = v128.load32_splat(ap, 4);
    c10 = madd(a, b0, c10); c11 = madd(a, b1, c11);
    a = v128.load32_splat(ap, 8);
    c20 = madd(a, b0, c20); c21 = madd(a, b1, c21);
    a = v128.load32_splat(ap, 12);
    c30 = madd(a, b0, c30); c31 = madd(a, b1, c31);
    a = v128.load32_splat(ap, 16);
    c40 = madd(a, b0, c40); c41 = madd(a, b1, c41);
    a = v128.load32_splat(ap, 20);
    c50 = madd(a, b0, c50); c51 = madd(a, b1, c51);
    ap += MR << 2;
    bp += NR << 2;
  }
  if (rows == MR && cols == NR) {
    const r1 = c + ldcB, r2 = r1 + ldcB, r3 = r2 + ldcB, r4 = r3 + ldcB, r5 = r4 + ldcB;
    if (accumulate) {
      c00 = f32x4.add(c00, v128.load(c)); c01 = f32x4.add(c01, v128.load(c, 16));
      c10 = f32x4.add(c10, v128.load(r1)); c11 = f32x4.add(c11, v128.load(r1, 16));
      c20 = f32x4.add(c20, v128.load(r2)); c21 = f32x4.add(c21, v128.load(r2, 16));
      c30 = f32x4.add(c30, v128.load(r3)); c31 = f32x4.add(c31, v128.load(r3, 16));
      c40 = f32x4.add(c40, v128.load(r4)); c41 = f32x4.add(c41, v128.load(r4, 16));
      c50 = f32x4.add(c50, v128.load(r5)); c51 = f32x4.add(c51, v128.load(r5, 16));
    }
    if (bias) {
      // The epilogue of gemmBias: + bias[j] after the product is complete, as a separate add would.
      const v0 = v128.load(bias), v1 = v128.load(bias, 16);
      c00 = f32x4.add(c00, v0); c01 = f32x4.add(c01, v1);
      c10 = f32x4.add(c10, v0); c11 = f32x4.add(c11, v1);
      c20 = f32x4.add(c20, v0); c21 = f32x4.add(c21, v1);
      c30 = f32x4.add(c30, v0); c31 = f32x4.add(c31, v1);
      c40 = f32x4.add(c40, v0); c41 = f32x4.add(c41, v1);
      c50 = f32x4.add(c50, v0); c51 = f32x4.add(c51, v1);
    }
    v128.store(c, c00); v128.store(c, c01, 16);
    v128.store(r1, c10); v128.store(r1, c11, 16);
    v128.store(r2, c20); v128.store(r2, c21, 16);
    v128.store(r3, c30); v128.store(r3, c31, 16);
    v128.store(r4, c40); v128.store(r4, c41, 16);
    v128.store(r5, c50); v128.store(r5, c51, 16);
    return;
  }
  const t = edge;
  v128.store(t, c00); v128.store(t, c01, 16);
  v128.store(t, c10, 32); v128.store(t, c11, 48);
  v128.store(t, c20, 64); v128.store(t, c21, 80);
  v128.store(t, c30, 96); v128.store(t, c31, 112);
  v128.store(t, c40, 128); v128.store(t, c41, 144);
  v128.store(t, c50, 160); v128.store(t, c51, 176);
  storeEdge(t, c, ldcB, rows, cols, accumulate, bias);
}

/** The plain-SIMD build's 4×8 tile (eight accumulators), otherwise as microKernel6. */
function microKernel4(kc: i32, ap: usize, bp: usize, c: usize, ldcB: usize, rows: i32, cols: i32, accumulate: bool, edge: usize, bias: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp), b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = madd(a, b0, c00); c01 = madd(a, b1, c01);
    a = v128.load32_splat(ap, 4);
    c10 = madd(a, b0, c10); c11 = madd(a, b1, c11);
    a = v128.load32_splat(ap, 8);
    c20 = madd(a, b0, c20); c21 = madd(a, b1, c21);
    a = v128.load32_splat(ap, 12);
    c30 = madd(a, b0, c30); c31 = madd(a, b1, c31);
    ap += MR << 2;
    bp += NR << 2;
  }
  if (rows == MR && cols == NR) {
    const r1 = c + ldcB, r2 = r1 + ldcB, r3 = r2 + ldcB;
    if (accumulate) {
      c00 = f32x4.add(c00, v128.load(c)); c01 = f32x4.add(c01, v128.load(c, 16));
      c10 = f32x4.add(c10, v128.load(r1)); c11 = f32x4.add(c11, v128.load(r1, 16));
      c20 = f32x4.add(c20, v128.load(r2)); c21 = f32x4.add(c21, v128.load(r2, 16));
      c30 = f32x4.add(c30, v128.load(r3)); c31 = f32x4.add(c31, v128.load(r3, 16));
    }
    if (bias) {
      const v0 = v128.load(bias), v1 = v128.load(bias, 16);
      c00 = f32x4.add(c00, v0); c01 = f32x4.add(c01, v1);
      c10 = f32x4.add(c10, v0); c11 = f32x4.add(c11, v1);
      c20 = f32x4.add(c20, v0); c21 = f32x4.add(c21, v1);
      c30 = f32x4.add(c30, v0); c31 = f32x4.add(c31, v1);
    }
    v128.store(c, c00); v128.store(c, c01, 16);
    v128.store(r1, c10); v128.store(r1, c11, 16);
    v128.store(r2, c20); v128.store(r2, c21, 16);
    v128.store(r3, c30); v128.store(r3, c31, 16);
    return;
  }
  const t = edge;
  v128.store(t, c00); v128.store(t, c01, 16);
  v128.store(t, c10, 32); v128.store(t, c11, 48);
  v128.store(t, c20, 64); v128.store(t, c21, 80);
  v128.store(t, c30, 96); v128.store(t, c31, 112);
  storeEdge(t, c, ldcB, rows, cols, accumulate, bias);
}

/** The micro-kernel of this build: MR×NR of C (see microKernel6). */
@inline function microKernel(kc: i32, ap: usize, bp: usize, c: usize, ldcB: usize, rows: i32, cols: i32, accumulate: bool, edge: usize, bias: usize = 0): void {
  if (MR == 6) microKernel6(kc, ap, bp, c, ldcB, rows, cols, accumulate, edge, bias);
  else microKernel4(kc, ap, bp, c, ldcB, rows, cols, accumulate, edge, bias);
}

/**
 * C = op(A)·op(B), or C += op(A)·op(B) when accumulate ≠ 0. op(A) is m×k, op(B) is k×n; lda, ldb,
 * ldc are row strides in elements of the matrices as stored (A stored k×m when transA). `work`
 * must hold gemmWorkspaceBytes(m, n, k) bytes, 16-byte aligned, used by this call alone.
 */
export function gemm(
  transA: i32, transB: i32, m: i32, n: i32, k: i32,
  a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, accumulate: i32, work: usize,
): void {
  if (m <= 0 || n <= 0) return;
  const ldcB = <usize>ldc << 2;
  if (k <= 0) {
    if (!accumulate) for (let i = 0; i < m; i++) memory.fill(c + <usize>i * ldcB, 0, <usize>n << 2);
    return;
  }
  const kcMax = minI(k, KC);
  const edge = work;
  const ap = work + EDGE_TILE_BYTES;
  const bp = ap + ((<usize>(roundUp(minI(m, MC), MR) * kcMax)) << 2);
  const ldaB = <usize>lda << 2, ldbB = <usize>ldb << 2;
  // k in equal blocks of at most KC (784 = 3 × 262 rather than 3 × 256 + 16: a thin last block
  // reloads and stores all of C for a few multiply-adds).
  const kcStep = (k + (k + KC - 1) / KC - 1) / ((k + KC - 1) / KC);
  for (let jc = 0; jc < n; jc += NC) {
    const nc = minI(NC, n - jc);
    for (let pc = 0; pc < k; pc += kcStep) {
      const kc = minI(kcStep, k - pc);
      const bSrc = transB ? b + <usize>jc * ldbB + (<usize>pc << 2) : b + <usize>pc * ldbB + (<usize>jc << 2);
      packB(kc, nc, bSrc, ldb, transB != 0, bp);
      const acc = accumulate != 0 || pc > 0;
      for (let ic = 0; ic < m; ic += MC) {
        const mc = minI(MC, m - ic);
        const aSrc = transA ? a + <usize>pc * ldaB + (<usize>ic << 2) : a + <usize>ic * ldaB + (<usize>pc << 2);
        packA(mc, kc, aSrc, lda, transA != 0, ap);
        for (let jr = 0; jr < nc; jr += NR) {
          const cols = minI(NR, nc - jr);
          const bStrip = bp + (<usize>(jr * kc) << 2);
          const cCol = c + (<usize>(jc + jr) << 2);
          const biasStrip = epilogueBias != 0 && pc + kc >= k ? epilogueBias + (<usize>(jc + jr) << 2) : 0;
          for (let ir = 0; ir < mc; ir += MR) {
            const rows = minI(MR, mc - ir);
            microKernel(kc, ap + (<usize>(ir * kc) << 2), bStrip, cCol + <usize>(ic + ir) * ldcB, ldcB, rows, cols, acc, edge, biasStrip);
          }
        }
      }
    }
  }
}

/** gemmBias's bias while it runs gemm (0 otherwise): added in the last k block's epilogue. */
let epilogueBias: usize = 0;

/**
 * C = op(A)·op(B) + bias (C += … + bias when accumulate): gemm with bias[j] (n floats) added to
 * every row of the finished product in the micro-kernel's store, so the product is not read
 * back for a separate pass. The same bits as gemm followed by C[i, j] += bias[j] in float32.
 */
export function gemmBias(
  transA: i32, transB: i32, m: i32, n: i32, k: i32,
  a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, accumulate: i32, work: usize, bias: usize,
): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    gemm(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, work);
    const ldcB = <usize>ldc << 2;
    for (let i = 0; i < m; i++) {
      const row = c + <usize>i * ldcB;
      for (let j = 0; j < n; j++) {
        const o = <usize>j << 2;
        store<f32>(row + o, load<f32>(row + o) + load<f32>(bias + o));
      }
    }
    return;
  }
  epilogueBias = bias;
  gemm(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, work);
  epilogueBias = 0;
}

// ---- element-wise kernels for training ------------------------------------------------------
// All take element counts, accept out == in (in place), and handle any length (SIMD body, scalar
// tail). Activation codes: 0 identity, 1 relu, 2 sigmoid, 3 tanh, 4 leaky relu (slope alpha).

const ACT_RELU = 1;
const ACT_SIGMOID = 2;
const ACT_TANH = 3;
const ACT_LEAKY = 4;

/**
 * e^x per lane, Cephes-style: range reduction by ln 2, degree-5 polynomial, ≈1 ulp. The power of two
 * is applied as two factors 2^(n/2)·2^(n−n/2), each a normal float, so results overflow to +∞ and
 * underflow through the subnormals exactly where float32 does; NaN stays NaN.
 */
@inline function expV(x: v128): v128 {
  x = f32x4.min(f32x4.max(x, f32x4.splat(-110)), f32x4.splat(89));
  const fx = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.44269504088896341)));
  let r = f32x4.sub(x, f32x4.mul(fx, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(fx, f32x4.splat(-2.12194440e-4)));
  let y = f32x4.splat(1.9875691500e-4);
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(1.3981999507e-3));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(8.3334519073e-3));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(4.1665795894e-2));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(1.6666665459e-1));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(5.0000001201e-1));
  y = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(y, r), r), r), f32x4.splat(1));
  // n ∈ [−159, 128] after the clamp; halves in [−80, 64] keep both factors' exponents normal.
  const n = i32x4.trunc_sat_f32x4_s(fx);
  const n1 = i32x4.shr_s(n, 1);
  const n2 = i32x4.sub(n, n1);
  const bias = i32x4.splat(127);
  return f32x4.mul(f32x4.mul(y, i32x4.shl(i32x4.add(n1, bias), 23)), i32x4.shl(i32x4.add(n2, bias), 23));
}

/**
 * ln x per lane (Cephes logf: mantissa in [√½, √2), degree-8 polynomial), ≈1 ulp; subnormals are
 * scaled up first; ln 0 = −∞, ln ∞ = ∞, ln of a negative number or NaN is NaN.
 */
@inline function logV(x: v128): v128 {
  const zero = f32x4.splat(0);
  const tiny = f32x4.lt(x, f32x4.splat(1.17549435e-38)); // subnormal (or ≤ 0, fixed up at the end)
  const xs = v128.bitselect(f32x4.mul(x, f32x4.splat(8388608)), x, tiny); // ×2^23
  let e = i32x4.sub(i32x4.shr_u(xs, 23), i32x4.splat(126));
  e = i32x4.sub(e, v128.and(tiny, i32x4.splat(23)));
  let m = v128.or(v128.and(xs, i32x4.splat(0x007fffff)), i32x4.splat(0x3f000000)); // [0.5, 1)
  const low = f32x4.lt(m, f32x4.splat(0.707106781186547524));
  e = i32x4.add(e, low); // a true lane is −1
  m = f32x4.add(f32x4.sub(m, f32x4.splat(1)), v128.and(m, low));
  const z = f32x4.mul(m, m);
  let y = f32x4.splat(7.0376836292e-2);
  y = f32x4.add(f32x4.mul(y, m), f32x4.splat(-1.1514610310e-1));
  y = f32x4.add(f32x4.mul(y, m), f32x4.splat(1.1676998740e-1));
  y = f32x4.add(f32x4.mul(y, m), f32x4.splat(-1.2420140846e-1));
  y = f32x4.add(f32x4.mul(y, m), f32x4.splat(1.4249322787e-1));
  y = f32x4.add(f32x4.mul(y, m), f32x4.splat(-1.6668057665e-1));
  y = f32x4.add(f32x4.mul(y, m), f32x4.splat(2.0000714765e-1));
  y = f32x4.add(f32x4.mul(y, m), f32x4.splat(-2.4999993993e-1));
  y = f32x4.add(f32x4.mul(y, m), f32x4.splat(3.3333331174e-1));
  y = f32x4.mul(f32x4.mul(y, m), z);
  const ef = f32x4.convert_i32x4_s(e);
  y = f32x4.add(y, f32x4.mul(ef, f32x4.splat(-2.12194440e-4)));
  y = f32x4.sub(y, f32x4.mul(z, f32x4.splat(0.5)));
  let r = f32x4.add(f32x4.add(m, y), f32x4.mul(ef, f32x4.splat(0.693359375)));
  r = v128.bitselect(f32x4.splat(-Infinity), r, f32x4.eq(x, zero));
  r = v128.bitselect(x, r, f32x4.eq(x, f32x4.splat(Infinity)));
  return v128.bitselect(f32x4.splat(NaN), r, v128.or(f32x4.lt(x, zero), f32x4.ne(x, x)));
}

@inline function sigmoidV(x: v128): v128 {
  return f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), expV(f32x4.neg(x))));
}

/** tanh per lane: odd polynomial near 0 (keeps relative accuracy), 1 − 2/(e^{2|x|}+1) elsewhere. */
@inline function tanhV(x: v128): v128 {
  const ax = f32x4.abs(x);
  const z = f32x4.mul(x, x);
  let p = f32x4.splat(-5.70498872745e-3);
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(2.06390887954e-2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-5.37397155531e-2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(1.33314422036e-1));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-3.33332819422e-1));
  const small = f32x4.add(f32x4.mul(f32x4.mul(p, z), x), x);
  const e = expV(f32x4.add(ax, ax));
  const big = f32x4.sub(f32x4.splat(1), f32x4.div(f32x4.splat(2), f32x4.add(e, f32x4.splat(1))));
  // Copy x's sign onto the large-|x| branch.
  const signed = v128.or(big, v128.and(x, i32x4.splat(0x80000000)));
  return v128.bitselect(small, signed, f32x4.lt(ax, f32x4.splat(0.625)));
}

@inline function activateV(x: v128, act: i32, alpha: v128): v128 {
  // Masks rather than max(): NaN maps to 0 here exactly as in the engine's relu (v > 0 ? v : 0).
  const zero = f32x4.splat(0);
  if (act == ACT_RELU) return v128.and(x, f32x4.gt(x, zero));
  if (act == ACT_LEAKY) return f32x4.add(v128.and(x, f32x4.gt(x, zero)), f32x4.mul(alpha, v128.and(x, f32x4.lt(x, zero))));
  if (act == ACT_SIGMOID) return sigmoidV(x);
  if (act == ACT_TANH) return tanhV(x);
  return x;
}

/** A single lane through the vector code, so tails round exactly like bodies. */
@inline function activateS(x: f32, act: i32, alpha: v128): f32 {
  return f32x4.extract_lane(activateV(f32x4.splat(x), act, alpha), 0);
}

/**
 * out[i, j] = act(x[i, j] + bias[j]) for a rows×cols matrix; bias = 0 means no bias. The usual
 * dense-layer forward after the matmul, in one pass over memory.
 */
export function biasActivation(x: usize, bias: usize, out: usize, rows: i32, cols: i32, act: i32, alpha: f32): void {
  const alphaV = f32x4.splat(alpha);
  const rowB = <usize>cols << 2;
  for (let i = 0; i < rows; i++) {
    const xr = x + <usize>i * rowB, or = out + <usize>i * rowB;
    let j = 0;
    for (; j + 3 < cols; j += 4) {
      const o = <usize>j << 2;
      let v = v128.load(xr + o);
      if (bias) v = f32x4.add(v, v128.load(bias + o));
      v128.store(or + o, activateV(v, act, alphaV));
    }
    for (; j < cols; j++) {
      const o = <usize>j << 2;
      let v = load<f32>(xr + o);
      if (bias) v += load<f32>(bias + o);
      store<f32>(or + o, activateS(v, act, alphaV));
    }
  }
}

@inline function derivV(y: v128, act: i32, alpha: v128): v128 {
  if (act == ACT_RELU) return v128.and(f32x4.gt(y, f32x4.splat(0)), f32x4.splat(1));
  if (act == ACT_LEAKY) return v128.bitselect(f32x4.splat(1), alpha, f32x4.gt(y, f32x4.splat(0)));
  if (act == ACT_SIGMOID) return f32x4.mul(y, f32x4.sub(f32x4.splat(1), y));
  if (act == ACT_TANH) return f32x4.sub(f32x4.splat(1), f32x4.mul(y, y));
  return f32x4.splat(1);
}

/**
 * gx = gy · act′, with act′ written in terms of the activation's output y (relu: y > 0, leaky relu:
 * 1 or alpha, sigmoid: y(1 − y), tanh: 1 − y²), so the forward input need not be kept. n elements;
 * gx may be gy.
 */
export function activationBackward(y: usize, gy: usize, gx: usize, n: i32, act: i32, alpha: f32): void {
  const alphaV = f32x4.splat(alpha);
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const o = <usize>i << 2;
    v128.store(gx + o, f32x4.mul(v128.load(gy + o), derivV(v128.load(y + o), act, alphaV)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(gx + o, load<f32>(gy + o) * f32x4.extract_lane(derivV(f32x4.splat(load<f32>(y + o)), act, alphaV), 0));
  }
}

const UNARY_EXP = 1;
const UNARY_LOG = 2;
const UNARY_TANH = 3;
const UNARY_SIGMOID = 4;
const UNARY_RELU = 5;

@inline function unaryV(x: v128, kind: i32): v128 {
  // relu by a mask, so NaN and −0 map to +0 exactly as the engine's x > 0 ? x : 0
  if (kind == UNARY_RELU) return v128.and(x, f32x4.gt(x, f32x4.splat(0)));
  if (kind == UNARY_EXP) return expV(x);
  if (kind == UNARY_LOG) return logV(x);
  if (kind == UNARY_TANH) return tanhV(x);
  return sigmoidV(x);
}

/** out[i] = f(x[i]) for n elements, f = exp (1), log (2), tanh (3), sigmoid (4) or relu (5); out may be x. */
export function unary(kind: i32, x: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, unaryV(v128.load(x + o), kind));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, f32x4.extract_lane(unaryV(f32x4.splat(load<f32>(x + o)), kind), 0));
  }
}

/** out[i] = x[i] > 0 ? g[i] : 0 (relu's derivative helper, bit for bit) for n elements; out may be g or x. */
export function reluGrad(g: usize, x: usize, out: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, v128.and(v128.load(g + o), f32x4.gt(v128.load(x + o), zero)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, load<f32>(x + o) > 0 ? load<f32>(g + o) : 0);
  }
}

/**
 * out[o] = Σ_j x[o·len + j] for `outer` contiguous runs (a reduction of the last axes): each run
 * summed in order in f64 and rounded once, exactly as the JS reference reduce does, four runs at a
 * time so the four dependency chains of adds overlap (the bias gradients of a conv layer).
 */
export function sumRuns(x: usize, out: usize, outer: i32, len: i32): void {
  const lenB = <usize>len << 2;
  let o = 0;
  // Eight runs at a time in f64x2 pairs (runs o + 2i and o + 2i + 1 in the lanes of accumulator i):
  // each lane still adds its run's elements one by one in order, so the bits are the scalar loop's;
  // four vector chains of adds overlap where four scalar ones did.
  const len4 = len & ~3;
  for (; o + 7 < outer; o += 8) {
    const r0 = x + <usize>o * lenB;
    let s0 = f64x2.splat(0), s1 = f64x2.splat(0), s2 = f64x2.splat(0), s3 = f64x2.splat(0);
    let j = 0;
    for (; j < len4; j += 4) {
      const q = r0 + (<usize>j << 2);
      const a = v128.load(q), b = v128.load(q + lenB), c = v128.load(q + 2 * lenB), d = v128.load(q + 3 * lenB);
      const e = v128.load(q + 4 * lenB), f = v128.load(q + 5 * lenB), g = v128.load(q + 6 * lenB), h = v128.load(q + 7 * lenB);
      // [a0 b0 a1 b1], [a2 b2 a3 b3] and the same for the other pairs
      const ab0 = v128.shuffle<f32>(a, b, 0, 4, 1, 5), ab1 = v128.shuffle<f32>(a, b, 2, 6, 3, 7);
      const cd0 = v128.shuffle<f32>(c, d, 0, 4, 1, 5), cd1 = v128.shuffle<f32>(c, d, 2, 6, 3, 7);
      const ef0 = v128.shuffle<f32>(e, f, 0, 4, 1, 5), ef1 = v128.shuffle<f32>(e, f, 2, 6, 3, 7);
      const gh0 = v128.shuffle<f32>(g, h, 0, 4, 1, 5), gh1 = v128.shuffle<f32>(g, h, 2, 6, 3, 7);
      s0 = f64x2.add(s0, f64x2.promote_low_f32x4(ab0)); s1 = f64x2.add(s1, f64x2.promote_low_f32x4(cd0));
      s2 = f64x2.add(s2, f64x2.promote_low_f32x4(ef0)); s3 = f64x2.add(s3, f64x2.promote_low_f32x4(gh0));
      s0 = f64x2.add(s0, f64x2.promote_low_f32x4(v128.shuffle<f32>(ab0, ab0, 2, 3, 2, 3))); s1 = f64x2.add(s1, f64x2.promote_low_f32x4(v128.shuffle<f32>(cd0, cd0, 2, 3, 2, 3)));
      s2 = f64x2.add(s2, f64x2.promote_low_f32x4(v128.shuffle<f32>(ef0, ef0, 2, 3, 2, 3))); s3 = f64x2.add(s3, f64x2.promote_low_f32x4(v128.shuffle<f32>(gh0, gh0, 2, 3, 2, 3)));
      s0 = f64x2.add(s0, f64x2.promote_low_f32x4(ab1)); s1 = f64x2.add(s1, f64x2.promote_low_f32x4(cd1));
      s2 = f64x2.add(s2, f64x2.promote_low_f32x4(ef1)); s3 = f64x2.add(s3, f64x2.promote_low_f32x4(gh1));
      s0 = f64x2.add(s0, f64x2.promote_low_f32x4(v128.shuffle<f32>(ab1, ab1, 2, 3, 2, 3))); s1 = f64x2.add(s1, f64x2.promote_low_f32x4(v128.shuffle<f32>(cd1, cd1, 2, 3, 2, 3)));
      s2 = f64x2.add(s2, f64x2.promote_low_f32x4(v128.shuffle<f32>(ef1, ef1, 2, 3, 2, 3))); s3 = f64x2.add(s3, f64x2.promote_low_f32x4(v128.shuffle<f32>(gh1, gh1, 2, 3, 2, 3)));
    }
    for (; j < len; j++) {
      const q = r0 + (<usize>j << 2);
      s0 = f64x2.add(s0, f64x2.replace_lane(f64x2.splat(<f64>load<f32>(q)), 1, <f64>load<f32>(q + lenB)));
      s1 = f64x2.add(s1, f64x2.replace_lane(f64x2.splat(<f64>load<f32>(q + 2 * lenB)), 1, <f64>load<f32>(q + 3 * lenB)));
      s2 = f64x2.add(s2, f64x2.replace_lane(f64x2.splat(<f64>load<f32>(q + 4 * lenB)), 1, <f64>load<f32>(q + 5 * lenB)));
      s3 = f64x2.add(s3, f64x2.replace_lane(f64x2.splat(<f64>load<f32>(q + 6 * lenB)), 1, <f64>load<f32>(q + 7 * lenB)));
    }
    const to = out + (<usize>o << 2);
    store<f32>(to, <f32>f64x2.extract_lane(s0, 0)); store<f32>(to, <f32>f64x2.extract_lane(s0, 1), 4);
    store<f32>(to, <f32>f64x2.extract_lane(s1, 0), 8); store<f32>(to, <f32>f64x2.extract_lane(s1, 1), 12);
    store<f32>(to, <f32>f64x2.extract_lane(s2, 0), 16); store<f32>(to, <f32>f64x2.extract_lane(s2, 1), 20);
    store<f32>(to, <f32>f64x2.extract_lane(s3, 0), 24); store<f32>(to, <f32>f64x2.extract_lane(s3, 1), 28);
  }
  for (; o + 3 < outer; o += 4) {
    const r0 = x + <usize>o * lenB, r1 = r0 + lenB, r2 = r1 + lenB, r3 = r2 + lenB;
    let a0: f64 = 0, a1: f64 = 0, a2: f64 = 0, a3: f64 = 0;
    for (let j = 0; j < len; j++) {
      const q = <usize>j << 2;
      a0 += <f64>load<f32>(r0 + q);
      a1 += <f64>load<f32>(r1 + q);
      a2 += <f64>load<f32>(r2 + q);
      a3 += <f64>load<f32>(r3 + q);
    }
    store<f32>(out + (<usize>o << 2), <f32>a0);
    store<f32>(out + (<usize>(o + 1) << 2), <f32>a1);
    store<f32>(out + (<usize>(o + 2) << 2), <f32>a2);
    store<f32>(out + (<usize>(o + 3) << 2), <f32>a3);
  }
  for (; o < outer; o++) {
    const r = x + <usize>o * lenB;
    let a: f64 = 0;
    for (let j = 0; j < len; j++) a += <f64>load<f32>(r + (<usize>j << 2));
    store<f32>(out + (<usize>o << 2), <f32>a);
  }
}

/** out[j] = Σ_i x[i, j] (or out[j] += … when accumulate ≠ 0): the bias gradient of a dense layer. */
export function sumRows(x: usize, out: usize, rows: i32, cols: i32, accumulate: i32): void {
  const rowB = <usize>cols << 2;
  let j = 0;
  for (; j + 7 < cols; j += 8) {
    const o = <usize>j << 2;
    let s0 = accumulate ? v128.load(out + o) : f32x4.splat(0);
    let s1 = accumulate ? v128.load(out + o, 16) : f32x4.splat(0);
    let p = x + o;
    for (let i = 0; i < rows; i++) {
      s0 = f32x4.add(s0, v128.load(p));
      s1 = f32x4.add(s1, v128.load(p, 16));
      p += rowB;
    }
    v128.store(out + o, s0);
    v128.store(out + o, s1, 16);
  }
  for (; j + 3 < cols; j += 4) {
    const o = <usize>j << 2;
    let s = accumulate ? v128.load(out + o) : f32x4.splat(0);
    let p = x + o;
    for (let i = 0; i < rows; i++) {
      s = f32x4.add(s, v128.load(p));
      p += rowB;
    }
    v128.store(out + o, s);
  }
  for (; j < cols; j++) {
    const o = <usize>j << 2;
    let s: f32 = accumulate ? load<f32>(out + o) : 0;
    let p = x + o;
    for (let i = 0; i < rows; i++) {
      s += load<f32>(p);
      p += rowB;
    }
    store<f32>(out + o, s);
  }
}

/**
 * One Adam/AdamW step over n parameters in a single pass, in src/optim/adam.ts's order:
 *   p ← p·shrink;  g ← g + l2·p;  m ← m + (1−β1)·(g − m);  v ← β2·v + (1−β2)·g²;
 *   p ← p − stepSize·m / (√v / bc2Sqrt + eps), computed as p − (stepSize·bc2Sqrt)·m / (√v + eps·bc2Sqrt)
 * with stepSize = lr/(1 − β1ᵗ), bc2Sqrt = √(1 − β2ᵗ), shrink = 1 − lr·wd (AdamW) and l2 = wd
 * (Adam) computed by the caller.
 */
export function adam(
  p: usize, g: usize, m: usize, v: usize, n: i32,
  beta1: f32, beta2: f32, eps: f32, stepSize: f32, bc2Sqrt: f32, l2: f32, shrink: f32,
): void {
  const stepBc2V = f32x4.splat(stepSize * bc2Sqrt), epsBc2V = f32x4.splat(eps * bc2Sqrt);
  const b2 = f32x4.splat(beta2);
  const nb1 = f32x4.splat(<f32>1 - beta1), nb2 = f32x4.splat(<f32>1 - beta2);
  const epsV = f32x4.splat(eps), l2V = f32x4.splat(l2), shrinkV = f32x4.splat(shrink);
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const o = <usize>i << 2;
    const pv = f32x4.mul(v128.load(p + o), shrinkV);
    const gv = f32x4.add(v128.load(g + o), f32x4.mul(l2V, pv));
    const m0 = v128.load(m + o);
    const mv = f32x4.add(m0, f32x4.mul(nb1, f32x4.sub(gv, m0)));
    const vv = f32x4.add(f32x4.mul(b2, v128.load(v + o)), f32x4.mul(f32x4.mul(nb2, gv), gv));
    v128.store(m + o, mv);
    v128.store(v + o, vv);
    // stepSize·m / (√v / bc2Sqrt + eps) as stepSize·bc2Sqrt·m / (√v + eps·bc2Sqrt): one division
    // instead of two, within float32 rounding of it (one division per two vectors measured slower:
    // at 101,770 parameters the loop streams 2.8 MB past L2, so memory bounds it as much as the divider).
    const denom = f32x4.add(f32x4.sqrt(vv), epsBc2V);
    v128.store(p + o, f32x4.sub(pv, f32x4.div(f32x4.mul(stepBc2V, mv), denom)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const pv = load<f32>(p + o) * shrink;
    const gv = load<f32>(g + o) + l2 * pv;
    const m0 = load<f32>(m + o);
    const mv = m0 + (<f32>1 - beta1) * (gv - m0);
    const vv = beta2 * load<f32>(v + o) + (<f32>1 - beta2) * gv * gv;
    store<f32>(m + o, mv);
    store<f32>(v + o, vv);
    store<f32>(p + o, pv - (stepSize * bc2Sqrt * mv) / (Mathf.sqrt(vv) + eps * bc2Sqrt));
  }
}

// ---- convolution: per-sample im2col + gemm, and the pools ------------------------------------
// One call runs a whole batch of one of conv.ts's three prims, so a training step crosses from
// JS into wasm once per prim rather than once per product. Each sample's column matrix
// cols [cg·kh·kw, oh·ow] is built here (it stays in L2) and multiplied in place: W_g · cols is then
// already the NCHW output slice of that sample and group, and the output gradient's slice is
// already a row-major [og, oh·ow] matrix, so nothing is transposed or gathered. src/ops/conv.ts
// holds the JS reference of the same geometry (and test/ops/conv-reference.ts the direct loops).
// The geometry is sixteen i32 at `geo`: n, c, h, w, o, kh, kw, oh, ow, sh, sw, pt, pl, dh, dw, groups.

@inline function geoAt(geo: usize, i: i32): i32 {
  return load<i32>(geo + (<usize>i << 2));
}

/** ⌈a / b⌉ for b > 0 and any sign of a (i32 division truncates towards zero). */
@inline function ceilDiv(a: i32, b: i32): i32 {
  return a >= 0 ? (a + b - 1) / b : -((-a) / b);
}

/** Zeros n floats at p (n may be 0 or negative: nothing). */
@inline function zeroRun(p: usize, n: i32): void {
  let x = 0;
  for (; x + 3 < n; x += 4) v128.store(p + (<usize>x << 2), f32x4.splat(0));
  for (; x < n; x++) store<f32>(p + (<usize>x << 2), 0);
}

/**
 * im2colSample's block for one tap when the stride is 1 and ow = W: block[y·ow + x] =
 * plane[(y + dy)·W + x + dx] for rows with 0 ≤ y + dy < H and columns x0 ≤ x < x1, else 0. The valid
 * rows are one contiguous run of the plane (shifted by dy·W + dx), copied flat in SIMD; the
 * columns outside [x0, x1) that the flat copy wraps into a neighbouring row are zeroed after.
 */
function flatIm2col(plane: usize, block: usize, H: i32, W: i32, oh: i32, ow: i32, dy: i32, dx: i32, x0: i32, x1: i32): void {
  let ya = -dy > 0 ? -dy : 0, yb = minI(oh, H - dy);
  if (ya > oh) ya = oh;
  if (yb < ya || x0 >= x1) { zeroRun(block, oh * ow); return; }
  zeroRun(block, ya * ow);
  zeroRun(block + (<usize>(yb * ow) << 2), (oh - yb) * ow);
  const shift = dy * W + dx;
  // Clipped to the plane; what the clip leaves out lies outside [x0, x1) and is zeroed below.
  let qa = ya * ow, qb = yb * ow;
  if (qa + shift < 0) qa = -shift;
  if (qb + shift > H * W) qb = H * W - shift;
  const src = plane + (<isize>shift << 2);
  let q = qa;
  for (; q + 3 < qb; q += 4) v128.store(block + (<usize>q << 2), v128.load(src + (<usize>q << 2)));
  for (; q < qb; q++) store<f32>(block + (<usize>q << 2), load<f32>(src + (<usize>q << 2)));
  if (x0 > 0 || x1 < ow) {
    for (let y = ya; y < yb; y++) {
      const r = block + (<usize>(y * ow) << 2);
      for (let x = 0; x < x0; x++) store<f32>(r + (<usize>x << 2), 0);
      for (let x = x1; x < ow; x++) store<f32>(r + (<usize>x << 2), 0);
    }
  }
}

/**
 * The adjoint of flatIm2col: plane[(y + dy)·W + x + dx] += block[y·ow + x] over the same valid
 * entries. The block (scratch) has its columns outside [x0, x1) zeroed first, so the flat SIMD add
 * only adds +0 where it wraps into a neighbouring row: the gradient there is a sum started from +0,
 * never −0, so its bits do not change, and every element still receives its terms in tap order.
 */
function flatCol2im(block: usize, plane: usize, H: i32, W: i32, oh: i32, ow: i32, dy: i32, dx: i32, x0: i32, x1: i32): void {
  let ya = -dy > 0 ? -dy : 0, yb = minI(oh, H - dy);
  if (yb <= ya || x0 >= x1) return;
  if (x0 > 0 || x1 < ow) {
    for (let y = ya; y < yb; y++) {
      const r = block + (<usize>(y * ow) << 2);
      for (let x = 0; x < x0; x++) store<f32>(r + (<usize>x << 2), 0);
      for (let x = x1; x < ow; x++) store<f32>(r + (<usize>x << 2), 0);
    }
  }
  const shift = dy * W + dx;
  let qa = ya * ow, qb = yb * ow;
  if (qa + shift < 0) qa = -shift;
  if (qb + shift > H * W) qb = H * W - shift;
  const dst = plane + (<isize>shift << 2);
  let q = qa;
  for (; q + 3 < qb; q += 4) {
    const d = dst + (<usize>q << 2);
    v128.store(d, f32x4.add(v128.load(d), v128.load(block + (<usize>q << 2))));
  }
  for (; q < qb; q++) {
    const d = dst + (<usize>q << 2);
    store<f32>(d, load<f32>(d) + load<f32>(block + (<usize>q << 2)));
  }
}

/** cols[(c·kh + i)·kw + j][y·ow + x] = x_s[c][y·sh − pt + i·dh][x·sw − pl + j·dw], 0 in the padding; xs points at channel 0 of the group. */
function im2colSample(xs: usize, cols: usize, geo: usize): void {
  const H = geoAt(geo, 2), W = geoAt(geo, 3), kh = geoAt(geo, 5), kw = geoAt(geo, 6), oh = geoAt(geo, 7), ow = geoAt(geo, 8);
  const sh = geoAt(geo, 9), sw = geoAt(geo, 10), pt = geoAt(geo, 11), pl = geoAt(geo, 12), dh = geoAt(geo, 13), dw = geoAt(geo, 14);
  const cg = geoAt(geo, 1) / geoAt(geo, 15);
  const owB = <usize>ow << 2;
  // Stride 1 with ow = W ('same' along the width): a tap's block is the plane shifted, read flat.
  const flat = sh == 1 && sw == 1 && ow == W;
  let row = cols;
  for (let c = 0; c < cg; c++) {
    const plane = xs + (<usize>(c * H * W) << 2);
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const dx = j * dw - pl;
        const x0 = minI(ow, ceilDiv(-dx, sw) > 0 ? ceilDiv(-dx, sw) : 0);
        let x1 = minI(ow, ceilDiv(W - dx, sw));
        if (x1 < x0) x1 = x0;
        if (flat) {
          flatIm2col(plane, row, H, W, oh, ow, i * dh - pt, dx, x0, x1);
          row += <usize>oh * owB;
          continue;
        }
        // Rows are short (a feature map's width): plain loops beat memory.copy/fill's per-call cost.
        for (let y = 0; y < oh; y++) {
          const o = row + <usize>y * owB;
          const iy = y * sh - pt + i * dh;
          if (iy < 0 || iy >= H) { zeroRun(o, ow); continue; }
          const src = plane + (<usize>(iy * W + dx) << 2);
          zeroRun(o, x0);
          if (sw == 1) {
            let x = x0;
            for (; x + 3 < x1; x += 4) v128.store(o + (<usize>x << 2), v128.load(src + (<usize>x << 2)));
            for (; x < x1; x++) store<f32>(o + (<usize>x << 2), load<f32>(src + (<usize>x << 2)));
          } else {
            for (let x = x0; x < x1; x++) store<f32>(o + (<usize>x << 2), load<f32>(src + (<usize>(x * sw) << 2)));
          }
          zeroRun(o + (<usize>x1 << 2), ow - x1);
        }
        row += <usize>oh * owB;
      }
    }
  }
}

/** The adjoint of im2colSample: adds each column entry into the input element it was read from. */
function col2imSample(cols: usize, gxs: usize, geo: usize): void {
  const H = geoAt(geo, 2), W = geoAt(geo, 3), kh = geoAt(geo, 5), kw = geoAt(geo, 6), oh = geoAt(geo, 7), ow = geoAt(geo, 8);
  const sh = geoAt(geo, 9), sw = geoAt(geo, 10), pt = geoAt(geo, 11), pl = geoAt(geo, 12), dh = geoAt(geo, 13), dw = geoAt(geo, 14);
  const cg = geoAt(geo, 1) / geoAt(geo, 15);
  const owB = <usize>ow << 2;
  // Stride 1 with ow = W ('same' along the width): a tap's block is the plane shifted, read flat.
  const flat = sh == 1 && sw == 1 && ow == W;
  let row = cols;
  for (let c = 0; c < cg; c++) {
    const plane = gxs + (<usize>(c * H * W) << 2);
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const dx = j * dw - pl;
        const x0 = minI(ow, ceilDiv(-dx, sw) > 0 ? ceilDiv(-dx, sw) : 0);
        let x1 = minI(ow, ceilDiv(W - dx, sw));
        if (x1 < x0) x1 = x0;
        if (flat) {
          flatCol2im(row, plane, H, W, oh, ow, i * dh - pt, dx, x0, x1);
          row += <usize>oh * owB;
          continue;
        }
        for (let y = 0; y < oh; y++) {
          const iy = y * sh - pt + i * dh;
          if (iy < 0 || iy >= H) continue;
          const o = row + <usize>y * owB;
          const dst = plane + (<usize>(iy * W + dx) << 2);
          let x = x0;
          if (sw == 1) {
            for (; x + 3 < x1; x += 4) {
              const d = dst + (<usize>x << 2);
              v128.store(d, f32x4.add(v128.load(d), v128.load(o + (<usize>x << 2))));
            }
          }
          for (; x < x1; x++) {
            const d = dst + (<usize>(x * sw) << 2);
            store<f32>(d, load<f32>(d) + load<f32>(o + (<usize>x << 2)));
          }
        }
        row += <usize>oh * owB;
      }
    }
  }
}

/** Bytes of scratch conv2d(kind, …) needs at `work`: one sample's column matrix and the gemm's workspace. */
export function convWorkspaceBytes(geo: usize): i32 {
  const groups = geoAt(geo, 15);
  const og = geoAt(geo, 4) / groups, k = geoAt(geo, 1) / groups * geoAt(geo, 5) * geoAt(geo, 6), p = geoAt(geo, 7) * geoAt(geo, 8);
  let g = gemmWorkspaceBytes(og, p, k);
  const g2 = gemmWorkspaceBytes(k, p, og), g3 = gemmWorkspaceBytes(og, k, p);
  if (g2 > g) g = g2;
  if (g3 > g) g = g3;
  // packWeightGrad's product packs A = the output gradient with kc = oh·ow in one block
  const g4 = EDGE_TILE_BYTES + roundUp(minI(og, MC), MR) * p * 4;
  if (g4 > g) g = g4;
  // weightGradDirect's og·k accumulators of four lanes
  if (og * k * 16 > g) g = og * k * 16;
  return convColsBytes(geo) + g + convMaskBytes(geo);
}

/** The column matrix's bytes, also big enough for it as one packed gemm panel either way round (NR-wide strips). */
@inline function convColsBytes(geo: usize): i32 {
  const k = geoAt(geo, 1) / geoAt(geo, 15) * geoAt(geo, 5) * geoAt(geo, 6), p = geoAt(geo, 7) * geoAt(geo, 8);
  const a = roundUp(p, NR) * k, b = roundUp(k, NR) * p;
  return roundUp((a > b ? a : b) * 4, 64);
}

/**
 * The weight gradient's gemm panel (B = colsᵀ, as packB with transB lays it out: strips of NR
 * column-matrix rows, oh·ow groups of NR floats, rows past k zero) straight from the input, for
 * packsForward's stride-1, ow = W case without its one-panel limit: four rows' shifted, masked
 * plane loads at a time, transposed in registers. Reads outside the planes as packForward does.
 */
function packWeightGrad(xs: usize, bp: usize, geo: usize, mask: usize): void {
  const H = geoAt(geo, 2), W = geoAt(geo, 3), kh = geoAt(geo, 5), kw = geoAt(geo, 6);
  const pt = geoAt(geo, 11), pl = geoAt(geo, 12), dh = geoAt(geo, 13), dw = geoAt(geo, 14);
  const taps = kh * kw, k = geoAt(geo, 1) / geoAt(geo, 15) * taps, p = geoAt(geo, 7) * geoAt(geo, 8);
  const pp = roundUp(p, NR);
  const zero = f32x4.splat(0);
  for (let r0 = 0; r0 < k; r0 += NR) {
    const strip = bp + (<usize>(r0 * p) << 2);
    for (let h = 0; h < 2; h++) {
      // rows r0 + 4h … + 3: their plane (shifted) and mask, or none past k
      let s0: usize = 0, s1: usize = 0, s2: usize = 0, s3: usize = 0, m0: usize = 0, m1: usize = 0, m2: usize = 0, m3: usize = 0;
      let valid = 0;
      for (let l = 0; l < 4; l++) {
        const r = r0 + 4 * h + l;
        if (r >= k) break;
        const c = r / taps, t = r - c * taps, i = t / kw, j = t - i * kw;
        const src = xs + <usize>(c * H * W) * 4 + (<isize>((i * dh - pt) * W + j * dw - pl) << 2);
        const m = mask + (<usize>(t * pp) << 2);
        if (l == 0) { s0 = src; m0 = m; } else if (l == 1) { s1 = src; m1 = m; } else if (l == 2) { s2 = src; m2 = m; } else { s3 = src; m3 = m; }
        valid = l + 1;
      }
      const dst0 = strip + (<usize>h << 4);
      let q = 0;
      for (; q + 3 < p; q += 4) {
        const o = <usize>q << 2;
        const x0 = valid > 0 ? v128.and(v128.load(s0 + o), v128.load(m0 + o)) : zero;
        const x1 = valid > 1 ? v128.and(v128.load(s1 + o), v128.load(m1 + o)) : zero;
        const x2 = valid > 2 ? v128.and(v128.load(s2 + o), v128.load(m2 + o)) : zero;
        const x3 = valid > 3 ? v128.and(v128.load(s3 + o), v128.load(m3 + o)) : zero;
        const t0 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5);
        const t1 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7);
        const t2 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5);
        const t3 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);
        const dst = dst0 + (<usize>q << 5);
        v128.store(dst, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
        v128.store(dst, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7), 32);
        v128.store(dst, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), 64);
        v128.store(dst, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7), 96);
      }
      for (; q < p; q++) {
        const o = <usize>q << 2, dst = dst0 + (<usize>q << 5);
        store<f32>(dst, valid > 0 && load<i32>(m0 + o) != 0 ? load<f32>(s0 + o) : 0);
        store<f32>(dst, valid > 1 && load<i32>(m1 + o) != 0 ? load<f32>(s1 + o) : 0, 4);
        store<f32>(dst, valid > 2 && load<i32>(m2 + o) != 0 ? load<f32>(s2 + o) : 0, 8);
        store<f32>(dst, valid > 3 && load<i32>(m3 + o) != 0 ? load<f32>(s3 + o) : 0, 12);
      }
    }
  }
}

/** Column-matrix rows (cg·kh·kw) up to which the forward runs forwardDirect and the stride-1 weight gradient weightGradDirect rather than the gemm. */
const DIRECT_K: i32 = 16;

/**
 * The weight gradient of a stride-1, ow = W convolution with few column-matrix rows (k ≤
 * DIRECT_K: a first layer's one input channel), without the gemm, whose n = k would leave most of
 * the micro-kernel's NR-wide strips empty: out[o][r] = Σ_s Σ_q gy_s[o][q] · cols_s[r][q], each
 * sample's column matrix built by im2colSample in `cols`, four output channels × two rows at a time
 * with four positions per lane. The lanes' partial sums live in `acc` (og·k·4 floats) across the
 * samples and are added once at the end. Rows or channels past the ends are computed from the last
 * one again and stored over it (the same bits).
 */
function weightGradDirect(x: usize, gy: usize, out: usize, geo: usize, cols: usize, acc: usize): void {
  const n = geoAt(geo, 0), C = geoAt(geo, 1), H = geoAt(geo, 2), W = geoAt(geo, 3), O = geoAt(geo, 4);
  const groups = geoAt(geo, 15), cg = C / groups, og = O / groups, k = cg * geoAt(geo, 5) * geoAt(geo, 6);
  const p = geoAt(geo, 7) * geoAt(geo, 8), p4 = p & ~3;
  const inB = <usize>(H * W) << 2, pB = <usize>p << 2;
  for (let grp = 0; grp < groups; grp++) {
    memory.fill(acc, 0, <usize>(og * k) << 4);
    for (let s = 0; s < n; s++) {
      im2colSample(x + <usize>(s * C + grp * cg) * inB, cols, geo);
      const gs = gy + <usize>(s * O + grp * og) * pB;
      for (let o0 = 0; o0 < og; o0 += 4) {
        const oa = o0, ob = minI(o0 + 1, og - 1), oc = minI(o0 + 2, og - 1), od = minI(o0 + 3, og - 1);
        const g0 = gs + <usize>oa * pB, g1 = gs + <usize>ob * pB, g2 = gs + <usize>oc * pB, g3 = gs + <usize>od * pB;
        for (let r0 = 0; r0 < k; r0 += 2) {
          const ra = r0, rb = minI(r0 + 1, k - 1);
          const s0 = cols + <usize>ra * pB, s1 = cols + <usize>rb * pB;
          const a0 = acc + (<usize>(oa * k + ra) << 4), a1 = acc + (<usize>(oa * k + rb) << 4);
          const b0 = acc + (<usize>(ob * k + ra) << 4), b1 = acc + (<usize>(ob * k + rb) << 4);
          const c0 = acc + (<usize>(oc * k + ra) << 4), c1 = acc + (<usize>(oc * k + rb) << 4);
          const d0 = acc + (<usize>(od * k + ra) << 4), d1 = acc + (<usize>(od * k + rb) << 4);
          let va0 = v128.load(a0), va1 = v128.load(a1), vb0 = v128.load(b0), vb1 = v128.load(b1);
          let vc0 = v128.load(c0), vc1 = v128.load(c1), vd0 = v128.load(d0), vd1 = v128.load(d1);
          for (let q = 0; q < p4; q += 4) {
            const o = <usize>q << 2;
            const x0 = v128.load(s0 + o), x1 = v128.load(s1 + o);
            const ga = v128.load(g0 + o);
            va0 = madd(ga, x0, va0); va1 = madd(ga, x1, va1);
            const gb = v128.load(g1 + o);
            vb0 = madd(gb, x0, vb0); vb1 = madd(gb, x1, vb1);
            const gc = v128.load(g2 + o);
            vc0 = madd(gc, x0, vc0); vc1 = madd(gc, x1, vc1);
            const gd = v128.load(g3 + o);
            vd0 = madd(gd, x0, vd0); vd1 = madd(gd, x1, vd1);
          }
          // the last 1–3 positions into lane 0 (gy has nothing past p to load)
          const lane = i32x4.replace_lane(i32x4.splat(0), 0, -1);
          for (let q = p4; q < p; q++) {
            const o = <usize>q << 2;
            const x0 = f32x4.splat(load<f32>(s0 + o)), x1 = f32x4.splat(load<f32>(s1 + o));
            const ga = v128.and(f32x4.splat(load<f32>(g0 + o)), lane), gb = v128.and(f32x4.splat(load<f32>(g1 + o)), lane);
            const gc = v128.and(f32x4.splat(load<f32>(g2 + o)), lane), gd = v128.and(f32x4.splat(load<f32>(g3 + o)), lane);
            va0 = f32x4.add(va0, f32x4.mul(ga, x0)); va1 = f32x4.add(va1, f32x4.mul(ga, x1));
            vb0 = f32x4.add(vb0, f32x4.mul(gb, x0)); vb1 = f32x4.add(vb1, f32x4.mul(gb, x1));
            vc0 = f32x4.add(vc0, f32x4.mul(gc, x0)); vc1 = f32x4.add(vc1, f32x4.mul(gc, x1));
            vd0 = f32x4.add(vd0, f32x4.mul(gd, x0)); vd1 = f32x4.add(vd1, f32x4.mul(gd, x1));
          }
          v128.store(a0, va0); v128.store(a1, va1); v128.store(b0, vb0); v128.store(b1, vb1);
          v128.store(c0, vc0); v128.store(c1, vc1); v128.store(d0, vd0); v128.store(d1, vd1);
        }
      }
    }
    const dst = out + (<usize>(grp * og * k) << 2);
    for (let i = 0; i < og * k; i++) {
      const v = v128.load(acc + (<usize>i << 4));
      store<f32>(dst + (<usize>i << 2), (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3)));
    }
  }
}

/**
 * The forward of a convolution with few column-matrix rows (k ≤ DIRECT_K; any geometry: the
 * column matrix comes from im2colSample) for one sample and group: dst[o][q] = Σ_r w[o][r] ·
 * cols[r][q] + bias[o], four output channels × eight positions at a time, the k products of each
 * summed in order from 0 and the bias added after, as the gemm path computes them (same bits), but
 * without its per-tile calls, packing and edge handling, which cost as much as a k of 9 products.
 */
function forwardDirect(cols: usize, w: usize, bias: usize, dst: usize, og: i32, k: i32, p: i32): void {
  const pB = <usize>p << 2, kB = <usize>k << 2;
  const p8 = p & ~7;
  for (let o0 = 0; o0 < og; o0 += 4) {
    const rows = minI(4, og - o0);
    // channels past og: the last one again (computed, not stored)
    const wa = w + <usize>o0 * kB, wb = w + <usize>minI(o0 + 1, og - 1) * kB, wc = w + <usize>minI(o0 + 2, og - 1) * kB, wd = w + <usize>minI(o0 + 3, og - 1) * kB;
    const ba = bias ? load<f32>(bias + (<usize>o0 << 2)) : 0;
    const bb = bias ? load<f32>(bias + (<usize>minI(o0 + 1, og - 1) << 2)) : 0;
    const bc = bias ? load<f32>(bias + (<usize>minI(o0 + 2, og - 1) << 2)) : 0;
    const bd = bias ? load<f32>(bias + (<usize>minI(o0 + 3, og - 1) << 2)) : 0;
    const da = dst + <usize>o0 * pB, db = da + pB, dc = db + pB, dd = dc + pB;
    let q = 0;
    for (; q < p8; q += 8) {
      const c = cols + (<usize>q << 2);
      let a0 = f32x4.splat(0), a1 = a0, b0 = a0, b1 = a0, c0 = a0, c1 = a0, d0 = a0, d1 = a0;
      for (let r = 0; r < k; r++) {
        const x = c + <usize>r * pB, rb = <usize>r << 2;
        const x0 = v128.load(x), x1 = v128.load(x, 16);
        const va = v128.load32_splat(wa + rb);
        a0 = madd(va, x0, a0); a1 = madd(va, x1, a1);
        const vb = v128.load32_splat(wb + rb);
        b0 = madd(vb, x0, b0); b1 = madd(vb, x1, b1);
        const vc = v128.load32_splat(wc + rb);
        c0 = madd(vc, x0, c0); c1 = madd(vc, x1, c1);
        const vd = v128.load32_splat(wd + rb);
        d0 = madd(vd, x0, d0); d1 = madd(vd, x1, d1);
      }
      const o = <usize>q << 2;
      if (bias) {
        a0 = f32x4.add(a0, f32x4.splat(ba)); a1 = f32x4.add(a1, f32x4.splat(ba));
        b0 = f32x4.add(b0, f32x4.splat(bb)); b1 = f32x4.add(b1, f32x4.splat(bb));
        c0 = f32x4.add(c0, f32x4.splat(bc)); c1 = f32x4.add(c1, f32x4.splat(bc));
        d0 = f32x4.add(d0, f32x4.splat(bd)); d1 = f32x4.add(d1, f32x4.splat(bd));
      }
      v128.store(da + o, a0); v128.store(da + o, a1, 16);
      if (rows > 1) { v128.store(db + o, b0); v128.store(db + o, b1, 16); }
      if (rows > 2) { v128.store(dc + o, c0); v128.store(dc + o, c1, 16); }
      if (rows > 3) { v128.store(dd + o, d0); v128.store(dd + o, d1, 16); }
    }
    // the last 1–7 positions one at a time, in the same order
    for (; q < p; q++) {
      const c = cols + (<usize>q << 2);
      let sa: f32 = 0, sb: f32 = 0, sc: f32 = 0, sd: f32 = 0;
      for (let r = 0; r < k; r++) {
        const x = f32x4.splat(load<f32>(c + <usize>r * pB)), rb = <usize>r << 2;
        sa = f32x4.extract_lane(madd(v128.load32_splat(wa + rb), x, f32x4.splat(sa)), 0);
        sb = f32x4.extract_lane(madd(v128.load32_splat(wb + rb), x, f32x4.splat(sb)), 0);
        sc = f32x4.extract_lane(madd(v128.load32_splat(wc + rb), x, f32x4.splat(sc)), 0);
        sd = f32x4.extract_lane(madd(v128.load32_splat(wd + rb), x, f32x4.splat(sd)), 0);
      }
      const o = <usize>q << 2;
      store<f32>(da + o, bias ? sa + ba : sa);
      if (rows > 1) store<f32>(db + o, bias ? sb + bb : sb);
      if (rows > 2) store<f32>(dc + o, bias ? sc + bc : sc);
      if (rows > 3) store<f32>(dd + o, bias ? sd + bd : sd);
    }
  }
}

/** The tap masks of packForward: kh·kw rows of ⌈oh·ow⌉₈ lanes. */
@inline function convMaskBytes(geo: usize): i32 {
  return roundUp(geoAt(geo, 5) * geoAt(geo, 6) * roundUp(geoAt(geo, 7) * geoAt(geo, 8), NR) * 4, 64);
}

/**
 * Whether the forward can pack its gemm panel straight from the input (packForward): stride 1,
 * ow = W (so a tap's column row is the plane shifted: flatIm2col's case), and one panel (k ≤ KC,
 * oh·ow ≤ NC).
 */
@inline function packsForward(geo: usize): bool {
  const k = geoAt(geo, 1) / geoAt(geo, 15) * geoAt(geo, 5) * geoAt(geo, 6);
  return geoAt(geo, 9) == 1 && geoAt(geo, 10) == 1 && geoAt(geo, 8) == geoAt(geo, 3) && k <= KC && geoAt(geo, 7) * geoAt(geo, 8) <= NC;
}

/**
 * mask[t][q] (i32, t = i·kw + j, q < ⌈oh·ow⌉₈) = −1 where output position q reads inside the input
 * for tap (i, j), else 0 (padding, and the lanes past oh·ow). Depends on the geometry only.
 */
function tapMasks(geo: usize, mask: usize): void {
  const H = geoAt(geo, 2), W = geoAt(geo, 3), kh = geoAt(geo, 5), kw = geoAt(geo, 6), oh = geoAt(geo, 7), ow = geoAt(geo, 8);
  const pt = geoAt(geo, 11), pl = geoAt(geo, 12), dh = geoAt(geo, 13), dw = geoAt(geo, 14);
  const p = oh * ow, pp = roundUp(p, NR);
  let m = mask;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      // row by row (no division per lane: this runs on every call)
      let q = 0;
      for (let y = 0; y < oh; y++) {
        const iy = y - pt + i * dh;
        const rowIn = iy >= 0 && iy < H;
        for (let x = 0; x < ow; x++, q++) {
          const ix = x - pl + j * dw;
          store<i32>(m + (<usize>q << 2), rowIn && ix >= 0 && ix < W ? -1 : 0);
        }
      }
      for (; q < pp; q++) store<i32>(m + (<usize>q << 2), 0);
      m += <usize>pp << 2;
    }
  }
}

/**
 * The forward's gemm panel packed straight from the input, as packB would lay out the column
 * matrix (strips of NR output positions, k rows of NR floats each, zero past oh·ow): with stride 1
 * and ow = W, the NR entries of row (c, i, j) are NR consecutive floats of channel c's plane,
 * shifted by (i·dh − pt)·W + j·dw − pl, ANDed with the tap's mask. Same bits as im2col + packB
 * (padding +0). The unmasked loads reach up to W·pt + pl + NR floats outside xs's planes: the JS
 * side keeps other buffers on both sides of the input (conv2dArrays), so they stay in memory.
 */
function packForward(xs: usize, bp: usize, geo: usize, mask: usize): void {
  const H = geoAt(geo, 2), W = geoAt(geo, 3), kh = geoAt(geo, 5), kw = geoAt(geo, 6);
  const pt = geoAt(geo, 11), pl = geoAt(geo, 12), dh = geoAt(geo, 13), dw = geoAt(geo, 14);
  const cg = geoAt(geo, 1) / geoAt(geo, 15);
  const pp = roundUp(geoAt(geo, 7) * geoAt(geo, 8), NR);
  const planeB = <usize>(H * W) << 2, maskRowB = <usize>pp << 2;
  let dst = bp;
  for (let q0 = 0; q0 < pp; q0 += NR) {
    let plane = xs;
    for (let c = 0; c < cg; c++) {
      let mrow = mask + (<usize>q0 << 2);
      for (let i = 0; i < kh; i++) {
        const rowShift = (i * dh - pt) * W - pl + q0;
        for (let j = 0; j < kw; j++) {
          const src = plane + (<isize>(rowShift + j * dw) << 2);
          v128.store(dst, v128.and(v128.load(src), v128.load(mrow)));
          v128.store(dst, v128.and(v128.load(src, 16), v128.load(mrow, 16)), 16);
          dst += NR << 2;
          mrow += maskRowB;
        }
      }
      plane += planeB;
    }
  }
}

/** gemm(0, 0, m, n, k, a, lda, ·, ·, c, ldc, accumulate, work) on a B already packed as one panel (n ≤ NC; work holds EDGE_TILE_BYTES + ⌈min(m, MC)⌉_MR·k floats). */
function gemmPackedB(m: i32, n: i32, k: i32, a: usize, lda: i32, bp: usize, c: usize, ldc: i32, accumulate: bool, work: usize): void {
  const ldcB = <usize>ldc << 2, ldaB = <usize>lda << 2;
  const edge = work, ap = work + EDGE_TILE_BYTES;
  for (let ic = 0; ic < m; ic += MC) {
    const mc = minI(MC, m - ic);
    packA(mc, k, a + <usize>ic * ldaB, lda, false, ap);
    for (let jr = 0; jr < n; jr += NR) {
      const cols = minI(NR, n - jr);
      const bStrip = bp + (<usize>(jr * k) << 2);
      const cCol = c + (<usize>jr << 2);
      for (let ir = 0; ir < mc; ir += MR) {
        microKernel(k, ap + (<usize>(ir * k) << 2), bStrip, cCol + <usize>(ic + ir) * ldcB, ldcB, minI(MR, mc - ir), cols, accumulate, edge);
      }
    }
  }
}

/**
 * One of conv.ts's three prims over the whole batch, float32 NCHW:
 *   kind 0 (forward):    out [n, o, oh, ow] = conv2d(a = x, b = w) + bias (bias 0: none);
 *   kind 1 (input grad): out [n, c, h, w]   = Σ col2im(W_gᵀ · G_g), a = gy, b = w;
 *   kind 2 (weight grad): out [o, c/groups, kh, kw] = Σ_s G_g · cols_gᵀ, a = x, b = gy.
 * `work` holds convWorkspaceBytes(geo) bytes, 16-byte aligned.
 */
export function conv2d(kind: i32, geo: usize, a: usize, b: usize, bias: usize, out: usize, work: usize): void {
  const n = geoAt(geo, 0), C = geoAt(geo, 1), H = geoAt(geo, 2), W = geoAt(geo, 3), O = geoAt(geo, 4);
  const kh = geoAt(geo, 5), kw = geoAt(geo, 6), p = geoAt(geo, 7) * geoAt(geo, 8), groups = geoAt(geo, 15);
  const cg = C / groups, og = O / groups, k = cg * kh * kw;
  const cols = work, gw = work + <usize>convColsBytes(geo);
  const inB = <usize>(H * W) << 2, pB = <usize>p << 2;
  const packed = kind == 0 && packsForward(geo) && k > 0;
  const packedW = kind == 2 && geoAt(geo, 9) == 1 && geoAt(geo, 10) == 1 && geoAt(geo, 8) == W && k > 0 && k <= NC && p > 0;
  const mask = work + <usize>(convWorkspaceBytes(geo) - convMaskBytes(geo));
  if (packedW && k <= DIRECT_K && n > 0) {
    weightGradDirect(a, b, out, geo, cols, gw);
    return;
  }
  if (packed || packedW) tapMasks(geo, mask);
  if (kind == 1) memory.fill(out, 0, <usize>(n * C) * inB);
  if (kind == 2 && n == 0) memory.fill(out, 0, <usize>(O * k) << 2);
  for (let s = 0; s < n; s++) {
    for (let grp = 0; grp < groups; grp++) {
      const wg = kind == 2 ? 0 : b + (<usize>(grp * og * k) << 2);
      if (kind == 0) {
        const dst = out + <usize>(s * O + grp * og) * pB;
        if (k <= DIRECT_K) {
          im2colSample(a + <usize>(s * C + grp * cg) * inB, cols, geo);
          forwardDirect(cols, wg, bias ? bias + (<usize>(grp * og) << 2) : 0, dst, og, k, p);
          continue;
        }
        if (packed) {
          packForward(a + <usize>(s * C + grp * cg) * inB, cols, geo, mask);
          gemmPackedB(og, p, k, wg, k, cols, dst, p, false, gw);
        } else {
          im2colSample(a + <usize>(s * C + grp * cg) * inB, cols, geo);
          gemm(0, 0, og, p, k, wg, k, cols, p, dst, p, 0, gw);
        }
        if (bias) {
          for (let o = 0; o < og; o++) {
            const bv = f32x4.splat(load<f32>(bias + (<usize>(grp * og + o) << 2)));
            const r = dst + <usize>o * pB;
            let q = 0;
            for (; q + 3 < p; q += 4) v128.store(r + (<usize>q << 2), f32x4.add(v128.load(r + (<usize>q << 2)), bv));
            for (; q < p; q++) store<f32>(r + (<usize>q << 2), load<f32>(r + (<usize>q << 2)) + f32x4.extract_lane(bv, 0));
          }
        }
      } else if (kind == 1) {
        gemm(1, 0, k, p, og, wg, k, a + <usize>(s * O + grp * og) * pB, p, cols, p, 0, gw);
        col2imSample(cols, out + <usize>(s * C + grp * cg) * inB, geo);
      } else {
        if (packedW) {
          packWeightGrad(a + <usize>(s * C + grp * cg) * inB, cols, geo, mask);
          gemmPackedB(og, k, p, b + <usize>(s * O + grp * og) * pB, p, cols, out + (<usize>(grp * og * k) << 2), k, s > 0, gw);
          continue;
        }
        im2colSample(a + <usize>(s * C + grp * cg) * inB, cols, geo);
        gemm(0, 1, og, k, p, b + <usize>(s * O + grp * og) * pB, p, cols, p, out + (<usize>(grp * og * k) << 2), k, s > 0 ? 1 : 0, gw);
      }
    }
  }
}

/**
 * The flat index (i·w + j) in its plane of the first maximum of the window [y0, y1) × [x0, x1),
 * NaN taken as the maximum: pool.ts's argmaxes rule. Bitwise, not short-circuit: the selects
 * compile to conditional moves, so random data mispredicts no branch.
 */
@inline function windowArgmax(base: usize, w: i32, y0: i32, y1: i32, x0: i32, x1: i32): i32 {
  let best = y0 * w + x0;
  let m: f32 = -Infinity;
  let nan: i32 = 0;
  for (let i = y0; i < y1; i++) {
    for (let j = x0; j < x1; j++) {
      const q = i * w + j;
      const val = load<f32>(base + (<usize>q << 2));
      const isNan = <i32>(val != val);
      const take = (<i32>(val > m) | isNan) & (nan ^ 1);
      m = select<f32>(val, m, take != 0);
      best = select<i32>(q, best, take != 0);
      nan |= isNan;
    }
  }
  return best;
}

/** Staging for the windows of a row with fewer than four (pool4 reads and writes whole vectors). */
const POOL_STAGE: usize = memory.data(256, 16);

/**
 * Four 2×2 stride-2 windows at once: x rows at xr0/xr1 (8 floats each), by windowArgmax's rule in
 * window order top-left, top-right, bottom-left, bottom-right. kind 0: four values of v (rows
 * vr0/vr1) at the argmaxes to fwd; kind 1: the gradients at g land at the argmaxes of the rows
 * outR0/outR1 (8 floats each, every other one 0). Windows do not overlap, so nothing accumulates.
 */
@inline function pool4(kind: i32, xr0: usize, xr1: usize, vr0: usize, vr1: usize, g: usize, fwd: usize, outR0: usize, outR1: usize): void {
  const l0 = v128.load(xr0), h0 = v128.load(xr0, 16), l1 = v128.load(xr1), h1 = v128.load(xr1, 16);
  let m = v128.shuffle<f32>(l0, h0, 0, 2, 4, 6);
  let idx = i32x4.splat(0);
  const tr = v128.shuffle<f32>(l0, h0, 1, 3, 5, 7), bl = v128.shuffle<f32>(l1, h1, 0, 2, 4, 6), br = v128.shuffle<f32>(l1, h1, 1, 3, 5, 7);
  // take v where it beats m or is NaN, unless m is NaN already (the first NaN wins)
  let take = v128.and(v128.or(f32x4.gt(tr, m), f32x4.ne(tr, tr)), f32x4.eq(m, m));
  idx = v128.bitselect(i32x4.splat(1), idx, take); m = v128.bitselect(tr, m, take);
  take = v128.and(v128.or(f32x4.gt(bl, m), f32x4.ne(bl, bl)), f32x4.eq(m, m));
  idx = v128.bitselect(i32x4.splat(2), idx, take); m = v128.bitselect(bl, m, take);
  take = v128.and(v128.or(f32x4.gt(br, m), f32x4.ne(br, br)), f32x4.eq(m, m));
  idx = v128.bitselect(i32x4.splat(3), idx, take);
  const is0 = i32x4.eq(idx, i32x4.splat(0)), is1 = i32x4.eq(idx, i32x4.splat(1)), is2 = i32x4.eq(idx, i32x4.splat(2)), is3 = i32x4.eq(idx, i32x4.splat(3));
  if (kind == 0) {
    const vl0 = v128.load(vr0), vh0 = v128.load(vr0, 16), vl1 = v128.load(vr1), vh1 = v128.load(vr1, 16);
    let r = v128.and(v128.shuffle<f32>(vl0, vh0, 0, 2, 4, 6), is0);
    r = v128.or(r, v128.and(v128.shuffle<f32>(vl0, vh0, 1, 3, 5, 7), is1));
    r = v128.or(r, v128.and(v128.shuffle<f32>(vl1, vh1, 0, 2, 4, 6), is2));
    r = v128.or(r, v128.and(v128.shuffle<f32>(vl1, vh1, 1, 3, 5, 7), is3));
    v128.store(fwd, r);
  } else {
    // + 0 as the reference's 0 + g does: a −0 gradient lands as +0
    const zero = f32x4.splat(0);
    const gv = v128.load(g);
    const ga = f32x4.add(v128.and(gv, is0), zero), gb = f32x4.add(v128.and(gv, is1), zero);
    const gc = f32x4.add(v128.and(gv, is2), zero), gd = f32x4.add(v128.and(gv, is3), zero);
    v128.store(outR0, v128.shuffle<f32>(ga, gb, 0, 4, 1, 5));
    v128.store(outR0, v128.shuffle<f32>(ga, gb, 2, 6, 3, 7), 16);
    v128.store(outR1, v128.shuffle<f32>(gc, gd, 0, 4, 1, 5));
    v128.store(outR1, v128.shuffle<f32>(gc, gd, 2, 6, 3, 7), 16);
  }
}

/**
 * pool4's forward when the values read are x itself (maxPool2d(x, x), what the op's public form
 * runs): the maximum chosen by the same rule is the value read, so no argmax is kept and v is not
 * loaded again. Same bits as pool4(0, …) with v = x (the first NaN, and the first of ±0, win).
 */
@inline function poolMax4(xr0: usize, xr1: usize, fwd: usize): void {
  const l0 = v128.load(xr0), h0 = v128.load(xr0, 16), l1 = v128.load(xr1), h1 = v128.load(xr1, 16);
  let m = v128.shuffle<f32>(l0, h0, 0, 2, 4, 6);
  const tr = v128.shuffle<f32>(l0, h0, 1, 3, 5, 7), bl = v128.shuffle<f32>(l1, h1, 0, 2, 4, 6), br = v128.shuffle<f32>(l1, h1, 1, 3, 5, 7);
  m = v128.bitselect(tr, m, v128.and(v128.or(f32x4.gt(tr, m), f32x4.ne(tr, tr)), f32x4.eq(m, m)));
  m = v128.bitselect(bl, m, v128.and(v128.or(f32x4.gt(bl, m), f32x4.ne(bl, bl)), f32x4.eq(m, m)));
  m = v128.bitselect(br, m, v128.and(v128.or(f32x4.gt(br, m), f32x4.ne(br, br)), f32x4.eq(m, m)));
  v128.store(fwd, m);
}

/**
 * Max pooling over planes [planes, h, w] (windows kh×kw, stride sh×sw, padding ph×pw clipped away),
 * each window reduced to its windowArgmax. kind 0: out[i] = v[argmax] (v = x for maxPool2d itself);
 * kind 1: out (x-shaped) = 0, then out[argmax] += v[i] (v = the output gradient). The common
 * 2×2, stride-2, unpadded pool runs four windows per step in SIMD with the same rule. kind 2: kind 0
 * with v = x (the caller passes the same pointer), whose SIMD path keeps no argmax (poolMax4).
 */
export function maxPool2d(kind: i32, planes: i32, h: i32, w: i32, oh: i32, ow: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, x: usize, v: usize, out: usize): void {
  const planeB = <usize>(h * w) << 2;
  const self = kind == 2;
  if (self) kind = 0;
  const fast = kh == 2 && kw == 2 && sh == 2 && sw == 2 && ph == 0 && pw == 0;
  // The fast path's gradient stores write both rows of every window whole: when the windows tile
  // the plane exactly (even h and w), every element is written and nothing needs zeroing first.
  if (kind == 1 && !(fast && oh * 2 == h && ow * 2 == w)) memory.fill(out, 0, <usize>planes * planeB);
  let o: usize = 0;
  for (let pl = 0; pl < planes; pl++) {
    const off = <usize>pl * planeB;
    const base = x + off;
    for (let y = 0; y < oh; y++) {
      let y0 = y * sh - ph, y1 = y0 + kh;
      if (y0 < 0) y0 = 0;
      if (y1 > h) y1 = h;
      let xo = 0;
      if (fast) {
        const r0 = <usize>(y0 * w) << 2, r1 = r0 + (<usize>w << 2);
        const vb = v + off, ob = out + off;
        if (self) {
          for (; xo + 3 < ow; xo += 4, o += 4) {
            const c = <usize>(xo * 2) << 2;
            poolMax4(base + r0 + c, base + r1 + c, out + (o << 2));
          }
        }
        for (; xo + 3 < ow; xo += 4, o += 4) {
          const c = <usize>(xo * 2) << 2;
          pool4(kind, base + r0 + c, base + r1 + c, vb + r0 + c, vb + r1 + c, v + (o << 2), out + (o << 2), ob + r0 + c, ob + r1 + c);
        }
        const cnt = ow - xo;
        if (cnt > 0 && ow >= 4) {
          // The last 1–3 windows: the four windows ending at the row's end, overlapping windows
          // already done. Each window's result depends on that window alone and kind 1 stores
          // (windows do not overlap in x), so redoing one writes the same bits again.
          const back = 4 - cnt, xb = ow - 4;
          const c = <usize>(xb * 2) << 2, ob2 = o - <usize>back;
          if (self) poolMax4(base + r0 + c, base + r1 + c, out + (ob2 << 2));
          else pool4(kind, base + r0 + c, base + r1 + c, vb + r0 + c, vb + r1 + c, v + (ob2 << 2), out + (ob2 << 2), ob + r0 + c, ob + r1 + c);
          xo = ow;
          o += <usize>cnt;
        } else if (cnt > 0) {
          // The last 1–3 windows of the row through the same code, staged in POOL_STAGE.
          const c = <usize>(xo * 2) << 2, st = POOL_STAGE;
          for (let l = 0; l < 2 * cnt; l++) {
            const q = c + (<usize>l << 2), sq = <usize>l << 2;
            store<f32>(st + sq, load<f32>(base + r0 + q));
            store<f32>(st + 32 + sq, load<f32>(base + r1 + q));
            if (kind == 0) {
              store<f32>(st + 64 + sq, load<f32>(vb + r0 + q));
              store<f32>(st + 96 + sq, load<f32>(vb + r1 + q));
            }
          }
          for (let l = 0; l < cnt; l++) store<f32>(st + 128 + (<usize>l << 2), load<f32>(v + ((o + <usize>l) << 2)));
          pool4(kind, st, st + 32, st + 64, st + 96, st + 128, st + 160, st + 192, st + 224);
          if (kind == 0) {
            for (let l = 0; l < cnt; l++) store<f32>(out + ((o + <usize>l) << 2), load<f32>(st + 160 + (<usize>l << 2)));
          } else {
            for (let l = 0; l < 2 * cnt; l++) {
              const q = c + (<usize>l << 2), sq = <usize>l << 2;
              store<f32>(ob + r0 + q, load<f32>(st + 192 + sq));
              store<f32>(ob + r1 + q, load<f32>(st + 224 + sq));
            }
          }
          xo = ow;
          o += <usize>cnt;
        }
      }
      for (; xo < ow; xo++, o++) {
        let x0 = xo * sw - pw, x1 = x0 + kw;
        if (x0 < 0) x0 = 0;
        if (x1 > w) x1 = w;
        const at = off + (<usize>windowArgmax(base, w, y0, y1, x0, x1) << 2);
        if (kind == 0) store<f32>(out + (o << 2), load<f32>(v + at));
        else store<f32>(out + at, load<f32>(out + at) + load<f32>(v + (o << 2)));
      }
    }
  }
}
