/**
 * Pooling over NCHW tensors, with PyTorch's semantics (stride defaults to the kernel, floor mode,
 * padding at most half the kernel). Max pooling is two prims: `maxPool2d(x, v)` reads v at the
 * position of each window's maximum of x (the public maxPool2d passes x twice), and
 * `maxPool2dGrad(x, g)` adds g back into those positions — each is the other's adjoint in v and g,
 * and the choice of position is piecewise constant in x, so together they carry every derivative.
 * Both run on the backend's maxPool2d kernel where it has one (wasm, float32), else on argmaxes
 * below, the reference.
 * Average pooling is a depthwise convolution by a constant kernel (count_include_pad, PyTorch's
 * default: the divisor is always kh·kw); global average pooling is a mean.
 */
import { ShapeError, ValueError, fmtShape } from '../tensor/errors.js';
import { sameShape, sizeOf } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { allocate, promote, type TypedArray } from '../tensor/dtype.js';
import { mean } from './compose.js';
import { CONV2D, checkOptions, pairOf, type Pair } from './conv.js';
import { checkTensor } from './kernels.js';
import { backend, type PoolGeometry } from '../tensor/kernels/backend.js';
import { apply, type Prim } from './prim.js';
import type { ReduceOptions } from './reduce.js';
import { reshape } from './shape.js';

export interface Pool2dOptions {
  /** Step between windows (default: the kernel size, as in PyTorch). */
  stride?: Pair;
  /** Implicit padding on each side (default 0), at most half the kernel; max pooling pads with −∞, average pooling with 0. */
  padding?: Pair;
}

export interface PoolAttrs {
  readonly kernel: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
}

/** Normalises and checks a pooling op's arguments for input shape x; returns the attrs and output size. */
function poolAttrs(op: string, x: Tensor, kernel: Pair, options: Pool2dOptions): { attrs: PoolAttrs; oh: number; ow: number } {
  checkTensor(op, 'x', x);
  const { kernel: k, stride, padding } = poolArguments(op, kernel, options);
  if (x.rank !== 4) throw new ShapeError(`${op}: input must be 4-D [batch, channels, height, width], got ${fmtShape(x.shape)} (kernel ${fmtShape(k)}); reshape it, e.g. add a batch axis of 1`);
  const [, , h, w] = x.shape;
  const oh = Math.floor((h + 2 * padding[0] - k[0]) / stride[0]) + 1;
  const ow = Math.floor((w + 2 * padding[1] - k[1]) / stride[1]) + 1;
  if (oh < 1 || ow < 1) {
    throw new ShapeError(`${op}: the ${k[0]}×${k[1]} kernel is larger than the ${h + 2 * padding[0]}×${w + 2 * padding[1]} padded input ${fmtShape(x.shape)}; use a smaller kernel or pad the input`);
  }
  return { attrs: { kernel: k, stride, padding }, oh, ow };
}

/** A pooling op's kernel and options, checked and normalised (no input needed: layers check theirs when made). */
export function poolArguments(op: string, kernel: Pair, options: Pool2dOptions): PoolAttrs {
  checkOptions(op, options, ['stride', 'padding']);
  const k = pairOf(op, 'kernel', kernel, 1);
  const stride = pairOf(op, 'stride', options.stride ?? k, 1);
  const padding = pairOf(op, 'padding', options.padding ?? 0, 0);
  if (padding[0] > k[0] / 2 || padding[1] > k[1] / 2) {
    throw new ValueError(`${op}: padding ${fmtShape(padding)} must be at most half the kernel ${fmtShape(k)} (as in PyTorch); use a smaller padding`);
  }
  return { kernel: k, stride, padding };
}

/**
 * For each output element (row-major over [n, c, oh, ow]), the flat index into x of its window's
 * maximum: the first maximum in row-major window order, NaN taken as a maximum (PyTorch's rule).
 */
function argmaxes(xd: TypedArray, shape: readonly number[], a: PoolAttrs, oh: number, ow: number, idx: Int32Array): void {
  const [n, c, h, w] = shape;
  const [kh, kw] = a.kernel, [sh, sw] = a.stride, [ph, pw] = a.padding;
  let o = 0;
  for (let plane = 0; plane < n * c; plane++) {
    const base = plane * h * w;
    for (let y = 0; y < oh; y++) {
      const y0 = Math.max(0, y * sh - ph), y1 = Math.min(h, y * sh - ph + kh);
      for (let x = 0; x < ow; x++, o++) {
        const x0 = Math.max(0, x * sw - pw), x1 = Math.min(w, x * sw - pw + kw);
        let best = base + y0 * w + x0, m = -Infinity;
        for (let i = y0; i < y1; i++) {
          for (let j = x0, q = base + i * w + x0; j < x1; j++, q++) {
            const v = xd[q];
            if (v > m || v !== v) { m = v; best = q; if (v !== v) { i = y1; break; } }
          }
        }
        idx[o] = best;
      }
    }
  }
}

function poolGeometry(x: readonly number[], a: PoolAttrs, oh: number, ow: number): PoolGeometry {
  return { planes: x[0] * x[1], h: x[2], w: x[3], oh, ow, kh: a.kernel[0], kw: a.kernel[1], sh: a.stride[0], sw: a.stride[1], ph: a.padding[0], pw: a.padding[1] };
}

