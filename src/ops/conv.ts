/**
 * Convolution as three prims of one trilinear form B(x, w, g) = ⟨g, conv2d(x, w)⟩ on NCHW tensors
 * with PyTorch's weight layout [outChannels, inChannels/groups, kh, kw]:
 *   conv2d(x, w)            = ∂B/∂g  (the forward; an optional bias is added in its copy-out),
 *   conv2dInputGrad(g, w)   = ∂B/∂x  (the "transposed" convolution),
 *   conv2dWeightGrad(x, g)  = ∂B/∂w.
 * Each one's chain rule is the other two, so every backward (second derivatives included) is written
 * with these prims and the geometry (stride, padding, dilation, groups) lives in one place. Each runs
 * on the backend's conv2d kernel where it has one (wasm, float32: per-sample im2col/col2im and the
 * packed gemm in one call), else as the im2col + backend().matmul below, which is the reference
 * kernel; test/ops/conv-reference.ts holds the direct loops both are checked against.
 * conv1d is conv2d over a height of 1.
 */
import { allocate, promote, type TypedArray } from '../tensor/dtype.js';
import { ShapeError, ValueError, fmtShape } from '../tensor/errors.js';
import { backend } from '../tensor/kernels/backend.js';
import { Tensor } from '../tensor/tensor.js';
import { checkTensor } from './kernels.js';
import { apply, type Prim } from './prim.js';
import { SUM } from './reduce.js';
import { reshape } from './shape.js';

/** A convolution's geometry, per spatial axis (height, width). */
export interface ConvAttrs {
  readonly stride: readonly [number, number];
  /** [top, bottom, left, right]: 'same' with an even kernel pads one more after, as PyTorch does. */
  readonly padding: readonly [number, number, number, number];
  readonly dilation: readonly [number, number];
  readonly groups: number;
}

/** A number for every spatial axis, or one per axis. */
export type Pair = number | readonly [number, number];

export interface Conv2dOptions {
  /** Step between windows (default 1). */
  stride?: Pair;
  /** Zeros added on each side: a number, [height, width], 'valid' (0, the default) or 'same' (output size = input size; stride 1 only). */
  padding?: Pair | 'same' | 'valid';
  /** Spacing between kernel taps (default 1). */
  dilation?: Pair;
  /** Channel groups: input and output channels split into this many independent convolutions (default 1; = channels is depthwise). */
  groups?: number;
  /** Added per output channel, shape [outChannels] (or pass it as the third argument, as torch.nn.functional.conv2d takes it). */
  bias?: Tensor | null;
}

export interface Conv1dOptions {
  stride?: number;
  padding?: number | 'same' | 'valid';
  dilation?: number;
  groups?: number;
  bias?: Tensor | null;
}

/** Everything a kernel needs, derived once from the shapes and attrs. */
interface Geom {
  readonly n: number; readonly c: number; readonly h: number; readonly w: number;
  readonly o: number; readonly kh: number; readonly kw: number;
  readonly oh: number; readonly ow: number;
  readonly sh: number; readonly sw: number; readonly pt: number; readonly pl: number; readonly dh: number; readonly dw: number;
  readonly groups: number;
  /** Input and output channels per group. */
  readonly cg: number; readonly og: number;
  /** Rows of a group's column matrix (cg·kh·kw) and output positions per sample (oh·ow). */
  readonly k: number; readonly p: number;
}

/** The output size along one axis, or < 1 when the (dilated) kernel does not fit the padded input. */
function outSize(size: number, before: number, after: number, kernel: number, stride: number, dilation: number): number {
  return Math.floor((size + before + after - dilation * (kernel - 1) - 1) / stride) + 1;
}

/**
 * Checks a convolution of input `x` by weight `w` (user shapes: 3-D for conv1d, 4-D for conv2d)
 * and returns the output's spatial sizes. `op` names the op in errors.
 */
