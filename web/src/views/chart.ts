/**
 * The loss chart: training loss (solid) and test loss (dashed) against epochs, y from 0 to the
 * largest loss seen. Renders the history it is given; keeps nothing.
 */
import type { HistoryPoint } from '../protocol.js';
import { fitCanvas, short } from './colors.js';

export class LossChartView {
  constructor(private readonly canvas: HTMLCanvasElement) {}

  render(history: readonly HistoryPoint[]): void {
    const { ctx, width, height } = fitCanvas(this.canvas, 150);
    const left = 42, right = 8, top = 8, bottom = 22;
    const w = width - left - right, h = height - top - bottom;
    ctx.strokeStyle = '#999';
    ctx.lineWidth = 1;
    ctx.strokeRect(left, top, w, h);
    ctx.fillStyle = '#444';
    ctx.font = '11px system-ui, sans-serif';
    if (history.length === 0) return;
    const last = history[history.length - 1].epoch;
    const xMax = Math.max(last, 1e-9);
    let yMax = 0;
    for (const p of history) for (const v of [p.trainLoss, p.testLoss]) if (Number.isFinite(v)) yMax = Math.max(yMax, v);
    yMax = yMax > 0 ? yMax * 1.05 : 1;
    const px = (e: number) => left + (e / xMax) * w;
    const py = (v: number) => top + h - (Math.min(v, yMax) / yMax) * h;
    const line = (key: 'trainLoss' | 'testLoss', colour: string, dash: number[]) => {
      ctx.beginPath();
      ctx.setLineDash(dash);
      let started = false;
      // At most ~2 points per pixel: long runs are drawn from a stride through the history.
      const stride = Math.max(1, Math.floor(history.length / (2 * w)));
      for (let i = 0; i < history.length; i += stride) {
        const v = history[i][key];
        if (!Number.isFinite(v)) continue;
        if (started) ctx.lineTo(px(history[i].epoch), py(v));
        else { ctx.moveTo(px(history[i].epoch), py(v)); started = true; }
      }
      const end = history[history.length - 1];
      if (Number.isFinite(end[key])) ctx.lineTo(px(end.epoch), py(end[key]));
      ctx.strokeStyle = colour;
      ctx.lineWidth = 1.8;
      ctx.stroke();
      ctx.setLineDash([]);
    };
    line('testLoss', '#888', [5, 3]);
    line('trainLoss', '#111', []);
    ctx.fillText(short(yMax), 4, top + 10);
    ctx.fillText('0', 30, top + h);
    ctx.fillText('epoch 0', left, height - 6);
    const endLabel = `${short(last)}`;
    ctx.fillText(endLabel, left + w - ctx.measureText(endLabel).width, height - 6);
    ctx.fillText('— train   - - test', left + w / 2 - 45, height - 6);
  }
}