function poolOut(x: readonly number[], a: PoolAttrs): [number, number] {
  return [Math.floor((x[2] + 2 * a.padding[0] - a.kernel[0]) / a.stride[0]) + 1, Math.floor((x[3] + 2 * a.padding[1] - a.kernel[1]) / a.stride[1]) + 1];
}

export const MAXPOOL2D: Prim<PoolAttrs> = {
  name: 'maxPool2d',
  prepare([x, v], a) {
    if (!sameShape(x.shape, v.shape)) throw new ShapeError(`maxPool2d: the values read ${fmtShape(v.shape)} must have the shape of the input ${fmtShape(x.shape)}`);
    const [oh, ow] = poolOut(x.shape, a);
    const shape = [x.shape[0], x.shape[1], oh, ow];
    const idx = new Int32Array(sizeOf(shape));
    const from = x.shape, geom = poolGeometry(from, a, oh, ow);
    return {
      shape, dtype: promote(x.dtype, v.dtype),
      run: (out, xd, vd) => {
        if (backend().maxPool2d?.('forward', geom, out, xd, vd)) return;
        argmaxes(xd, from, a, oh, ow, idx);
        for (let i = 0; i < idx.length; i++) out[i] = vd[idx[i]];
      },
    };
  },
  // which position each window reads is piecewise constant in x; the read is linear in v
  backward: (g, [x, v], _, a) => [null, v.requiresGrad ? apply(MAXPOOL2D_GRAD, [x, g], a) : null],
};

export const MAXPOOL2D_GRAD: Prim<PoolAttrs> = {
  name: 'maxPool2dGrad',
  prepare([x, g], a) {
    const [oh, ow] = poolOut(x.shape, a);
    const idx = new Int32Array(sizeOf(g.shape));
    const from = x.shape, geom = poolGeometry(from, a, oh, ow);
    return {
      shape: x.shape, dtype: promote(x.dtype, g.dtype),
      run: (out, xd, gd) => {
        if (backend().maxPool2d?.('grad', geom, out, xd, gd)) return;
        argmaxes(xd, from, a, oh, ow, idx);
        out.fill(0);
        for (let i = 0; i < idx.length; i++) out[idx[i]] += gd[i];
      },
    };
  },
  // the adjoint of adding g into the argmax positions is reading G there: maxPool2d(x, G)
  backward: (G, [x, g], _, a) => [null, g.requiresGrad ? apply(MAXPOOL2D, [x, G], a) : null],
};

/**
 * Max pooling over windows of `kernel` (a number or [kh, kw]) of x [batch, channels, height, width];
 * PyTorch's max_pool2d (floor mode, no dilation). The gradient goes to each window's first maximum.
 * @example maxPool2d(x, 2) // x [64, 16, 28, 28] → [64, 16, 14, 14]
 */
export function maxPool2d(x: Tensor, kernel: Pair, options: Pool2dOptions = {}): Tensor {
  const { attrs } = poolAttrs('maxPool2d', x, kernel, options);
  return apply(MAXPOOL2D, [x, x], attrs);
}

/**
 * Average pooling (PyTorch's avg_pool2d defaults: count_include_pad, so a window over padding
 * still divides by kh·kw; floor mode): a depthwise convolution by a constant 1/(kh·kw) kernel.
 * @example avgPool2d(x, 2) // x [8, 3, 6, 6] → [8, 3, 3, 3]
 */
export function avgPool2d(x: Tensor, kernel: Pair, options: Pool2dOptions = {}): Tensor {
  const { attrs } = poolAttrs('avgPool2d', x, kernel, options);
  const [n, c, h, w] = x.shape;
  const [kh, kw] = attrs.kernel;
  const dtype = x.dtype === 'float64' ? 'float64' : 'float32';
  const ones = allocate(dtype, kh * kw).fill(1 / (kh * kw));
  const [ph, pw] = attrs.padding;
  const y = apply(CONV2D, [reshape(x, [n * c, 1, h, w]), new Tensor(ones, [1, 1, kh, kw])], {
    stride: attrs.stride, padding: [ph, ph, pw, pw], dilation: [1, 1], groups: 1,
  });
  return reshape(y, [n, c, y.shape[2], y.shape[3]]);
}

/**
 * The mean of each channel over its height and width: [batch, channels] (Keras'
 * GlobalAveragePooling2D, ready for a Dense layer); keepDims gives [batch, channels, 1, 1]
 * (PyTorch's adaptive_avg_pool2d(x, 1)).
 * @example globalAvgPool2d(x) // x [8, 32, 7, 7] → [8, 32]
 */
export function globalAvgPool2d(x: Tensor, options: ReduceOptions = {}): Tensor {
  checkTensor('globalAvgPool2d', 'x', x);
  checkOptions('globalAvgPool2d', options, ['keepDims']);
  if (x.rank !== 4) throw new ShapeError(`globalAvgPool2d: input must be 4-D [batch, channels, height, width], got ${fmtShape(x.shape)}; reshape it, e.g. add a batch axis of 1`);
  if (x.shape[2] * x.shape[3] === 0) throw new ShapeError(`globalAvgPool2d: input ${fmtShape(x.shape)} has no pixels to average`);
  return mean(x, [2, 3], options);
}
