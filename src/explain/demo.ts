/**
 * The guided tour behind `backprop demo`: each article's example worked with the real library and
 * its real numbers, as chapters of text plus the pictures they draw (the OR neuron and its
 * landscape, the AND neuron with cross-entropy, g = x·y + z, the y = 2x line and its derivative, the
 * 2-2-2 step, XOR needing a hidden layer). Browser-safe: chapters return text and images; the CLI
 * decides about pausing, colours and writing the files.
 */
import { Network } from '../train/network.js';
import { SGD } from '../optim/index.js';
import type { NetworkSpec } from '../spec/index.js';
import { fmt, fmtFactor, width as textWidth, wrapText } from './format.js';
import { explain } from './trace.js';
import { renderText } from './render.js';
import { traceExpression } from './expr.js';
import { renderExpressionText } from './render-expr.js';
import { renderDot, renderGraphSvg } from './graph.js';
import { perturbationTable, renderPerturbationText } from './gradcheck.js';
import { landscape } from './landscape.js';
import { renderLandscapeSvg, renderLandscapeText } from './plot.js';
import { resolveSpec } from './spec.js';
import { lossAndGradient } from './engine.js';

/** A file a chapter draws: text (SVG, DOT, Markdown); for a .png name, an SVG the caller renders to PNG. */
export interface DemoFile {
  name: string;
  content: string;
  what: string;
}

export interface DemoChapter {
  title: string;
  /** Runs the chapter's computations and returns what to show. */
  run(): { text: string; files: DemoFile[] };
}

export interface DemoOptions {
  /** Colour text heat maps for a terminal (default false). */
  color?: boolean;
  /** Columns of the terminal: the 2-2-2 trace's tables fit it (default: full width, as the article prints). */
  width?: number;
}

const GATE_INPUTS = [[0, 0], [0, 1], [1, 0], [1, 1]];
const f4 = (x: number): string => fmt(x, 4);

/** Seed 000's neuron: w = (−4, −4), b = 0, judged by MSE. */
export const OR_NEURON: NetworkSpec = { inputs: 2, layers: [{ units: 1, activation: 'sigmoid', weights: [[-4, -4]], bias: [0] }], loss: 'mse' };
/** Seed 004's 2-2-2 network. */
export const TWO_TWO_TWO: NetworkSpec = {
  inputs: 2,
  layers: [
    { units: 2, activation: 'sigmoid', weights: [[0.1, -0.2], [0.3, 0.55]], bias: [0.01, -0.02] },
    { units: 2, activation: 'sigmoid', weights: [[0.37, 0.9], [-0.22, -0.12]], bias: [0.31, 0.27] },
  ],
  loss: 'mse',
};

function orChapter(o: DemoOptions): DemoChapter {
  return {
    title: 'One neuron learns OR (seed 000)',
    run() {
      const targets = [[0], [1], [1], [1]];
      const data = { inputs: GATE_INPUTS, targets };
      const start = new Network({ ...OR_NEURON, dtype: 'float64' });
      const y10 = start.predict([[1, 0]])[0][0];
      const land = landscape(OR_NEURON, data, { fixBias: true, dataName: 'or', path: { optimizer: 'adam', learningRate: 0.1, steps: 100 } });
      const textLand = landscape(OR_NEURON, data, { fixBias: true, dataName: 'or', grid: 41, path: { optimizer: 'adam', learningRate: 0.1, steps: 100 } });
      // The article's update w += η(t − y)σ'x is gradient descent on ½(t − y)²; our mse (y − t)² has
      // twice that gradient, so its η = 0.5 is our 0.25 (the examples/ folder shows the fit).
      const sgd = new Network({ ...OR_NEURON, dtype: 'float64' });
      sgd.learn(GATE_INPUTS, targets, { epochs: 1544, learningRate: 0.25, optimizer: 'sgd', batchSize: 1, shuffle: false });
      const out = sgd.predict(GATE_INPUTS).map((r) => r[0]);
      const target = sgd.evaluate(GATE_INPUTS, targets).loss;
      const adam = new Network({ ...OR_NEURON, dtype: 'float64' });
      const adamHistory = adam.learn(GATE_INPUTS, targets, { epochs: 1544, learningRate: 0.1, optimizer: 'adam', batchSize: 1, shuffle: false, tolerance: target });
      const article = [0.080855, 0.950012, 0.949906, 0.999756];
      const end = land.path!.points[land.path!.points.length - 1];
      const text = [
        'A neuron computes y = σ(w1·x1 + w2·x2 + b). Start at w = (-4, -4), b = 0, and ask it 1 OR 0:',
        `  z = (-4)·1 + (-4)·0 + 0 = -4,   y = σ(-4) = ${fmt(y10, 4)}`,
        '  — the answer is 1: almost exactly wrong.',
        '',
        'The loss landscape: the mean squared error over the four OR rows as w1 and w2 vary, bias fixed at 0.',
        renderLandscapeText(textLand, { color: o.color }).trimEnd(),
        '',
        `We start on the hill top: loss ${f4(land.current.loss)}, close to the highest on the map (${f4(land.max.loss)}).`,
        `The gradient points downhill; Adam (learning rate 0.1) walks to (${fmt(end.x, 3)}, ${fmt(end.y, 3)}) in 100 steps, loss ${f4(end.loss)}.`,
        'With the bias held at 0 the floor is 0.0625: input (0, 0) always gives σ(0) = 0.5. Training the bias too removes it:',
        '',
        'Online gradient descent (one row at a time), learning rate 0.25, 1544 epochs, bias learning too:',
        ...GATE_INPUTS.map((x, i) => `  Input: [${x.join(', ')}], Output: ${out[i].toFixed(6)}, Expected: ${targets[i][0]}   (the article: ${article[i]})`),
        `Adam (learning rate 0.1) reaches the same loss (${target.toExponential(2)}) in ${adamHistory.epochs.length} epochs instead of 1544.`,
      ].join('\n');
      return {
        text,
        files: [
          { name: 'or-landscape.png', content: renderLandscapeSvg(land), what: 'the OR landscape with Adam\'s route (PNG)' },
          { name: 'or-landscape.svg', content: renderLandscapeSvg(land), what: 'the same as SVG' },
        ],
      };
    },
  };
}