function checkShapes(op: string, x: readonly number[], w: readonly number[], a: ConvAttrs): [number, number] {
  const is1d = op === 'conv1d';
  const rank = is1d ? 3 : 4;
  const layout = is1d ? '[batch, channels, length]' : '[batch, channels, height, width]';
  const wLayout = is1d ? '[outChannels, inChannels/groups, k]' : '[outChannels, inChannels/groups, kh, kw]';
  if (x.length !== rank) throw new ShapeError(`${op}: input must be ${rank}-D ${layout}, got ${fmtShape(x)} (weight ${fmtShape(w)}); reshape it, e.g. add a batch axis of 1`);
  if (w.length !== rank) throw new ShapeError(`${op}: weight must be ${rank}-D ${wLayout}, got ${fmtShape(w)} (input ${fmtShape(x)})`);
  const { groups } = a;
  const c = x[1], o = w[0];
  if (c % groups !== 0) throw new ShapeError(`${op}: groups (${groups}) must divide the input's ${c} channels (input ${fmtShape(x)}, weight ${fmtShape(w)}); choose groups among the divisors of ${c}`);
  if (o % groups !== 0) throw new ShapeError(`${op}: groups (${groups}) must divide the weight's ${o} output channels (input ${fmtShape(x)}, weight ${fmtShape(w)}); choose groups among the divisors of ${o}`);
  if (w[1] * groups !== c) {
    throw new ShapeError(`${op}: input ${fmtShape(x)} has ${c} channels but weight ${fmtShape(w)} expects ${w[1]} per group × ${groups} group${groups === 1 ? '' : 's'} = ${w[1] * groups}; give the weight shape ${wLayout.replace('inChannels/groups', String(c / groups))} with ${c / groups} as its second size`);
  }
  const h = is1d ? 1 : x[2], wd = x[rank - 1];
  const kh = is1d ? 1 : w[2], kw = w[rank - 1];
  const oh = outSize(h, a.padding[0], a.padding[1], kh, a.stride[0], a.dilation[0]);
  const ow = outSize(wd, a.padding[2], a.padding[3], kw, a.stride[1], a.dilation[1]);
  if (oh < 1 || ow < 1) {
    const eff = is1d ? `${a.dilation[1] * (kw - 1) + 1}` : `${a.dilation[0] * (kh - 1) + 1}×${a.dilation[1] * (kw - 1) + 1}`;
    const padded = is1d ? `${wd + a.padding[2] + a.padding[3]}` : `${h + a.padding[0] + a.padding[1]}×${wd + a.padding[2] + a.padding[3]}`;
    throw new ShapeError(`${op}: the ${eff} kernel (weight ${fmtShape(w)}, dilation included) is larger than the ${padded} padded input ${fmtShape(x)}; pad the input (padding: 'same') or use a smaller kernel`);
  }
  return [oh, ow];
}

function geometry(x: readonly number[], o: number, kh: number, kw: number, oh: number, ow: number, a: ConvAttrs): Geom {
  const [n, c, h, w] = x;
  const cg = c / a.groups, og = o / a.groups;
  return {
    n, c, h, w, o, kh, kw, oh, ow,
    sh: a.stride[0], sw: a.stride[1], pt: a.padding[0], pl: a.padding[2], dh: a.dilation[0], dw: a.dilation[1],
    groups: a.groups, cg, og, k: cg * kh * kw, p: oh * ow,
  };
}

/** Column matrices are built for this many elements at most (samples are taken in chunks below it). */
const CHUNK_ELEMENTS = 1 << 20;

function chunkOf(g: Geom): number {
  return Math.max(1, Math.min(g.n, Math.floor(CHUNK_ELEMENTS / Math.max(1, g.k * g.p))));
}

/** The output columns [x0, x1) whose tap, dx to the right of the window's origin, lands inside the input: 0 ≤ x·sw + dx < W. */
function tapColumns(dx: number, sw: number, W: number, ow: number): [number, number] {
  const x0 = Math.min(ow, Math.max(0, Math.ceil(-dx / sw)));
  return [x0, Math.max(x0, Math.min(ow, Math.ceil((W - dx) / sw)))];
}

