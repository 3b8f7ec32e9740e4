/**
 * The decision boundary: the network's class-1 score over the input square as a heat map, with the
 * training points (white rim) and test points (dark rim) on top and the point picked for "Explain a
 * step" ringed. Renders a snapshot; it keeps only the geometry needed to map clicks to points.
 */
import type { Domain, ExperimentData } from '../experiment.js';
import { BLUE, diverging, fitCanvas, heatImage, ORANGE, rgb, short } from './colors.js';

export interface BoundaryInput {
  data: ExperimentData;
  /** Class-1 scores, gridSize² values from the top-left; null before the first snapshot. */
  scores: Float32Array | null;
  gridSize: number;
  /** Index of the training point being explained, or null. */
  picked: number | null;
  showTest: boolean;
}

/** A score's colour: classes around 0.5, a regression set's value around 0 (both orange low, blue high). */
export function scoreColour(task: 'classify' | 'regress', v: number): [number, number, number] {
  return diverging(task === 'regress' ? v : 2 * v - 1);
}

export class BoundaryView {
  private domain: Domain | null = null;
  private side = 0;

  constructor(private readonly canvas: HTMLCanvasElement) {}

  render(v: BoundaryInput): void {
    // The element's own CSS box (square by aspect-ratio) decides the size; the backing store follows it.
    const fit = fitCanvas(this.canvas);
    const { ctx } = fit;
    const width = Math.min(fit.width, fit.height);
    const d = v.data.domain;
    this.domain = d;
    this.side = width;
    if (v.scores) {
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(heatImage(v.scores, v.gridSize, (s) => scoreColour(v.data.task, s)), 0, 0, width, width);
    } else {
      ctx.fillStyle = '#f3f4f5';
      ctx.fillRect(0, 0, width, width);
    }
    // axes through 0 when visible, and the domain's edges as tick labels
    ctx.strokeStyle = 'rgba(0,0,0,0.15)';
    ctx.lineWidth = 1;
    const [ox, oy] = this.toPixel(0, 0);
    if (ox > 0 && ox < width) { ctx.beginPath(); ctx.moveTo(ox, 0); ctx.lineTo(ox, width); ctx.stroke(); }
    if (oy > 0 && oy < width) { ctx.beginPath(); ctx.moveTo(0, oy); ctx.lineTo(width, oy); ctx.stroke(); }
    const radius = Math.max(3, Math.min(6, width / 90));
    const drawPoints = (x: number[][], labels: number[], rim: string) => {
      for (let i = 0; i < x.length; i++) {
        const [px, py] = this.toPixel(x[i][0], x[i][1]);
        ctx.beginPath();
        ctx.arc(px, py, radius, 0, 2 * Math.PI);
        ctx.fillStyle = rgb(v.data.task === 'regress' ? diverging(labels[i]) : labels[i] > 0.5 ? BLUE : ORANGE);
        ctx.fill();
        ctx.strokeStyle = rim;
        ctx.lineWidth = 1.2;
        ctx.stroke();
      }
    };
    if (v.showTest) drawPoints(v.data.test.x, v.data.test.label, '#222');
    drawPoints(v.data.train.x, v.data.train.label, '#fff');
    if (v.picked !== null && v.picked < v.data.train.x.length) {
      const [px, py] = this.toPixel(v.data.train.x[v.picked][0], v.data.train.x[v.picked][1]);
      ctx.beginPath();
      ctx.arc(px, py, radius + 5, 0, 2 * Math.PI);
      ctx.strokeStyle = '#111';
      ctx.lineWidth = 2.5;
      ctx.stroke();
    }
    ctx.fillStyle = 'rgba(0,0,0,0.6)';
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillText(`${v.data.inputNames[0]} ${short(d.xMin)} … ${short(d.xMax)}`, 6, width - 6);
    ctx.save();
    ctx.translate(14, width - 24);
    ctx.rotate(-Math.PI / 2);
    ctx.fillText(`${v.data.inputNames[1]} ${short(d.yMin)} … ${short(d.yMax)}`, 0, 0);
    ctx.restore();
  }

  private toPixel(x: number, y: number): [number, number] {
    const d = this.domain!;
    return [((x - d.xMin) / (d.xMax - d.xMin)) * this.side, ((d.yMax - y) / (d.yMax - d.yMin)) * this.side];
  }

  /** The training point nearest a click (CSS pixels in the canvas), or null if none is close. */
  pointAt(data: ExperimentData, px: number, py: number): number | null {
    if (!this.domain) return null;
    let best: number | null = null, bestD = 14 * 14;
    data.train.x.forEach(([x, y], i) => {
      const [qx, qy] = this.toPixel(x, y);
      const dd = (qx - px) ** 2 + (qy - py) ** 2;
      if (dd < bestD) { bestD = dd; best = i; }
    });
    return best;
  }
}