function andChapter(): DemoChapter {
  return {
    title: 'AND with cross-entropy (seed 001)',
    run() {
      const targets = [[0], [0], [0], [1]];
      const spec: NetworkSpec = { inputs: 2, layers: [{ units: 1, activation: 'sigmoid', weights: [[0, 0]], bias: [0] }], loss: 'bce' };
      const g0 = lossAndGradient(resolveSpec('demo', spec), { inputs: GATE_INPUTS, targets }).gradient;
      const net = new Network({ ...spec, dtype: 'float64' });
      const history = net.learn(GATE_INPUTS, targets, { epochs: 100, learningRate: 5, optimizer: 'sgd', batchSize: 'full' });
      const out = net.predict(GATE_INPUTS).map((r) => r[0]);
      const layer = net.toJSON().layers[0];
      const article = [0, 0.04, 0.04, 0.944];
      const land = landscape(net.toJSON(), { inputs: GATE_INPUTS, targets }, { params: ['w1', 'b1'], range: { x: [-2, 12], y: [-16, 4] }, dataName: 'and' });
      const text = [
        'Binary cross-entropy L = −(1/n) Σ [t·ln y + (1 − t)·ln(1 − y)] with a sigmoid output has a gradient with',
        'no σ\' in it: ∂L/∂w_j = −(1/n) Σ (t − y)·x_j. At w = (0, 0), b = 0 every output is 0.5, so',
        `  ∂L/∂w1 = ${f4(g0[0])}, ∂L/∂w2 = ${f4(g0[1])}, ∂L/∂b = ${f4(g0[2])}: the first step only lowers the bias.`,
        '',
        'Full-batch gradient descent, learning rate 5, 100 iterations:',
        '  x1 x2 | y(x)  | the article',
        ...GATE_INPUTS.map((x, i) => `   ${x[0]}  ${x[1]} | ${out[i].toFixed(3)} | ${article[i].toFixed(3)}`),
        `weights ${layer.weights![0].map((w) => fmt(w, 3)).join(', ')}, bias ${fmt(layer.bias![0], 3)}   (the article: 6.01 and −9.2);`,
        `final loss ${fmt(history.epochs[history.epochs.length - 1].loss, 3)}. The bias outweighs one input but not two: that is AND.`,
      ].join('\n');
      return { text, files: [{ name: 'and-landscape.png', content: renderLandscapeSvg(land), what: 'cross-entropy of the trained AND neuron over (w1, b)' }] };
    },
  };
}

function graphChapter(): DemoChapter {
  return {
    title: 'The chain rule on g = x·y + z (seed 002)',
    run() {
      const t = traceExpression('x*y + z', { x: 3, y: -4, z: 2 }, { learningRate: 0.1 });
      const text = [
        'Forward, each node computes its value; backward, each multiplies the gradient arriving from above by its',
        'local gradient and passes it on. One step against the gradient lowers g by 2.72.',
        '',
        renderExpressionText(t).trimEnd(),
      ].join('\n');
      return {
        text,
        files: [
          { name: 'xyz-graph.svg', content: renderGraphSvg(t), what: 'the graph with values and gradients (SVG)' },
          { name: 'xyz-graph.dot', content: renderDot(t), what: 'the same for Graphviz (dot -Tpng xyz-graph.dot)' },
        ],
      };
    },
  };
}

