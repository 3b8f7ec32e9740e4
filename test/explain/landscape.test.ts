import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../../src/index.js';
import { PNG } from 'pngjs';
import { landscape } from '../../src/explain/landscape.js';
import { svgToPng } from '../../src/cli/png.js';
import { contourSegments, renderLandscapeSvg, renderLandscapeText, ticks, viridis } from '../../src/explain/plot.js';
import { engineGradient } from '../../src/explain/engine.js';
import { builtinDataset } from '../../src/data/index.js';
import type { NetworkSpec } from '../../src/spec/index.js';
import { SEED000, OR_DATA, SEED004 } from './fixtures.js';

const setWeights = (spec: NetworkSpec, w: number[][]): NetworkSpec => ({ ...spec, layers: [{ ...spec.layers[0], weights: w, bias: [0] }] });

test('seed 000: MSE of the OR neuron over (w1, w2), bias 0, starting on the hill top at (−4, −4)', () => {
  const land = landscape(SEED000, builtinDataset('or'), { fixBias: true, grid: 41, dataName: 'or', path: { optimizer: 'adam', learningRate: 0.1, steps: 100 } });
  assert.deepEqual(land.params, ['layers.0.weight[0][0]', 'layers.0.weight[0][1]']);
  assert.deepEqual([land.xs[0], land.xs[40], land.ys[0], land.ys[40]], [-10, 10, -10, 10]);
  // at (−4, −4): predictions 0.5, σ(−4), σ(−4), σ(−8) against 0, 1, 1, 1
  const s = (z: number) => 1 / (1 + Math.exp(-z));
  const expected = (0.5 ** 2 + 2 * (s(-4) - 1) ** 2 + (s(-8) - 1) ** 2) / 4;
  assert.ok(Math.abs(land.current.loss - expected) < 1e-15);
  assert.equal(Number(land.current.loss.toFixed(4)), 0.7945);
  // the hill top: nearly the highest loss on the map (the highest, 0.8125, is at (−10, −10))
  assert.ok(land.current.loss > 0.97 * land.max.loss);
  assert.deepEqual([land.max.x, land.max.y], [-10, -10]);
  // with the bias at 0, input (0, 0) always gives 0.5: the floor is 0.25/4 = 0.0625
  assert.ok(land.min.loss >= 0.0625 && land.min.loss < 0.0626);
  // the route goes downhill to the valley in the top right
  const pts = land.path!.points;
  assert.equal(pts.length, 101);
  assert.deepEqual([pts[0].x, pts[0].y], [-4, -4]);
  assert.ok(pts[100].loss < 0.07 && pts[100].x > 0 && pts[100].y > 0);
});

test('the grid values equal the loss computed directly (by the engine) at sampled points', () => {
  const land = landscape(SEED000, OR_DATA, { fixBias: true, grid: 21, range: [-6, 6] });
  const n = land.xs.length;
  for (const [r, c] of [[0, 0], [3, 17], [10, 10], [20, 5], [7, 20]]) {
    const spec = setWeights(SEED000, [[land.xs[c], land.ys[r]]]);
    const engine = engineGradient(spec, OR_DATA).loss;
    assert.ok(Math.abs(land.values[r * n + c] - engine) < 1e-12, `(${land.xs[c]}, ${land.ys[r]}): grid ${land.values[r * n + c]}, engine ${engine}`);
  }
});

test('any two parameters, per-axis ranges, and the rest held at their values', () => {
  const data = { inputs: [[0.5, -0.5], [0.3, 0.4]], targets: [[0.9, 0.1], [0.9, 0.9]] };
  const land = landscape(SEED004, data, { params: ['layers.1.weight[0][1]', 'b2'], range: { x: [-1, 3], y: [-2, 2] }, grid: 5 });
  assert.deepEqual(land.params, ['layers.1.weight[0][1]', 'layers.0.bias[1]']);
  assert.deepEqual(land.xs, [-1, 0, 1, 2, 3]);
  assert.deepEqual([land.current.x, land.current.y], [0.9, -0.02]);
  const moved: NetworkSpec = JSON.parse(JSON.stringify(SEED004));
  moved.layers[1].weights![0][1] = 2;
  moved.layers[0].bias![1] = 1;
  assert.ok(Math.abs(land.values[3 * 5 + 3] - engineGradient(moved, data).loss) < 1e-12);
  assert.throws(() => landscape(SEED004, data, { params: ['w1', 'w1'] }), /must differ/);
  assert.throws(() => landscape(SEED004, data, { params: ['w1', 'b1'], fixBias: true }), /cannot be an axis/);
  assert.throws(() => landscape(SEED004, data, { range: [3, 1] }), /low < high/);
  assert.throws(() => landscape(SEED004, data, { grid: 1 }), /grid must be a whole number from 2/);
  assert.throws(() => landscape(SEED004, data, { path: { optimizer: 'newton' } }), /unknown optimizer 'newton'/);
});

