/**
 * Specialised code for tiny networks (XOR-sized): one generated function that runs a batch's whole
 * forward pass, loss and backward pass row by row with every weight, activation and gradient in a
 * local variable, so a 2-4-1 step costs tens of nanoseconds, not a dozen loop set-ups. The
 * arithmetic is written in the same order as the per-layer loops in compiled-kernels.ts. Where the runtime
 * forbids generating code (a strict Content-Security-Policy), `fusedKernel` returns null and the
 * per-layer loops run instead.
 */
import type { TypedArray } from '../tensor/dtype.js';
import { BCE, BCE_LOGITS, CE, LEAKY, MAE, MSE, RELU, SIGMOID, SOFTMAX, SSE, STEP, TANH } from './compiled-kernels.js';

/** Layers at most this wide, and networks with at most this many weights, get generated code. */
export const FUSED_MAX_UNITS = 32;
export const FUSED_MAX_WEIGHTS = 512;

export interface FusedLayer {
  readonly k: number;
  readonly n: number;
  readonly act: number;
  readonly alpha: number;
  readonly w: TypedArray;
  readonly b: TypedArray | null;
  readonly gw: TypedArray;
  readonly gb: TypedArray | null;
}

/**
 * The generated code, one function per network shape (shared by every network of that shape, so it
 * stays optimised): runs rows order[start, end) of (xs, ys) through the layers whose weights,
 * biases and gradient buffers are `arrays` (w, b, gw, gb per layer), writes the outputs to `out`
 * [rows, outputs] and the gradients into gw/gb, and returns the batch's loss. `eps` is bce's clamp.
 */
export type FusedKernel = (arrays: TypedArray[], eps: number, xs: TypedArray, ys: TypedArray, order: ArrayLike<number>, start: number, end: number, out: TypedArray) => number;
const cache = new Map<string, FusedKernel | null>();

/** Whether the layers are small enough for generated code. */
export function fusable(layers: readonly { k: number; n: number }[]): boolean {
  let weights = 0;
  for (const l of layers) {
    if (l.n > FUSED_MAX_UNITS || l.k > FUSED_MAX_UNITS) return false;
    weights += l.k * l.n;
  }
  return weights <= FUSED_MAX_WEIGHTS;
}

/**
 * The generated kernel for these layers and loss with its `arrays` argument, or null (too big, or
 * code generation refused). `classIndices`: ys holds one class index per row (crossEntropy).
 */
export function fusedKernel(layers: readonly FusedLayer[], lossCode: number, classIndices: boolean): { kernel: FusedKernel; arrays: TypedArray[] } | null {
  if (!fusable(layers)) return null;
  const src = source(layers, lossCode, classIndices);
  let kernel = cache.get(src);
  if (kernel === undefined) {
    try {
      kernel = new Function('arrays', 'eps', 'xs', 'ys', 'order', 'start', 'end', 'out', src) as FusedKernel;
    } catch {
      kernel = null; // e.g. Content-Security-Policy without 'unsafe-eval'
    }
    cache.set(src, kernel);
  }
  if (kernel === null) return null;
  const arrays: TypedArray[] = [];
  for (const l of layers) arrays.push(l.w, l.b ?? l.w, l.gw, l.gb ?? l.gw);
  return { kernel, arrays };
}