function lineChapter(): DemoChapter {
  return {
    title: 'The line y = 2x and its derivative (seed 003)',
    run() {
      const xs = [0, 1, 2, 3, 4];
      const data = { inputs: xs.map((x) => [x]), targets: xs.map((x) => [2 * x]) };
      const spec: NetworkSpec = { inputs: 1, layers: [{ units: 1, activation: 'linear', weights: [[3]], bias: [0] }], loss: 'sse' };
      const table = perturbationTable(spec, data, 'w1', 0.0001);
      // The article's model is y = W·x with no bias: train the weight alone (the bias stays 0).
      const net = new Network({ ...spec, dtype: 'float64' });
      const w = net.layers[0].weight;
      const ws = [w.data[0]];
      net.learn(data.inputs, data.targets, { epochs: 8, optimizer: new SGD([w], { lr: 0.01 }), batchSize: 'full', onEpochEnd: () => { ws.push(w.data[0]); } });
      const land = landscape(spec, data, { params: ['w1', 'b1'], range: { x: [-1, 5], y: [-4, 4] }, dataName: 'double', path: { optimizer: 'sgd', learningRate: 0.01, steps: 40 } });
      const text = [
        'Model y = W·x with W = 3 against the data y = 2x; loss: the sum of squared errors. Nudge W and watch the loss:',
        '',
        // one space of indent instead of two keeps the six-column table within 80 columns
        renderPerturbationText(table).trimEnd().replace(/^ {2}/gm, ' '),
        '',
        'Gradient descent with learning rate 0.01 (W ← W − 0.01·∂L/∂W), W alone:',
        `  W: ${ws.map((v) => fmt(v, 5)).join(' → ')}`,
        '  each step removes 60% of the distance to 2, because ∂L/∂W = 60·(W − 2) here.',
      ].join('\n');
      return { text, files: [{ name: 'line-landscape.png', content: renderLandscapeSvg(land), what: 'SSE over (W, b) with plain gradient descent on both' }] };
    },
  };
}

function stepChapter(o: DemoOptions): DemoChapter {
  return {
    title: 'One step through a 2-2-2 network, by hand (seed 004)',
    run() {
      const trace = explain(TWO_TWO_TWO, [0.5, -0.5], [0.9, 0.1], { learningRate: 1.2 });
      const w = trace.steps[0].params.find((p) => p.param === 'layers.1.weight[0][0]')!;
      const text = [
        'Input (0.5, -0.5), target (0.9, 0.1), sigmoid everywhere, learning rate 1.2. Every number of one step:',
        '(the article rounds as it goes and prints 0.7164 and 0.5238 for the outputs; unrounded they are 0.7165 and 0.5239)',
        '',
        renderText(trace, { width: o.width }).trimEnd(),
        '',
        `So w(h1→y1) becomes 0.37 − 1.2 · (${w.factors.map((x, i) => (i === 0 ? fmt(x.value, 4) : fmtFactor(x.value, 4))).join(' · ')}) = 0.37 − 1.2 · ${fmtFactor(w.gradient, 4)} = ${f4(w.after)},`,
        'as in the article; the hidden weight w(x1→h1) becomes 0.1055 the same way, through the sum over both outputs.',
      ].join('\n');
      return { text, files: [] };
    },
  };
}

