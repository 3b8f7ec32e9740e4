/**
 * The loss landscape: training loss over two chosen parameters (every other weight held at its
 * current value; computed by the library's explain/landscape in the worker), viridis-coloured
 * (dark = low) with the optimizer's actual path through those two parameters drawn on top, from
 * its start (hollow ring) to now (filled dot). Renders a result; keeps nothing.
 */
import { viridis } from '../../../src/explain/plot.js';
import type { LandscapeResult } from '../protocol.js';
import { fitCanvas, heatImage, short } from './colors.js';

export class LandscapeView {
  constructor(private readonly canvas: HTMLCanvasElement) {}

  /** Draws the landscape (the path may be newer than the grid) and returns its text description. */
  render(result: LandscapeResult, path: Float32Array, labels: [string, string]): string {
    // Sized by its element (CSS: full width, square, at most 420 px); the backing store follows it.
    const fit = fitCanvas(this.canvas);
    const { ctx } = fit;
    const side = Math.min(fit.width, fit.height);
    const left = 40, bottom = 30, top = 6, right = 6;
    const w = side - left - right, h = side - top - bottom;
    let lo = Infinity, hi = -Infinity;
    for (const v of result.loss) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    // Loss surfaces are steep at the edges; a square-root scale keeps the valley's detail visible.
    const norm = (v: number) => (hi > lo ? Math.sqrt((v - lo) / (hi - lo)) : 0.5);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(heatImage(result.loss, result.size, (v) => viridis(norm(v))), left, top, w, h);
    const [x0, x1] = result.xRange, [y0, y1] = result.yRange;
    const px = (x: number) => left + ((x - x0) / (x1 - x0)) * w;
    const py = (y: number) => top + ((y1 - y) / (y1 - y0)) * h;
    if (path.length >= 2) {
      ctx.beginPath();
      ctx.moveTo(px(path[0]), py(path[1]));
      for (let i = 2; i < path.length; i += 2) ctx.lineTo(px(path[i]), py(path[i + 1]));
      ctx.strokeStyle = '#ff3b30';
      ctx.lineWidth = 2;
      ctx.stroke();
      ctx.beginPath();
      ctx.arc(px(path[0]), py(path[1]), 5, 0, 2 * Math.PI);
      ctx.strokeStyle = '#fff';
      ctx.lineWidth = 2;
      ctx.stroke();
      const n = path.length;
      ctx.beginPath();
      ctx.arc(px(path[n - 2]), py(path[n - 1]), 5, 0, 2 * Math.PI);
      ctx.fillStyle = '#ff3b30';
      ctx.fill();
      ctx.strokeStyle = '#fff';
      ctx.lineWidth = 1.5;
      ctx.stroke();
    }
    ctx.strokeStyle = '#666';
    ctx.lineWidth = 1;
    ctx.strokeRect(left, top, w, h);
    ctx.fillStyle = '#333';
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillText(short(x0), left, top + h + 13);
    const xr = short(x1);
    ctx.fillText(xr, left + w - ctx.measureText(xr).width, top + h + 13);
    ctx.fillText(labels[0], left + w / 2 - ctx.measureText(labels[0]).width / 2, top + h + 26);
    ctx.fillText(short(y1), 2, top + 10);
    ctx.fillText(short(y0), 2, top + h);
    ctx.save();
    ctx.translate(12, top + h / 2 + ctx.measureText(labels[1]).width / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.fillText(labels[1], 0, 0);
    ctx.restore();
    const n = path.length;
    const now = n >= 2 ? `now at (${short(path[n - 2])}, ${short(path[n - 1])})` : '';
    return `Loss landscape over ${labels[0]} and ${labels[1]} at epoch ${short(result.epoch)}: loss from ${short(lo)} (dark) to ${short(hi)} (yellow); the red line is the optimizer's path, ${n / 2} points, ${now}.`;
  }
}