function source(layers: readonly FusedLayer[], lossCode: number, classIndices: boolean): string {
  const L = layers.length;
  const nIn = layers[0].k, nOut = layers[L - 1].n;
  const o: string[] = [];
  const emit = (s: string): void => { o.push(s); };
  // Closure constants: the arrays, unpacked once per trainer.
  layers.forEach((l, i) => emit(`const W${i} = arrays[${4 * i}], B${i} = arrays[${4 * i + 1}], GW${i} = arrays[${4 * i + 2}], GB${i} = arrays[${4 * i + 3}];`));
  emit('const lo = eps, hi = 1 - eps;');
  emit('const rows = end - start;');
  emit(lossCode === CE ? 'const c = 1 / rows;' : lossCode === SSE ? 'const c = 1;' : `const c = 1 / (rows * ${nOut});`);
  // Parameters into locals, gradient accumulators at zero.
  layers.forEach((l, i) => {
    for (let j = 0; j < l.n; j++) {
      emit(range(l.k).map((p) => `const w${i}_${j}_${p} = W${i}[${j * l.k + p}];`).join(' '));
      if (l.b) emit(`const b${i}_${j} = B${i}[${j}];`);
      emit(range(l.k).map((p) => `let gw${i}_${j}_${p} = 0;`).join(' ') + (l.b ? ` let gb${i}_${j} = 0;` : ''));
    }
  });
  emit('let s = 0;');
  emit('for (let r = start; r < end; r++) {');
  emit('const src = order[r];');
  emit(`const xo = src * ${nIn};`);
  for (let p = 0; p < nIn; p++) emit(`const x_${p} = xs[xo + ${p}];`);
  const inName = (i: number, p: number): string => (i === 0 ? `x_${p}` : `a${i - 1}_${p}`);
  // Forward.
  layers.forEach((l, i) => {
    for (let j = 0; j < l.n; j++) {
      const sum = range(l.k).map((p) => `${inName(i, p)} * w${i}_${j}_${p}`).join(' + ');
      emit(`const z${i}_${j} = ${sum}${l.b ? ` + b${i}_${j}` : ''};`);
    }
    emitActivation(emit, l, i);
  });
  const ob = `(r - start) * ${nOut}`;
  for (let j = 0; j < nOut; j++) emit(`out[${ob} + ${j}] = a${L - 1}_${j};`);
  // Loss and ∂loss/∂output (named g_j), in compiled.ts's lossAndGradient order.
  emitLoss(emit, lossCode, classIndices, nOut, L - 1);
  // Backward: d{i}_j = ∂L/∂z, gradients accumulated row by row.
  for (let i = L - 1; i >= 0; i--) {
    const l = layers[i];
    emitActivationBackward(emit, l, i, i === L - 1 ? (j) => `g_${j}` : (j) => `ga${i}_${j}`);
    for (let j = 0; j < l.n; j++) {
      if (l.b) emit(`gb${i}_${j} += d${i}_${j};`);
      for (let p = 0; p < l.k; p++) emit(`gw${i}_${j}_${p} += d${i}_${j} * ${inName(i, p)};`);
    }
    if (i > 0) {
      for (let p = 0; p < l.k; p++) emit(`const ga${i - 1}_${p} = ${range(l.n).map((j) => `d${i}_${j} * w${i}_${j}_${p}`).join(' + ')};`);
    }
  }
  emit('}');
  layers.forEach((l, i) => {
    for (let j = 0; j < l.n; j++) {
      for (let p = 0; p < l.k; p++) emit(`GW${i}[${j * l.k + p}] = gw${i}_${j}_${p};`);
      if (l.b) emit(`GB${i}[${j}] = gb${i}_${j};`);
    }
  });
  emit(lossCode === BCE || lossCode === CE ? 'return -(s * c);' : lossCode === SSE ? 'return s;' : 'return s * c;');
  return o.join('\n');
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function emitActivation(emit: (s: string) => void, l: FusedLayer, i: number): void {
  const n = l.n;
  for (let j = 0; j < n; j++) {
    const z = `z${i}_${j}`, a = `a${i}_${j}`;
    switch (l.act) {
      // One exp: e^−|z| is e^−z for z ≥ 0 and e^z below, the two branches of the sigmoid op.
      case SIGMOID: emit(`const e${a} = Math.exp(-Math.abs(${z})); const ${a} = ${z} >= 0 ? 1 / (1 + e${a}) : e${a} / (1 + e${a});`); break;
      case TANH: emit(`const ${a} = Math.tanh(${z});`); break;
      case RELU: emit(`const ${a} = ${z} > 0 ? ${z} : 0;`); break;
      case LEAKY: emit(`const ${a} = ${z} > 0 ? ${z} : ${z} < 0 ? -${z} * ${num(-l.alpha)} : 0;`); break;
      case STEP: emit(`const ${a} = ${z} > 0 ? 1 : 0;`); break;
      case SOFTMAX: break;
      default: emit(`const ${a} = ${z};`);
    }
  }
  if (l.act === SOFTMAX) {
    emit(`let m${i} = -Infinity;`);
    for (let j = 0; j < n; j++) emit(`m${i} = Math.max(m${i}, z${i}_${j});`);
    emit(`const lse${i} = m${i} + Math.log(${range(n).map((j) => `Math.exp(z${i}_${j} - m${i})`).join(' + ')});`);
    for (let j = 0; j < n; j++) emit(`const a${i}_${j} = Math.exp(z${i}_${j} - lse${i});`);
  }
}

function emitActivationBackward(emit: (s: string) => void, l: FusedLayer, i: number, g: (j: number) => string): void {
  const n = l.n;
  if (l.act === SOFTMAX) {
    for (let j = 0; j < n; j++) emit(`const gy${i}_${j} = ${g(j)} * a${i}_${j};`);
    emit(`const sg${i} = ${range(n).map((j) => `gy${i}_${j}`).join(' + ')};`);
    for (let j = 0; j < n; j++) emit(`const d${i}_${j} = gy${i}_${j} + -(a${i}_${j} * sg${i});`);
    return;
  }
  for (let j = 0; j < n; j++) {
    const d = `d${i}_${j}`, a = `a${i}_${j}`, z = `z${i}_${j}`, gj = g(j);
    switch (l.act) {
      case SIGMOID: emit(`const ${d} = ${gj} * (${a} * (1 - ${a}));`); break;
      case TANH: emit(`const ${d} = ${gj} * (1 - ${a} * ${a});`); break;
      case RELU: emit(`const ${d} = ${gj} * (${z} > 0 ? 1 : 0);`); break;
      case LEAKY: emit(`const ${d} = ${z} > 0 ? ${gj} : ${z} < 0 ? ${gj} * ${num(l.alpha)} : 0;`); break;
      case STEP: emit(`const ${d} = 0;`); break;
      default: emit(`const ${d} = ${gj};`);
    }
  }
}

function emitLoss(emit: (s: string) => void, lossCode: number, classIndices: boolean, n: number, li: number): void {
  const a = (j: number): string => `a${li}_${j}`;
  if (lossCode === CE) {
    emit(`let cm = -Infinity;`);
    for (let j = 0; j < n; j++) emit(`cm = Math.max(cm, ${a(j)});`);
    emit(`let csum = 0;`);
    for (let j = 0; j < n; j++) emit(`csum += Math.exp(${a(j)} - cm);`);
    emit(`const clse = cm + Math.log(csum);`);
    if (classIndices) {
      emit('const cls = ys[src];');
      emit(`s += (${range(n).map((j) => `cls === ${j} ? ${a(j)}`).join(' : ')} : NaN) - clse;`);
      for (let j = 0; j < n; j++) emit(`const g_${j} = (cls === ${j} ? -c : 0) + -(Math.exp(${a(j)} - clse) * -c);`);
    } else {
      emit(`const yo = src * ${n};`);
      emit('let sg = 0;');
      for (let j = 0; j < n; j++) emit(`const t_${j} = ys[yo + ${j}]; s += t_${j} * (${a(j)} - clse); sg += -c * t_${j};`);
      for (let j = 0; j < n; j++) emit(`const g_${j} = -c * t_${j} + -(Math.exp(${a(j)} - clse) * sg);`);
    }
    return;
  }
  emit(`const yo = src * ${n};`);
  for (let j = 0; j < n; j++) {
    const v = a(j), t = `t_${j}`;
    emit(`const ${t} = ys[yo + ${j}];`);
    switch (lossCode) {
      case MSE: case SSE:
        emit(`const e_${j} = ${v} - ${t}; s += e_${j} * e_${j}; const ce_${j} = c * e_${j}; const g_${j} = ce_${j} + ce_${j};`);
        break;
      case MAE:
        emit(`const e_${j} = ${v} - ${t}; s += Math.abs(e_${j}); const g_${j} = c * Math.sign(e_${j});`);
        break;
      case BCE:
        emit(`const p_${j} = ${v} < lo ? lo : ${v} > hi ? hi : ${v};`);
        emit(`s += ${t} * Math.log(p_${j}) + (1 - ${t}) * Math.log(1 - p_${j});`);
        emit(`const g_${j} = ((-c * ${t}) / p_${j} + -((-c * (1 - ${t})) / (1 - p_${j}))) * (${v} >= lo && ${v} <= hi ? 1 : 0);`);
        break;
      default: // BCE_LOGITS
        emit(`const e_${j} = Math.exp(-Math.abs(${v}));`);
        emit(`s += ((${v} > 0 ? ${v} : 0) + -(${v} * ${t})) + Math.log(e_${j} + 1);`);
        emit(`const g_${j} = c * ((${v} >= 0 ? 1 / (1 + e_${j}) : e_${j} / (1 + e_${j})) - ${t});`);
    }
  }
}

/** A number as JS source that reads back to the same double. */
function num(v: number): string {
  return Object.is(v, -0) ? '-0' : `(${String(v)})`;
}