function xorChapter(o: DemoOptions): DemoChapter {
  return {
    title: 'XOR needs a hidden layer',
    run() {
      const targets = [[0], [1], [1], [0]];
      const right = (out: number[]): number => out.filter((v, i) => v !== 0.5 && (v > 0.5 ? 1 : 0) === targets[i][0]).length;
      // One neuron from seed 000's start, w = (-4, -4), b = 0: record its best moment on the way.
      const single = new Network({ inputs: 2, layers: [{ units: 1, activation: 'sigmoid', weights: [[-4, -4]], bias: [0] }], loss: 'bce', dtype: 'float64' });
      let best = { correct: -1, epoch: 0, out: [] as number[] };
      single.learn(GATE_INPUTS, targets, {
        epochs: 2000, learningRate: 1, optimizer: 'sgd', batchSize: 'full', shuffle: false,
        onEpochEnd: (e) => {
          const out = single.predict(GATE_INPUTS).map((r) => r[0]);
          if (right(out) > best.correct) best = { correct: right(out), epoch: e.epoch, out };
        },
      });
      const hidden = new Network({ inputs: 2, layers: [{ units: 4, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }], loss: 'bce', seed: 1, dtype: 'float64' });
      hidden.learn(GATE_INPUTS, targets, { epochs: 2000, learningRate: 1, batchSize: 'full' });
      const one = single.evaluate(GATE_INPUTS, targets), two = hidden.evaluate(GATE_INPUTS, targets);
      const o1 = single.predict(GATE_INPUTS).map((r) => r[0]), o2 = hidden.predict(GATE_INPUTS).map((r) => r[0]);
      const w = single.toJSON().layers[0];
      const land = landscape(single.toJSON(), { inputs: GATE_INPUTS, targets }, { dataName: 'xor', grid: 41, range: [-8, 8] });
      const cell = (v: number): string => (Math.abs(v - 0.5) < 5e-4 ? '0.500 (?)' : v.toFixed(3));
      const text = [
        'One neuron draws one straight line between its two answers; no line puts (0,1) and (1,0)',
        'on one side and (0,0) and (1,1) on the other, so at best it gets 3 of the 4 rows right.',
        'One neuron from seed 000\'s start w = (-4, -4), b = 0, and a 2-4-1 network (tanh hidden',
        'layer), both trained with cross-entropy, full batch, learning rate 1, 2000 epochs:',
        '',
        `  x1 x2 | t | one neuron, epoch ${String(best.epoch).padEnd(4)} | one neuron, epoch 2000 | 2-4-1`,
        ...GATE_INPUTS.map((x, i) => `   ${x[0]}  ${x[1]} | ${targets[i][0]} | ${best.out[i].toFixed(3).padEnd(22)} | ${cell(o1[i]).padEnd(22)} | ${o2[i].toFixed(3)}`),
        `${'  right'.padEnd(14)}${`${best.correct} of 4 (its best)`.padEnd(22)} | ${`${right(o1)} of 4`.padEnd(22)} | ${right(o2)} of 4`,
        '',
        `The neuron's best, ${best.correct} of 4, is at epoch ${best.epoch}; training goes on lowering the loss, and for one`,
        `neuron the loss is lowest where every answer is 0.5 (?: undecided): at epoch 2000 its weights`,
        `are ${fmt(w.weights![0][0], 2)} and ${fmt(w.weights![0][1], 2)}, bias ${fmt(w.bias![0], 2)}, loss ${fmt(one.loss, 4)} = ln 2. With a hidden layer the loss`,
        `falls to ${fmt(two.loss, 3)} and all ${right(o2)} rows are right (accuracy ${fmt(two.accuracy! * 100, 3)}%).`,
        '',
        'The neuron\'s landscape over its two weights (bias at its trained value): no valley gets all',
        'four right; O marks where training left the weights, at the floor ln 2 = 0.693:',
        renderLandscapeText(land, { color: o.color, columns: 33 }).trimEnd(),
      ].join('\n');
      return { text, files: [{ name: 'xor-one-neuron.png', content: renderLandscapeSvg(land), what: 'one neuron\'s cross-entropy on XOR over (w1, w2)' }] };
    },
  };
}

/**
 * The demo's chapters in order; each computes when run.
 * @example for (const c of demoChapters()) console.log(c.title, c.run().text)
 */
export function demoChapters(options: DemoOptions = {}): DemoChapter[] {
  return [orChapter(options), andChapter(), graphChapter(), lineChapter(), stepChapter(options), xorChapter(options)];
}

/**
 * A chapter's lines laid out for a terminal: prose lines longer than `width` wrap at spaces (lines
 * that look like tables or maps, with runs of spaces or box characters, are left alone), then the
 * lines are cut into pages of at most `rows` lines, preferably at a blank line, so that each page
 * and a pause prompt fit the screen.
 * @example demoPages(lines, { rows: 38, width: 80 }).every((p) => p.length <= 38) // true
 */
export function demoPages(lines: readonly string[], o: { rows: number; width: number }): string[][] {
  const wrapped = lines.flatMap((l) => {
    if (textWidth(l) <= o.width || /\S {2,}\S|[▀●◆│|]/.test(l.trim())) return [l];
    return wrapText(l, o.width, /^\s/.test(l) ? '  ' : '');
  });
  const rows = Math.max(5, o.rows);
  const pages: string[][] = [];
  let start = 0;
  while (start < wrapped.length) {
    let end = Math.min(wrapped.length, start + rows);
    if (end < wrapped.length) {
      // break after the last blank line in the second half of the page, if there is one
      for (let k = end - 1; k > start + rows / 2; k--) if (wrapped[k].trim() === '') { end = k + 1; break; }
    }
    pages.push(wrapped.slice(start, end));
    start = end;
    // a new page does not start with blank lines
    while (start < wrapped.length && wrapped[start].trim() === '') start++;
  }
  return pages;
}
