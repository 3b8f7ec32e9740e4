/**
 * The oracle for the convolution and pooling kernels: direct loops in float64 over the definition,
 * sharing no code with src/ops/conv.ts or pool.ts (no im2col, no matmul).
 * conv: y[n, o, oy, ox] = Σ_{c, i, j} x[n, g·cg + c, oy·sh − pt + i·dh, ox·sw − pl + j·dw] · w[o, c, i, j],
 * g = ⌊o / og⌋; reads outside the input are 0.
 */
export interface RefConv {
  stride: [number, number];
  /** [top, bottom, left, right] */
  padding: [number, number, number, number];
  dilation: [number, number];
  groups: number;
}

export interface RefResult {
  y: Float64Array;
  shape: number[];
}

function dims(xs: number[], ws: number[], a: RefConv) {
  const [n, c, h, w] = xs;
  const [o, cg, kh, kw] = ws;
  const oh = Math.floor((h + a.padding[0] + a.padding[1] - a.dilation[0] * (kh - 1) - 1) / a.stride[0]) + 1;
  const ow = Math.floor((w + a.padding[2] + a.padding[3] - a.dilation[1] * (kw - 1) - 1) / a.stride[1]) + 1;
  return { n, c, h, w, o, cg, kh, kw, oh, ow, og: o / a.groups };
}

/** Visits every (output element, input element, weight element) triple of the sum. */
function forEachTerm(xs: number[], ws: number[], a: RefConv, visit: (yi: number, xi: number, wi: number) => void): number[] {
  const { n, c, h, w, o, cg, kh, kw, oh, ow, og } = dims(xs, ws, a);
  for (let b = 0; b < n; b++) for (let oc = 0; oc < o; oc++) {
    const grp = Math.floor(oc / og);
    for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) {
      const yi = ((b * o + oc) * oh + oy) * ow + ox;
      for (let ic = 0; ic < cg; ic++) for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) {
        const iy = oy * a.stride[0] - a.padding[0] + i * a.dilation[0];
        const ix = ox * a.stride[1] - a.padding[2] + j * a.dilation[1];
        if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
        visit(yi, ((b * c + grp * cg + ic) * h + iy) * w + ix, ((oc * cg + ic) * kh + i) * kw + j);
      }
    }
  }
  return [n, o, oh, ow];
}

export function refConv2d(x: ArrayLike<number>, xs: number[], w: ArrayLike<number>, ws: number[], a: RefConv): RefResult {
  const { n, o, oh, ow } = dims(xs, ws, a);
  const y = new Float64Array(n * o * oh * ow);
  const shape = forEachTerm(xs, ws, a, (yi, xi, wi) => { y[yi] += x[xi] * w[wi]; });
  return { y, shape };
}

/** ∂⟨g, conv(x, w)⟩/∂x and /∂w. */
export function refConv2dGrads(x: ArrayLike<number>, xs: number[], w: ArrayLike<number>, ws: number[], g: ArrayLike<number>, a: RefConv): { gx: Float64Array; gw: Float64Array } {
  const gx = new Float64Array(x.length), gw = new Float64Array(w.length);
  forEachTerm(xs, ws, a, (yi, xi, wi) => { gx[xi] += g[yi] * w[wi]; gw[wi] += g[yi] * x[xi]; });
  return { gx, gw };
}

/** Max pooling by definition: −∞ padding, the first maximum of each window. */
export function refMaxPool2d(x: ArrayLike<number>, xs: number[], k: [number, number], s: [number, number], p: [number, number]): { y: Float64Array; arg: number[]; shape: number[] } {
  const [n, c, h, w] = xs;
  const oh = Math.floor((h + 2 * p[0] - k[0]) / s[0]) + 1, ow = Math.floor((w + 2 * p[1] - k[1]) / s[1]) + 1;
  const y = new Float64Array(n * c * oh * ow);
  const arg: number[] = [];
  let o = 0;
  for (let pl = 0; pl < n * c; pl++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++, o++) {
    let m = -Infinity, at = -1;
    for (let i = 0; i < k[0]; i++) for (let j = 0; j < k[1]; j++) {
      const iy = oy * s[0] - p[0] + i, ix = ox * s[1] - p[1] + j;
      if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
      const q = (pl * h + iy) * w + ix;
      if (x[q] > m || at < 0) { m = x[q]; at = q; }
    }
    y[o] = m;
    arg.push(at);
  }
  return { y, arg, shape: [n, c, oh, ow] };
}

/** Average pooling by definition, count_include_pad: every window divides by kh·kw. */
export function refAvgPool2d(x: ArrayLike<number>, xs: number[], k: [number, number], s: [number, number], p: [number, number]): { y: Float64Array; shape: number[] } {
  const [n, c, h, w] = xs;
  const oh = Math.floor((h + 2 * p[0] - k[0]) / s[0]) + 1, ow = Math.floor((w + 2 * p[1] - k[1]) / s[1]) + 1;
  const y = new Float64Array(n * c * oh * ow);
  let o = 0;
  for (let pl = 0; pl < n * c; pl++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++, o++) {
    let t = 0;
    for (let i = 0; i < k[0]; i++) for (let j = 0; j < k[1]; j++) {
      const iy = oy * s[0] - p[0] + i, ix = ox * s[1] - p[1] + j;
      if (iy >= 0 && iy < h && ix >= 0 && ix < w) t += x[(pl * h + iy) * w + ix];
    }
    y[o] = t / (k[0] * k[1]);
  }
  return { y, shape: [n, c, oh, ow] };
}
