/**
 * The plain-TypeScript backend: the reference implementation. Loops are ordered so the innermost
 * one walks memory contiguously (i-k-j for A·B), which is most of what a JS matmul can do.
 */
import type { TypedArray } from '../dtype.js';
import { registerBackend, type Backend } from './backend.js';

function matmulNN(a: TypedArray, b: TypedArray, out: TypedArray, m: number, k: number, n: number): void {
  out.fill(0);
  for (let i = 0; i < m; i++) {
    const ci = i * n;
    const ai = i * k;
    let p = 0;
    // Four rows of B per pass: a quarter of the loads and stores of C.
    for (; p + 3 < k; p += 4) {
      const a0 = a[ai + p], a1 = a[ai + p + 1], a2 = a[ai + p + 2], a3 = a[ai + p + 3];
      const b0 = p * n, b1 = b0 + n, b2 = b1 + n, b3 = b2 + n;
      for (let j = 0; j < n; j++) {
        out[ci + j] += a0 * b[b0 + j] + a1 * b[b1 + j] + a2 * b[b2 + j] + a3 * b[b3 + j];
      }
    }
    for (; p < k; p++) {
      const av = a[ai + p];
      if (av === 0) continue;
      const bp = p * n;
      for (let j = 0; j < n; j++) out[ci + j] += av * b[bp + j];
    }
  }
}

function matmulTN(a: TypedArray, b: TypedArray, out: TypedArray, m: number, k: number, n: number): void {
  // A stored k×m: C[i][j] = Σp A[p][i]·B[p][j]; walk p outermost so both B and C rows are contiguous.
  out.fill(0);
  for (let p = 0; p < k; p++) {
    const ap = p * m;
    const bp = p * n;
    for (let i = 0; i < m; i++) {
      const av = a[ap + i];
      if (av === 0) continue;
      const ci = i * n;
      for (let j = 0; j < n; j++) out[ci + j] += av * b[bp + j];
    }
  }
}

function matmulNT(a: TypedArray, b: TypedArray, out: TypedArray, m: number, k: number, n: number): void {
  // B stored n×k: C[i][j] = row i of A · row j of B, both contiguous.
  for (let i = 0; i < m; i++) {
    const ai = i * k;
    for (let j = 0; j < n; j++) {
      const bj = j * k;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let p = 0;
      for (; p + 3 < k; p += 4) {
        s0 += a[ai + p] * b[bj + p];
        s1 += a[ai + p + 1] * b[bj + p + 1];
        s2 += a[ai + p + 2] * b[bj + p + 2];
        s3 += a[ai + p + 3] * b[bj + p + 3];
      }
      for (; p < k; p++) s0 += a[ai + p] * b[bj + p];
      out[i * n + j] = s0 + s1 + s2 + s3;
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

export const jsBackend: Backend = {
  name: 'js',
  matmul(a, b, out, m, k, n, transA, transB) {
    if (!transA && !transB) matmulNN(a, b, out, m, k, n);
    else if (transA && !transB) matmulTN(a, b, out, m, k, n);
    else if (!transA && transB) matmulNT(a, b, out, m, k, n);
    else matmulTT(a, b, out, m, k, n);
  },
};

registerBackend(jsBackend);
