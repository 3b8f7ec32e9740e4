/**
 * The plain-TypeScript backend: the reference implementation. Loops are ordered so the innermost
 * one walks memory contiguously, and register-blocked (two output rows × four inner steps, or 2×4
 * dot products) so each load feeds several multiply-adds: about twice the speed of the plain loops
 * (bench/engine.ts). Every product is computed, zeros included, so NaN and ∞ propagate as in IEEE.
 */
import type { TypedArray } from '../dtype.js';
import { registerBackend, type Backend, type ReduceKind } from './backend.js';

/**
 * out += rows i0, i0+1 of op(A) · B, where op(A)[i][p] = a[i·ia + p·pa]: shared by A·B (ia = k,
 * pa = 1) and Aᵀ·B (ia = 1, pa = m). B is k×n row-major. Handles the last odd row with r1 = -1.
 */
function rowsTimesB(a: TypedArray, b: TypedArray, out: TypedArray, k: number, n: number, i0: number, i1: number, ia: number, pa: number): void {
  const c0 = i0 * n, c1 = i1 * n;
  const a0 = i0 * ia, a1 = i1 * ia;
  let p = 0;
  if (i1 >= 0) {
    for (; p + 3 < k; p += 4) {
      const q = p * pa;
      const x0 = a[a0 + q], x1 = a[a0 + q + pa], x2 = a[a0 + q + 2 * pa], x3 = a[a0 + q + 3 * pa];
      const z0 = a[a1 + q], z1 = a[a1 + q + pa], z2 = a[a1 + q + 2 * pa], z3 = a[a1 + q + 3 * pa];
      const b0 = p * n, b1 = b0 + n, b2 = b1 + n, b3 = b2 + n;
      for (let j = 0; j < n; j++) {
        const y0 = b[b0 + j], y1 = b[b1 + j], y2 = b[b2 + j], y3 = b[b3 + j];
        out[c0 + j] += x0 * y0 + x1 * y1 + x2 * y2 + x3 * y3;
        out[c1 + j] += z0 * y0 + z1 * y1 + z2 * y2 + z3 * y3;
      }
    }
    for (; p < k; p++) {
      const x = a[a0 + p * pa], z = a[a1 + p * pa];
      const bp = p * n;
      for (let j = 0; j < n; j++) {
        const y = b[bp + j];
        out[c0 + j] += x * y;
        out[c1 + j] += z * y;
      }
    }
    return;
  }
  for (; p + 3 < k; p += 4) {
    const q = p * pa;
    const x0 = a[a0 + q], x1 = a[a0 + q + pa], x2 = a[a0 + q + 2 * pa], x3 = a[a0 + q + 3 * pa];
    const b0 = p * n, b1 = b0 + n, b2 = b1 + n, b3 = b2 + n;
    for (let j = 0; j < n; j++) out[c0 + j] += x0 * b[b0 + j] + x1 * b[b1 + j] + x2 * b[b2 + j] + x3 * b[b3 + j];
  }
  for (; p < k; p++) {
    const x = a[a0 + p * pa];
    const bp = p * n;
    for (let j = 0; j < n; j++) out[c0 + j] += x * b[bp + j];
  }
}

/** C = op(A)·B with B k×n row-major; A is m×k (transA false) or stored k×m (transA true). */
function matmulXN(a: TypedArray, b: TypedArray, out: TypedArray, m: number, k: number, n: number, transA: boolean): void {
  out.fill(0);
  const ia = transA ? 1 : k, pa = transA ? m : 1;
  let i = 0;
  for (; i + 1 < m; i += 2) rowsTimesB(a, b, out, k, n, i, i + 1, ia, pa);
  if (i < m) rowsTimesB(a, b, out, k, n, i, -1, ia, pa);
}

function matmulNT(a: TypedArray, b: TypedArray, out: TypedArray, m: number, k: number, n: number): void {
  // B stored n×k: C[i][j] = row i of A · row j of B, both contiguous. Two rows of A against four of
  // B per pass: six loads for eight multiply-adds.
  let i = 0;
  for (; i + 1 < m; i += 2) {
    const a0 = i * k, a1 = a0 + k;
    const c0 = i * n, c1 = c0 + n;
    let j = 0;
    for (; j + 3 < n; j += 4) {
      const b0 = j * k, b1 = b0 + k, b2 = b1 + k, b3 = b2 + k;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      for (let p = 0; p < k; p++) {
        const x0 = a[a0 + p], x1 = a[a1 + p];
        const y0 = b[b0 + p], y1 = b[b1 + p], y2 = b[b2 + p], y3 = b[b3 + p];
        s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
        s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
      }
      out[c0 + j] = s00; out[c0 + j + 1] = s01; out[c0 + j + 2] = s02; out[c0 + j + 3] = s03;
      out[c1 + j] = s10; out[c1 + j + 1] = s11; out[c1 + j + 2] = s12; out[c1 + j + 3] = s13;
    }
    for (; j < n; j++) {
      const bj = j * k;
      let s0 = 0, s1 = 0;
      for (let p = 0; p < k; p++) {
        const y = b[bj + p];
        s0 += a[a0 + p] * y;
        s1 += a[a1 + p] * y;
      }
      out[c0 + j] = s0;
      out[c1 + j] = s1;
    }
  }
  for (; i < m; i++) {
    const ai = i * k;
    for (let j = 0; j < n; j++) {
      const bj = j * k;
      let s = 0;
      for (let p = 0; p < k; p++) s += a[ai + p] * b[bj + p];
      out[i * n + j] = s;
    }
  }
}

function matmulTT(a: TypedArray, b: TypedArray, out: TypedArray, m: number, k: number, n: number): void {
  // Rare (nothing in backward needs it): Aᵀ·Bᵀ = (B·A)ᵀ, computed directly with strided reads.
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[p * m + i] * b[j * k + p];
      out[i * n + j] = s;
    }
  }
}

function reduce(kind: ReduceKind, x: TypedArray, out: TypedArray, outer: number, len: number, inner: number): void {
  if (inner === 1) {
    // Reducing contiguous runs (the last axis): one accumulator per run.
    for (let o = 0; o < outer; o++) {
      const base = o * len;
      let acc = kind === 'sum' ? 0 : -Infinity;
      if (kind === 'sum') for (let j = 0; j < len; j++) acc += x[base + j];
      else for (let j = 0; j < len; j++) { const v = x[base + j]; if (v > acc || v !== v) acc = v; }
      out[o] = acc;
    }
    return;
  }
  // Reducing a leading or middle axis: add whole rows of `inner` elements, which walks memory in order.
  out.fill(kind === 'sum' ? 0 : -Infinity, 0, outer * inner);
  for (let o = 0; o < outer; o++) {
    const ob = o * inner;
    for (let j = 0; j < len; j++) {
      const xb = (o * len + j) * inner;
      if (kind === 'sum') for (let i = 0; i < inner; i++) out[ob + i] += x[xb + i];
      else for (let i = 0; i < inner; i++) { const v = x[xb + i]; if (v > out[ob + i] || v !== v) out[ob + i] = v; }
    }
  }
}

export const jsBackend: Required<Pick<Backend, 'name' | 'matmul' | 'reduce'>> = {
  name: 'js',
  matmul(a, b, out, m, k, n, transA, transB) {
    if (!transB) matmulXN(a, b, out, m, k, n, transA);
    else if (!transA) matmulNT(a, b, out, m, k, n);
    else matmulTT(a, b, out, m, k, n);
  },
  reduce,
};

registerBackend(jsBackend);