/**
 * cols[r][s·p + q] for r = (c·kh + i)·kw + j (c a channel of group `grp`), sample s of the chunk
 * starting at n0, output position q = y·ow + x: the input element under tap (i, j) of that window,
 * or 0 in the padding. Row length nb·p.
 */
function im2col(xd: TypedArray, cols: TypedArray, g: Geom, n0: number, nb: number, grp: number): void {
  const { c: C, h: H, w: W, kh, kw, oh, ow, sh, sw, pt, pl, dh, dw, cg, p } = g;
  const np = nb * p;
  for (let c = 0; c < cg; c++) {
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const row = ((c * kh + i) * kw + j) * np;
        const dx = j * dw - pl;
        const [x0, x1] = tapColumns(dx, sw, W, ow);
        for (let s = 0; s < nb; s++) {
          const xb = ((n0 + s) * C + grp * cg + c) * H * W;
          for (let y = 0; y < oh; y++) {
            const o = row + s * p + y * ow;
            const iy = y * sh - pt + i * dh;
            if (iy < 0 || iy >= H) { cols.fill(0, o, o + ow); continue; }
            const xr = xb + iy * W + dx;
            for (let x = 0; x < x0; x++) cols[o + x] = 0;
            if (sw === 1) for (let x = x0; x < x1; x++) cols[o + x] = xd[xr + x];
            else for (let x = x0; x < x1; x++) cols[o + x] = xd[xr + x * sw];
            for (let x = x1; x < ow; x++) cols[o + x] = 0;
          }
        }
      }
    }
  }
}

/** The adjoint of im2col: adds each column entry into the input element it was read from. */
function col2im(cols: TypedArray, gx: TypedArray, g: Geom, n0: number, nb: number, grp: number): void {
  const { c: C, h: H, w: W, kh, kw, oh, ow, sh, sw, pt, pl, dh, dw, cg, p } = g;
  const np = nb * p;
  for (let c = 0; c < cg; c++) {
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const row = ((c * kh + i) * kw + j) * np;
        const dx = j * dw - pl;
        const [x0, x1] = tapColumns(dx, sw, W, ow);
        for (let s = 0; s < nb; s++) {
          const xb = ((n0 + s) * C + grp * cg + c) * H * W;
          for (let y = 0; y < oh; y++) {
            const iy = y * sh - pt + i * dh;
            if (iy < 0 || iy >= H) continue;
            const o = row + s * p + y * ow;
            const xr = xb + iy * W + dx;
            for (let x = x0; x < x1; x++) gx[xr + x * sw] += cols[o + x];
          }
        }
      }
    }
  }
}

/** gt[o][s·p + q] = gy[n0 + s, grp·og + o, q]: a group's output-gradient rows for a chunk, as one matrix. */
function gatherOut(gy: TypedArray, gt: TypedArray, g: Geom, n0: number, nb: number, grp: number): void {
  const { o: O, og, p } = g;
  const np = nb * p;
  for (let o = 0; o < og; o++) {
    for (let s = 0; s < nb; s++) {
      const from = ((n0 + s) * O + grp * og + o) * p;
      gt.set(gy.subarray(from, from + p), o * np + s * p);
    }
  }
}

/**
 * Scratch memory for the kernels below, one grow-only array per dtype shared by every convolution:
 * kernels run one at a time and none calls another, so one region serves all (an eager training
 * step would otherwise allocate and zero megabytes per call). Returns consecutive views of `sizes`.
 */
