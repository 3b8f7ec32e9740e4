/**
 * How big a network is, computed from its spec before anything is allocated: the parameter count,
 * an estimate of the memory training it takes, and the limits backprop refuses above (issue 14).
 * Browser-safe: the memory limit defaults to a constant here, and Node entry points (the CLI,
 * 'backprop/node') scale it to the machine's memory with setMemoryLimit.
 */
import { ValueError } from '../tensor/errors.js';
import type { NetworkSpec } from '../spec/index.js';
import { inputShape, resolveLayers, sampleSize } from '../nn/layer-types.js';

/** More layers than this is refused by validateSpec (a size rule, not the call stack, says no). */
export const MAX_LAYERS = 1000;

/**
 * The most parameters a model file holds: the file is one JSON string, and JavaScript strings stop
 * at 2^29 − 24 characters in V8; a float32 weight takes up to about 30 characters as written
 * (17 digits, sign, exponent, indentation), so 16 million parameters always fit.
 */
export const MAX_SAVED_PARAMETERS = 16_000_000;

/** The default memory limit where the machine's memory is unknown (a browser): 4 GiB. */
export const DEFAULT_MEMORY_LIMIT = 4 * 2 ** 30;

let memoryLimit = DEFAULT_MEMORY_LIMIT;
let raisedBy = 'setMemoryLimit';

/**
 * Sets the training-memory estimate above which `new Network` refuses a spec (bytes). The CLI sets
 * half the machine's memory, or --max-memory.
 * @example setMemoryLimit(8 * 2 ** 30)
 */
export function setMemoryLimit(bytes: number, how = 'setMemoryLimit'): void {
  if (typeof bytes !== 'number' || !(bytes > 0) || !Number.isFinite(bytes)) throw new ValueError(`setMemoryLimit: bytes must be a positive number, got ${String(bytes)}`);
  memoryLimit = bytes;
  raisedBy = how;
}

/** The current limit in bytes (see setMemoryLimit). */
export function getMemoryLimit(): number {
  return memoryLimit;
}

/**
 * Weights and biases of a spec, from its layers' shapes (a Dense layer: (inputs + 1) × units); the
 * spec's fields and shapes are checked on the way. Buffers (running statistics) are not parameters.
 * @example parameterCount({ inputs: 4, layers: [{ units: 8 }, { units: 3 }] }) // 67
 */
export function parameterCount(spec: Pick<NetworkSpec, 'inputs' | 'layers'>): number {
  let count = 0;
  for (const l of resolveLayers(spec)) for (const t of l.tensors) if (!t.buffer) count += sampleSize(t.shape);
  return count;
}

/**
 * Bytes that training a spec needs, roughly: parameters four times (the weights, their gradients
 * and two optimizer moments, as Adam keeps), and per row of a batch three values per unit and input
 * (activation, pre-activation, gradient) — a unit being one value of a layer's output; plus the rows themselves when `rows` × `inputs` is given.
 * @example trainingMemory({ inputs: 784, layers: [{ units: 128 }, { units: 10 }] }, { batchSize: 32 }) // ≈ 1.9 MB
 */
export function trainingMemory(spec: Pick<NetworkSpec, 'inputs' | 'layers' | 'dtype'>, options: { batchSize?: number; rows?: number } = {}): number {
  const bytes = spec.dtype === 'float64' ? 8 : 4;
  const batch = options.batchSize ?? 32;
  const layers = resolveLayers(spec);
  const inputs = sampleSize(inputShape(spec));
  let units = inputs, count = 0;
  for (const l of layers) {
    units += sampleSize(l.output);
    for (const t of l.tensors) count += sampleSize(t.shape);
  }
  const data = (options.rows ?? 0) * inputs * bytes;
  return count * bytes * 4 + batch * units * bytes * 3 + data;
}

/**
 * A byte count for messages: "1.9 MB", "7.5 GB".
 * @example formatBytes(7.5e9) // '7.5 GB'
 */
export function formatBytes(n: number): string {
  if (n < 1e3) return `${Math.round(n)} B`;
  const units = ['kB', 'MB', 'GB', 'TB', 'PB'];
  let v = n / 1e3, u = 0;
  while (v >= 1e3 && u < units.length - 1) { v /= 1e3; u++; }
  return `${Number(v.toPrecision(v >= 100 ? 3 : 2))} ${units[u]}`;
}

/**
 * Refuses a spec whose training-memory estimate is above `limit` (default: the current limit),
 * with the count and the estimate in the message.
 * @example checkNetworkSize({ inputs: 10, layers: [{ units: 1e9 }] }, 'network') // throws
 */
export function checkNetworkSize(spec: Pick<NetworkSpec, 'inputs' | 'layers' | 'dtype'>, where = 'network', options: { batchSize?: number; rows?: number; limit?: number; flag?: string } = {}): void {
  const limit = options.limit ?? memoryLimit;
  const need = trainingMemory(spec, options);
  if (need > limit) {
    const count = parameterCount(spec);
    throw new ValueError(
      `${where}: ${count.toLocaleString('en-US')} parameters; training would need about ${formatBytes(need)}, above the limit of ${formatBytes(limit)}` +
        ` (${options.flag ?? raisedBy} raises it); use fewer or smaller layers`,
    );
  }
}
