/**
 * The playground's colours and canvas helpers, shared by the views: class 0 / negative is orange,
 * class 1 / positive is blue, the middle is a light grey (TensorFlow Playground's scheme, which
 * stays readable for the common colour-vision deficiencies). Pure functions only.
 */

export const ORANGE: readonly [number, number, number] = [245, 147, 34];
export const BLUE: readonly [number, number, number] = [8, 119, 189];
export const MIDDLE: readonly [number, number, number] = [232, 234, 235];

/** t ∈ [-1, 1] → RGB from orange through grey to blue. @example diverging(1) // BLUE */
export function diverging(t: number): [number, number, number] {
  const u = Number.isFinite(t) ? Math.max(-1, Math.min(1, t)) : 0;
  const to = u < 0 ? ORANGE : BLUE;
  const f = Math.abs(u);
  return [0, 1, 2].map((k) => Math.round(MIDDLE[k] + (to[k] - MIDDLE[k]) * f)) as [number, number, number];
}

export const rgb = (c: readonly number[], alpha = 1): string => `rgba(${c[0]}, ${c[1]}, ${c[2]}, ${alpha})`;

/**
 * Makes the canvas's backing store match its CSS size times the device pixel ratio and returns a
 * context scaled so drawing uses CSS pixels. `height` fixes the CSS height when given.
 */
export function fitCanvas(canvas: HTMLCanvasElement, height?: number): { ctx: CanvasRenderingContext2D; width: number; height: number } {
  const dpr = Math.max(1, Math.min(3, globalThis.devicePixelRatio || 1));
  if (height !== undefined) canvas.style.height = `${height}px`;
  // The element's CSS box (fractional widths rounded), never a size of our own: nothing is drawn outside it.
  const box = canvas.getBoundingClientRect();
  const width = Math.max(50, Math.round(canvas.clientWidth || box.width || 300));
  const h = height ?? Math.max(50, Math.round(canvas.clientHeight || box.height || width));
  if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, h);
  return { ctx, width, height: h };
}

/** A size×size heat map (row-major from the top) as an off-screen canvas, each value through `colour`. */
export function heatImage(values: ArrayLike<number>, size: number, colour: (v: number) => readonly number[]): HTMLCanvasElement {
  const img = document.createElement('canvas');
  img.width = size;
  img.height = size;
  const ctx = img.getContext('2d')!;
  const data = ctx.createImageData(size, size);
  for (let i = 0; i < size * size; i++) {
    const c = colour(values[i]);
    data.data[4 * i] = c[0];
    data.data[4 * i + 1] = c[1];
    data.data[4 * i + 2] = c[2];
    data.data[4 * i + 3] = 255;
  }
  ctx.putImageData(data, 0, 0);
  return img;
}

/** Short number for axes and readouts. @example short(0.000123) // '1.23e-4' */
export function short(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (Number.isInteger(v) && a < 1e6) return String(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(digits - 1).replace('e+', 'e');
  return String(Number(v.toPrecision(digits)));
}
