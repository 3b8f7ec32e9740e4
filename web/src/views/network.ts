/**
 * The network diagram: one column per layer, each neuron a small heat map of its activation over
 * the input square (inputs, hidden neurons, and the output's class score), joined by connections
 * whose thickness is |weight| and colour its sign (blue positive, orange negative). Renders a
 * snapshot; returns a one-paragraph text description for screen readers.
 */
import type { DenseNetworkSpec as NetworkSpec } from '../../../src/index.js';
import { BLUE, diverging, fitCanvas, heatImage, ORANGE, rgb, short } from './colors.js';

/** What "Explain a step" lights up: neurons as 'layer:index' (layer 0 = inputs), edges as 'layer:from:to' (layer = the Dense layer). */
export interface Highlight {
  neurons: ReadonlySet<string>;
  edges: ReadonlySet<string>;
  /** 'forward' lights in blue-green, 'backward' in red. */
  direction: 'forward' | 'backward';
}

/** Where the diagram put things, in CSS pixels of the canvas: the centre of each neuron's box. */
export interface NetworkGeometry {
  box: number;
  /** centres[c][r]: column c (0 = inputs), row r. Two softmax outputs share one box. */
  centres: [number, number][][];
}

export interface NetworkInput {
  spec: NetworkSpec;
  highlight?: Highlight | null;
  /** Per layer (inputs, then hidden layers), per neuron: activation over the grid. */
  neurons: Float32Array[][];
  boundary: Float32Array;
  gridSize: number;
  /** 'regress': the output box shows the predicted value around 0 (default: the class score around 0.5). */
  task?: 'classify' | 'regress';
  /** The input column's names (the features the network sees). */
  inputNames: readonly string[];
}

/** Maps a neuron's values to colours, symmetric around 0 so the sign reads as colour. */
function scaleFor(values: Float32Array): number {
  let m = 0;
  for (const v of values) if (Number.isFinite(v)) m = Math.max(m, Math.abs(v));
  return m > 0 ? m : 1;
}

export class NetworkView {
  /** The last drawing's layout (for the explain overlay). */
  geometry: NetworkGeometry | null = null;

  constructor(private readonly canvas: HTMLCanvasElement) {}