function scratch(like: TypedArray, sizes: readonly number[]): TypedArray[] {
  const f64 = like instanceof Float64Array;
  const total = sizes.reduce((a, b) => a + b, 0);
  let buf = f64 ? shared64 : shared32;
  if (buf.length < total) {
    buf = allocate(f64 ? 'float64' : 'float32', total);
    if (f64) shared64 = buf; else shared32 = buf;
  }
  const views: TypedArray[] = [];
  let at = 0;
  for (const s of sizes) { views.push(buf.subarray(at, at + s)); at += s; }
  return views;
}
let shared32: TypedArray = new Float32Array(0);
let shared64: TypedArray = new Float64Array(0);

/** out = conv2d(x, w) + b: per chunk and group, W_g [og, k] · cols [k, nb·p], plus b per channel. */
function convForward(g: Geom): (out: TypedArray, xd: TypedArray, wd: TypedArray, bd: TypedArray | undefined) => void {
  const nbMax = chunkOf(g);
  return (out, xd, wd, bd) => {
    if (backend().conv2d?.('forward', g, out, xd, wd, bd)) return;
    const [cols, tmp] = scratch(out, [g.k * nbMax * g.p, g.og * nbMax * g.p]);
    const { o: O, og, k, p, groups } = g;
    const be = backend();
    for (let n0 = 0; n0 < g.n; n0 += nbMax) {
      const nb = Math.min(nbMax, g.n - n0), np = nb * p;
      for (let grp = 0; grp < groups; grp++) {
        im2col(xd, cols, g, n0, nb, grp);
        be.matmul(wd.subarray(grp * og * k, (grp + 1) * og * k), cols.subarray(0, k * np), tmp.subarray(0, og * np), og, k, np, false, false);
        for (let o = 0; o < og; o++) {
          const bo = bd === undefined ? 0 : bd[grp * og + o];
          for (let s = 0; s < nb; s++) {
            const from = o * np + s * p, to = ((n0 + s) * O + grp * og + o) * p;
            if (bd === undefined) out.set(tmp.subarray(from, from + p), to);
            else for (let q = 0; q < p; q++) out[to + q] = tmp[from + q] + bo;
          }
        }
      }
    }
  };
}

/** out = ∂B/∂x = col2im(W_gᵀ · G_g). */
function convInputGrad(g: Geom): (out: TypedArray, gy: TypedArray, wd: TypedArray) => void {
  const nbMax = chunkOf(g);
  return (out, gy, wd) => {
    if (backend().conv2d?.('inputGrad', g, out, gy, wd, undefined)) return;
    const [cols, gt] = scratch(out, [g.k * nbMax * g.p, g.og * nbMax * g.p]);
    const { og, k, p, groups } = g;
    const be = backend();
    out.fill(0);
    for (let n0 = 0; n0 < g.n; n0 += nbMax) {
      const nb = Math.min(nbMax, g.n - n0), np = nb * p;
      for (let grp = 0; grp < groups; grp++) {
        gatherOut(gy, gt, g, n0, nb, grp);
        be.matmul(wd.subarray(grp * og * k, (grp + 1) * og * k), gt.subarray(0, og * np), cols.subarray(0, k * np), k, og, np, true, false);
        col2im(cols, out, g, n0, nb, grp);
      }
    }
  };
}

/** out = ∂B/∂w: Σ over chunks of G_g [og, nb·p] · cols_gᵀ. */
function convWeightGrad(g: Geom): (out: TypedArray, xd: TypedArray, gy: TypedArray) => void {
  const nbMax = chunkOf(g);
  return (out, xd, gy) => {
    if (backend().conv2d?.('weightGrad', g, out, xd, gy, undefined)) return;
    const [cols, gt, tmp] = scratch(out, [g.k * nbMax * g.p, g.og * nbMax * g.p, g.og * g.k]);
    const { og, k, p, groups } = g;
    const be = backend();
    if (g.n === 0) out.fill(0); // an empty batch: no chunk writes the output
    for (let n0 = 0; n0 < g.n; n0 += nbMax) {
      const nb = Math.min(nbMax, g.n - n0), np = nb * p;
      for (let grp = 0; grp < groups; grp++) {
        im2col(xd, cols, g, n0, nb, grp);
        gatherOut(gy, gt, g, n0, nb, grp);
        const base = grp * og * k;
        if (n0 === 0) {
          be.matmul(gt.subarray(0, og * np), cols.subarray(0, k * np), out.subarray(base, base + og * k), og, np, k, false, true);
        } else {
          be.matmul(gt.subarray(0, og * np), cols.subarray(0, k * np), tmp, og, np, k, false, true);
          for (let i = 0; i < og * k; i++) out[base + i] += tmp[i];
        }
      }
    }
  };
}