test('the PNG (the SVG rendered by resvg) is a valid image of the requested size with the heat map\'s colours', async () => {
  const land = landscape(SEED000, OR_DATA, { fixBias: true, grid: 31, dataName: 'or', path: { optimizer: 'sgd', learningRate: 5, steps: 50 } });
  const bytes = await svgToPng(renderLandscapeSvg(land, 660, 600));
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.equal(bytes.toString('ascii', 12, 16), 'IHDR');
  assert.deepEqual([bytes.readUInt32BE(16), bytes.readUInt32BE(20)], [660, 600]);
  const back = PNG.sync.read(bytes);
  assert.deepEqual([back.width, back.height], [660, 600]);
  // the bottom-left corner of the plot (−10, −10) is the highest loss: viridis yellow
  const px = (x: number, y: number) => [...back.data.subarray((y * 660 + x) * 4, (y * 660 + x) * 4 + 3)];
  const top = viridis(1);
  const corner = px(64 + 3, 44 + 476 - 4);
  corner.forEach((v, k) => assert.ok(Math.abs(v - top[k]) <= 6, `corner ${corner} vs ${top}`));
});

test('the landscape SVG\'s title and its start label are on separate lines (they used to overlap)', () => {
  const land = landscape(SEED000, OR_DATA, { fixBias: true, grid: 11, dataName: 'or', path: { optimizer: 'adam', steps: 20 } });
  const svg = renderLandscapeSvg(land, 660, 600);
  const title = /<text x="[\d.]+" y="([\d.]+)" font-size="15" font-weight="bold">mse on or/.exec(svg)!;
  const start = /<text x="[\d.]+" y="([\d.]+)">start \(-4, -4\): loss/.exec(svg)!;
  assert.ok(title && start, 'both labels are there');
  assert.ok(Number(start[1]) - Number(title[1]) >= 14, `title at y ${title[1]}, start label at y ${start[1]}`);
  // without a route, the ringed point is the network's own weights, not a "start"
  assert.match(renderLandscapeSvg(landscape(SEED000, OR_DATA, { fixBias: true, grid: 11 })), />the network \(-4, -4\): loss/);
});

test('the SVG is well-formed, sized, and has the heat map, contours, start and route', () => {
  const land = landscape(SEED000, OR_DATA, { fixBias: true, grid: 11, path: { optimizer: 'adam', steps: 20 } });
  const svg = renderLandscapeSvg(land, 500, 450);
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="500" height="450" viewBox="0 0 500 450"/);
  assert.ok(svg.trim().endsWith('</svg>'));
  assert.equal((svg.match(/<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="[\d.]+" fill="#[0-9a-f]{6}"\/>/g) ?? []).length >= 121, true);
  assert.match(svg, /<path class="contours" d="M/);
  assert.match(svg, /<circle class="current"/);
  assert.match(svg, /<polyline class="path" points="/);
  // balanced tags
  const opens = (svg.match(/<(svg|g|defs|title|text)\b/g) ?? []).length;
  const closes = (svg.match(/<\/(svg|g|defs|title|text)>/g) ?? []).length;
  assert.equal(opens, closes);
});

test('the text map: plain ASCII without colour, 24-bit colour with it, start and route marked', () => {
  const land = landscape(SEED000, OR_DATA, { fixBias: true, grid: 41, path: { optimizer: 'adam', steps: 60 } });
  const plain = renderLandscapeText(land, { color: false });
  assert.ok(!plain.includes('\x1b['));
  assert.ok(plain.includes('O') && plain.includes('*') && plain.includes('X'));
  const lines = plain.split('\n');
  assert.ok(lines[1].includes('@') === false && lines.at(-5)!.includes('@'), 'high loss (@) at the bottom left, low at the top right');
  const colour = renderLandscapeText(land, { color: true });
  assert.match(colour, /\x1b\[38;2;\d+;\d+;\d+m\x1b\[48;2;\d+;\d+;\d+m▀/);
  assert.ok(colour.includes('●'));
});

test('contours and ticks', () => {
  const land = landscape(SEED000, OR_DATA, { fixBias: true, grid: 21 });
  const level = (land.min.loss + land.max.loss) / 2;
  const segs = contourSegments(land, level);
  assert.ok(segs.length > 10);
  // every segment end lies on a cell edge where the interpolated loss equals the level
  const n = land.xs.length;
  for (const [c0, r0] of segs.slice(0, 20)) {
    const c = Math.floor(c0), r = Math.floor(r0), fc = c0 - c, fr = r0 - r;
    const v = (i: number, j: number) => land.values[Math.min(j, n - 1) * n + Math.min(i, n - 1)];
    const val = fc > 0 ? v(c, r) * (1 - fc) + v(c + 1, r) * fc : v(c, r) * (1 - fr) + v(c, r + 1) * fr;
    assert.ok(Math.abs(val - level) < 1e-9);
  }
  assert.deepEqual(ticks(-10, 10), [-10, -5, 0, 5, 10]);
  assert.deepEqual(ticks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
});