  render(v: NetworkInput): string {
    const columns = [v.neurons[0].length, ...v.spec.layers.map((l) => (l.activation === 'softmax' ? 1 : l.units))];
    const maxRows = Math.max(...columns);
    const box = 34, gapY = 14;
    const height = Math.max(180, maxRows * (box + gapY) + 30);
    const { ctx, width } = fitCanvas(this.canvas, height);
    // room on the right for the output's numbers when a step is explained
    const colX = (c: number) => 12 + (c * (width - 24 - box - 64)) / Math.max(1, columns.length - 1);
    const rowY = (c: number, r: number) => {
      const total = columns[c] * box + (columns[c] - 1) * gapY;
      return (height - 16 - total) / 2 + r * (box + gapY);
    };
    const hl = v.highlight ?? null;
    const glow = hl?.direction === 'backward' ? '#d62728' : '#17a589';
    // A connection: a curve whose colour is the weight's sign and whose thickness is its size.
    const connect = (x0: number, y0: number, x1: number, y1: number, weight: number, lit = false): void => {
      ctx.beginPath();
      ctx.moveTo(x0, y0);
      ctx.bezierCurveTo((x0 + x1) / 2, y0, (x0 + x1) / 2, y1, x1, y1);
      if (lit) {
        ctx.strokeStyle = glow;
        ctx.lineWidth = 3;
        ctx.stroke();
        return;
      }
      ctx.strokeStyle = rgb(weight >= 0 ? BLUE : ORANGE, hl ? 0.18 : Math.min(1, 0.25 + Math.abs(weight) / 2));
      ctx.lineWidth = Math.min(8, 0.5 + 1.6 * Math.abs(weight));
      ctx.stroke();
    };
    const rows = (c: number) => (c === columns.length - 1 && v.spec.layers[v.spec.layers.length - 1].activation === 'softmax' ? 2 : columns[c]);
    const centre = (c: number, r: number): [number, number] => {
      const shared = columns[c] === 1 && rows(c) === 2;
      return [colX(c) + box / 2, rowY(c, shared ? 0 : r) + box / 2 + (shared ? (r === 0 ? -9 : 9) : 0)];
    };
    this.geometry = { box, centres: columns.map((_, c) => Array.from({ length: rows(c) }, (_, r) => centre(c, r))) };
    // connections first, under the boxes
    let biggest = 0;
    v.spec.layers.forEach((layer, k) => {
      const w = layer.weights ?? [];
      const rows = layer.activation === 'softmax' ? 0 : w.length;
      for (let j = 0; j < rows; j++) {
        for (let i = 0; i < w[j].length; i++) {
          const weight = w[j][i];
          biggest = Math.max(biggest, Math.abs(weight));
          connect(colX(k) + box, rowY(k, i) + box / 2, colX(k + 1), rowY(k + 1, j) + box / 2, weight);
        }
      }
      // lit edges last, on top (softmax pairs included: both units draw to the one box)
      if (hl) {
        for (let j = 0; j < w.length; j++) {
          for (let i = 0; i < w[j].length; i++) {
            if (!hl.edges.has(`${k}:${i}:${j}`)) continue;
            const [x1, y1] = centre(k + 1, j);
            connect(colX(k) + box, rowY(k, i) + box / 2, x1 - box / 2, y1, w[j][i], true);
          }
        }
      }
      if (layer.activation === 'softmax' && w.length === 2) {
        // Two softmax units act as one score: draw the difference of their weights (what decides the class).
        for (let i = 0; i < w[0].length; i++) {
          connect(colX(k) + box, rowY(k, i) + box / 2, colX(k + 1), rowY(k + 1, 0) + box / 2, w[1][i] - w[0][i]);
        }
      }
    });
    // neuron boxes
    ctx.imageSmoothingEnabled = true;
    ctx.font = '10px system-ui, sans-serif';
    ctx.fillStyle = '#333';
    const hiddenNames = (k: number, j: number) => (v.spec.layers.length === 2 ? `h${j + 1}` : `h${k + 1}_${j + 1}`);
    v.neurons.forEach((layer, c) => {
      layer.forEach((values, r) => {
        const s = scaleFor(values);
        ctx.drawImage(heatImage(values, v.gridSize, (x) => diverging(x / s)), colX(c), rowY(c, r), box, box);
        ctx.strokeStyle = '#666';
        ctx.lineWidth = 1;
        ctx.strokeRect(colX(c), rowY(c, r), box, box);
        ctx.fillText(c === 0 ? v.inputNames[r] : hiddenNames(c - 1, r), colX(c), rowY(c, r) + box + 10);
      });
    });
    const outC = columns.length - 1;
    ctx.drawImage(heatImage(v.boundary, v.gridSize, (x) => diverging(v.task === 'regress' ? x : 2 * x - 1)), colX(outC), rowY(outC, 0), box, box);
    ctx.strokeRect(colX(outC), rowY(outC, 0), box, box);
    ctx.fillText('output', colX(outC), rowY(outC, 0) + box + 10);
    if (hl) {
      // lit neurons: a ring around the box
      ctx.strokeStyle = glow;
      ctx.lineWidth = 3;
      for (let c = 0; c < columns.length; c++) {
        for (let r = 0; r < rows(c); r++) {
          if (!hl.neurons.has(`${c}:${r}`)) continue;
          const y = columns[c] === 1 ? rowY(c, 0) : rowY(c, r);
          ctx.strokeRect(colX(c) - 3, y - 3, box + 6, box + 6);
        }
      }
    }
    const hidden = v.spec.layers.slice(0, -1).map((l) => `${l.units} ${l.activation}`).join(', ') || 'none';
    return `Network diagram: 2 inputs, hidden layers ${hidden}, one output score. Each neuron shows its activation over the input square; connection thickness is the weight's size (largest ${short(biggest)}), blue positive, orange negative.`;
  }
}