/** conv2d(x, w) + b, the bias optional: added in the kernel's copy-out rather than by a broadcast add (measured: a tenth of a CNN layer's step). */
export const CONV2D: Prim<ConvAttrs> = {
  name: 'conv2d',
  prepare([x, w, b], a) {
    const [oh, ow] = checkShapes('conv2d', x.shape, w.shape, a);
    const o = w.shape[0];
    if (b !== undefined && (b.rank !== 1 || b.shape[0] !== o)) {
      throw new ShapeError(`conv2d: bias must have shape [${o}] (one per output channel of weight ${fmtShape(w.shape)}), got ${fmtShape(b.shape)} (input ${fmtShape(x.shape)})`);
    }
    const g = geometry(x.shape, o, w.shape[2], w.shape[3], oh, ow, a);
    const dtype = b === undefined ? promote(x.dtype, w.dtype) : promote(promote(x.dtype, w.dtype), b.dtype);
    return { shape: [g.n, o, oh, ow], dtype, run: convForward(g) };
  },
  // dB/dx and dB/dw at the upstream gradient G; the bias's is G summed over batch and positions
  backward: (gy, [x, w, b], _, a) => [
    x.requiresGrad ? apply(CONV2D_INPUT_GRAD, [gy, w], { ...convAttrs(a), inputSize: [x.shape[2], x.shape[3]] }) : null,
    w.requiresGrad ? apply(CONV2D_WEIGHT_GRAD, [x, gy], { ...convAttrs(a), kernelSize: [w.shape[2], w.shape[3]] }) : null,
    ...(b === undefined ? [] : [b.requiresGrad ? apply(SUM, [gy], { axes: [0, 2, 3], keepDims: false }) : null]),
  ],
};

export const CONV2D_INPUT_GRAD: Prim<ConvAttrs & { readonly inputSize: readonly [number, number] }> = {
  name: 'conv2dInputGrad',
  prepare([gy, w], a) {
    const [n, o, oh, ow] = gy.shape;
    const c = w.shape[1] * a.groups;
    const g = geometry([n, c, a.inputSize[0], a.inputSize[1]], o, w.shape[2], w.shape[3], oh, ow, a);
    return { shape: [n, c, g.h, g.w], dtype: promote(gy.dtype, w.dtype), run: convInputGrad(g) };
  },
  // this output is ∂B/∂x; with upstream G (input-shaped): ∂/∂g = conv2d(G, w), ∂/∂w = ∂B/∂w at (G, g)
  backward: (G, [gy, w], _, a) => [
    gy.requiresGrad ? apply(CONV2D, [G, w], convAttrs(a)) : null,
    w.requiresGrad ? apply(CONV2D_WEIGHT_GRAD, [G, gy], { ...convAttrs(a), kernelSize: [w.shape[2], w.shape[3]] }) : null,
  ],
};

export const CONV2D_WEIGHT_GRAD: Prim<ConvAttrs & { readonly kernelSize: readonly [number, number] }> = {
  name: 'conv2dWeightGrad',
  prepare([x, gy], a) {
    const [, o, oh, ow] = gy.shape;
    const [kh, kw] = a.kernelSize;
    const g = geometry(x.shape, o, kh, kw, oh, ow, a);
    return { shape: [o, g.cg, kh, kw], dtype: promote(x.dtype, gy.dtype), run: convWeightGrad(g) };
  },
  // this output is ∂B/∂w; with upstream G (weight-shaped): ∂/∂x = ∂B/∂x at (g, G), ∂/∂g = conv2d(x, G)
  backward: (G, [x, gy], _, a) => [
    x.requiresGrad ? apply(CONV2D_INPUT_GRAD, [gy, G], { ...convAttrs(a), inputSize: [x.shape[2], x.shape[3]] }) : null,
    gy.requiresGrad ? apply(CONV2D, [x, G], convAttrs(a)) : null,
  ],
};

