/**
 * Plain-TypeScript reference versions of the optional fused kernels (Backend.biasActivation,
 * activationBackward, sumRows, adamUpdate): what the WebAssembly ones are tested against, what it
 * delegates float64 arrays to, and a drop-in fallback for callers when a backend lacks them. Each
 * computes exactly what the engine's ops compute for the same step (same formulas, same order).
 */
import type { TypedArray } from '../dtype.js';
import type { AdamStep, KernelActivation } from './backend.js';

function activate(v: number, activation: KernelActivation, alpha: number): number {
  switch (activation) {
    case 'relu': return v > 0 ? v : 0;
    // The engine's relu(x) − alpha·relu(−x): NaN and ±0 give 0 there too.
    case 'leakyRelu': return v > 0 ? v : v < 0 ? alpha * v : 0;
    case 'sigmoid': {
      if (v >= 0) return 1 / (1 + Math.exp(-v));
      const e = Math.exp(v);
      return e / (1 + e);
    }
    case 'tanh': return Math.tanh(v);
    default: return v;
  }
}

function derivative(y: number, activation: KernelActivation, alpha: number): number {
  switch (activation) {
    case 'relu': return y > 0 ? 1 : 0;
    case 'leakyRelu': return y > 0 ? 1 : alpha;
    case 'sigmoid': return y * (1 - y);
    case 'tanh': return 1 - y * y;
    default: return 1;
  }
}

/**
 * out[i, j] = act(x[i, j] + bias[j]) over a rows×cols matrix; out may be x.
 * @example referenceBiasActivation(z, b, z, batch, units, 'relu')
 */
export function referenceBiasActivation(
  x: TypedArray, bias: TypedArray | null, out: TypedArray, rows: number, cols: number, activation: KernelActivation, alpha = 0.01,
): void {
  for (let i = 0; i < rows; i++) {
    const r = i * cols;
    for (let j = 0; j < cols; j++) out[r + j] = activate(bias ? x[r + j] + bias[j] : x[r + j], activation, alpha);
  }
}

/**
 * gx = gy · act′(y) elementwise, from the activation's output y; gx may be gy.
 * @example referenceActivationBackward(y, gy, gy, 'sigmoid')
 */
export function referenceActivationBackward(y: TypedArray, gy: TypedArray, gx: TypedArray, activation: KernelActivation, alpha = 0.01): void {
  for (let i = 0; i < gy.length; i++) gx[i] = gy[i] * derivative(y[i], activation, alpha);
}

/**
 * out[j] = Σ_i x[i, j] (or += when accumulate): the bias gradient of a dense layer.
 * @example referenceSumRows(g, gb, batch, units, false)
 */
export function referenceSumRows(x: TypedArray, out: TypedArray, rows: number, cols: number, accumulate: boolean): void {
  if (!accumulate) out.fill(0, 0, cols);
  for (let i = 0; i < rows; i++) {
    const r = i * cols;
    for (let j = 0; j < cols; j++) out[j] += x[r + j];
  }
}