function convAttrs(a: ConvAttrs): ConvAttrs {
  return { stride: a.stride, padding: a.padding, dilation: a.dilation, groups: a.groups };
}

// ---- the public functions: options checked and normalised here --------------------------------

function positiveInt(op: string, name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new ValueError(`${op}: ${name} must be a whole number ≥ ${min}, got ${Array.isArray(v) ? `[${v.join(', ')}]` : String(v)}`);
  }
  return v;
}

/** A number or an [h, w] pair as a pair of whole numbers ≥ min. */
export function pairOf(op: string, name: string, v: unknown, min: number): [number, number] {
  if (Array.isArray(v)) {
    if (v.length !== 2) throw new ValueError(`${op}: ${name} must be a number or a pair [height, width], got [${v.join(', ')}]`);
    return [positiveInt(op, name, v[0], min), positiveInt(op, name, v[1], min)];
  }
  const n = positiveInt(op, name, v, min);
  return [n, n];
}

/** Rejects a misspelt option (`dilations`), which would otherwise be silently ignored. */
export function checkOptions(op: string, options: unknown, known: readonly string[]): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ValueError(`${op}: options must be an object like { ${known[0]}: 1 }, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`);
  }
  const unknown = Object.keys(options).filter((k) => !known.includes(k));
  if (unknown.length) throw new ValueError(`${op}: unknown option '${unknown[0]}' (known: ${known.join(', ')})`);
}

const CONV_OPTIONS = ['stride', 'padding', 'dilation', 'groups', 'bias'] as const;

/** The attrs for kernel sizes kh × kw: 'same' pads dilation·(k − 1) in total, the odd one after (PyTorch). */
function attrsOf(op: string, options: Conv2dOptions, kh: number, kw: number): ConvAttrs {
  const stride = pairOf(op, 'stride', options.stride ?? 1, 1);
  const dilation = pairOf(op, 'dilation', options.dilation ?? 1, 1);
  const groups = positiveInt(op, 'groups', options.groups ?? 1, 1);
  const pad = options.padding ?? 0;
  let padding: [number, number, number, number];
  if (pad === 'same') {
    if (stride[0] !== 1 || stride[1] !== 1) throw new ValueError(`${op}: padding 'same' needs stride 1 (as in PyTorch), got stride ${options.stride}; give the padding as a number`);
    const th = dilation[0] * (kh - 1), tw = dilation[1] * (kw - 1);
    padding = [th >> 1, th - (th >> 1), tw >> 1, tw - (tw >> 1)];
  } else if (pad === 'valid') {
    padding = [0, 0, 0, 0];
  } else if (typeof pad === 'string') {
    throw new ValueError(`${op}: padding must be a number, a pair, 'same' or 'valid', got '${pad}'`);
  } else {
    const [ph, pw] = pairOf(op, 'padding', pad, 0);
    padding = [ph, ph, pw, pw];
  }
  return { stride, padding, dilation, groups };
}

function biasOf(op: string, bias: Tensor | null | undefined, options: { bias?: Tensor | null }): Tensor | null {
  if (bias != null && options.bias != null) throw new ValueError(`${op}: bias given twice (as the third argument and as an option); pass it once`);
  const b = bias ?? options.bias ?? null;
  if (b !== null) checkTensor(op, 'bias', b);
  return b;
}

function checkBias(op: string, b: Tensor | null, w: Tensor, x: Tensor): void {
  if (b !== null && (b.rank !== 1 || b.shape[0] !== w.shape[0])) {
    throw new ShapeError(`${op}: bias must have shape [${w.shape[0]}] (one per output channel of weight ${fmtShape(w.shape)}), got ${fmtShape(b.shape)} (input ${fmtShape(x.shape)})`);
  }
}

/**
 * 2-D convolution (cross-correlation, as in PyTorch) of x [batch, inChannels, height, width] by
 * weight [outChannels, inChannels/groups, kh, kw], plus an optional bias [outChannels]; mirrors
 * torch.nn.functional.conv2d(input, weight, bias, stride, padding, dilation, groups).
 * @example conv2d(x, w, b, { padding: 'same' }) // x [64, 1, 28, 28], w [16, 1, 3, 3] → [64, 16, 28, 28]
 */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null | Conv2dOptions, options: Conv2dOptions = {}): Tensor {
  checkTensor('conv2d', 'x', x);
  checkTensor('conv2d', 'weight', weight);
  if (bias != null && !(bias instanceof Tensor)) { options = bias; bias = null; }
  checkOptions('conv2d', options, CONV_OPTIONS);
  const b = biasOf('conv2d', bias as Tensor | null | undefined, options);
  if (weight.rank !== 4) throw new ShapeError(`conv2d: weight must be 4-D [outChannels, inChannels/groups, kh, kw], got ${fmtShape(weight.shape)} (input ${fmtShape(x.shape)})`);
  const a = attrsOf('conv2d', options, weight.shape[2], weight.shape[3]);
  checkShapes('conv2d', x.shape, weight.shape, a);
  checkBias('conv2d', b, weight, x);
  return apply(CONV2D, b === null ? [x, weight] : [x, weight, b], a);
}

/**
 * 1-D convolution of x [batch, inChannels, length] by weight [outChannels, inChannels/groups, k]:
 * conv2d over a height of 1, with the same options (numbers, not pairs); mirrors
 * torch.nn.functional.conv1d.
 * @example conv1d(x, w, { stride: 2 }) // x [8, 4, 100], w [6, 4, 5] → [8, 6, 48]
 */
export function conv1d(x: Tensor, weight: Tensor, bias?: Tensor | null | Conv1dOptions, options: Conv1dOptions = {}): Tensor {
  checkTensor('conv1d', 'x', x);
  checkTensor('conv1d', 'weight', weight);
  if (bias != null && !(bias instanceof Tensor)) { options = bias; bias = null; }
  checkOptions('conv1d', options, CONV_OPTIONS);
  const b = biasOf('conv1d', bias as Tensor | null | undefined, options);
  for (const k of ['stride', 'dilation', 'padding'] as const) {
    if (Array.isArray(options[k])) throw new ValueError(`conv1d: ${k} must be a number, got [${(options[k] as unknown as number[]).join(', ')}]`);
  }
  if (weight.rank !== 3) throw new ShapeError(`conv1d: weight must be 3-D [outChannels, inChannels/groups, k], got ${fmtShape(weight.shape)} (input ${fmtShape(x.shape)})`);
  const pad = options.padding ?? 0;
  const o2: Conv2dOptions = {
    stride: [1, options.stride ?? 1], dilation: [1, options.dilation ?? 1], groups: options.groups,
    padding: typeof pad === 'number' ? [0, pad] : pad,
  };
  const a = attrsOf('conv1d', o2, 1, weight.shape[2]);
  checkShapes('conv1d', x.shape, weight.shape, a);
  const [n, c, l] = x.shape;
  checkBias('conv1d', b, weight, x);
  const w2 = reshape(weight, [weight.shape[0], weight.shape[1], 1, weight.shape[2]]);
  const y = apply(CONV2D, b === null ? [reshape(x, [n, c, 1, l]), w2] : [reshape(x, [n, c, 1, l]), w2, b], a);
  return reshape(y, [n, y.shape[1], y.shape[3]]);
}
