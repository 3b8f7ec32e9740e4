/**
 * `backprop landscape`: the loss over a grid of two parameters (the rest held fixed) as a heat map
 * with contours, the network's current point ringed and, with --path, the route an optimizer takes
 * from it. PNG (the SVG rendered by resvg, src/cli/png.ts) or SVG with --out; JSON with --out x.json; in a terminal, a coloured text map.
 */
import { existsSync } from 'node:fs';
import { writeFileAtomicSync } from '../../io/model-file.js';
import { checkOutputs, outputFile } from '../outputs.js';
import type { Command } from 'commander';
import { action, parseNumber, UsageError } from '../run.js';
import { landscape, type LandscapeOptions } from '../../explain/landscape.js';
import { renderLandscapeSvg, renderLandscapeText } from '../../explain/plot.js';
import { svgToPng } from '../png.js';
import { fmt } from '../../explain/format.js';
import { OPTIMIZER_NAMES } from '../../optim/index.js';
import { loadDataset, loadNetworkSpec, parseLoss } from './explain.js';

interface LandscapeCliOptions {
  data?: string;
  target?: string;
  params?: string;
  range?: string;
  grid?: string;
  fixBias?: boolean;
  loss?: string;
  out?: string;
  path?: string;
  learningRate?: string;
  steps?: string;
  width?: string;
  height?: string;
  color?: boolean;
}

/** "-10:10" → [-10, 10]; "-10:10,-5:5" → one range per axis. */
export function parseRange(value: string): LandscapeOptions['range'] {
  const one = (s: string): [number, number] => {
    const m = /^\s*(-?[\d.]+(?:e[-+]?\d+)?)\s*:\s*(-?[\d.]+(?:e[-+]?\d+)?)\s*$/i.exec(s);
    const lo = m ? Number(m[1]) : NaN, hi = m ? Number(m[2]) : NaN;
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(lo < hi)) throw new UsageError(`--range must look like low:high with low < high (e.g. -10:10, or -10:10,-5:5 for x and y), got '${value}'`);
    return [lo, hi];
  };
  const parts = value.split(',');
  if (parts.length === 1) return one(parts[0]);
  if (parts.length === 2) return { x: one(parts[0]), y: one(parts[1]) };
  throw new UsageError(`--range takes one low:high for both axes or two (x,y), got '${value}'`);
}

async function runLandscape(file: string, o: LandscapeCliOptions): Promise<void> {
  if (o.data === undefined) throw new UsageError('--data is required: or, and, xor, double, or a CSV file with --target column');
  if (o.out !== undefined) {
    if (!/\.(png|svg|json)$/i.test(o.out)) throw new UsageError(`--out must end in .png, .svg or .json, got '${o.out}'`);
    checkOutputs([outputFile('--out', o.out)], [{ what: 'the network file', path: file }, ...(existsSync(o.data) ? [{ what: '--data', path: o.data }] : [])]);
  }
  const data = loadDataset(o.data, o.target);
  const spec = loadNetworkSpec(file);
  const params = o.params === undefined ? undefined : o.params.split(',').map((s) => s.trim());
  if (params && params.length !== 2) throw new UsageError(`--params names two parameters, e.g. w1,w2 or layers.0.weight[0][0],layers.0.bias[0]; got '${o.params}'`);
  const grid = o.grid === undefined ? undefined : parseNumber('--grid', o.grid, (n) => Number.isInteger(n) && n >= 2 && n <= 1001, 'a whole number from 2 to 1001');
  let path: LandscapeOptions['path'];
  if (o.path !== undefined) {
    if (!(OPTIMIZER_NAMES as readonly string[]).includes(o.path.toLowerCase())) throw new UsageError(`--path must name an optimizer (${OPTIMIZER_NAMES.join(', ')}), got '${o.path}'`);
    path = {
      optimizer: o.path,
      learningRate: o.learningRate === undefined ? undefined : parseNumber('--learning-rate', o.learningRate, (n) => n > 0, 'a number > 0'),
      steps: o.steps === undefined ? undefined : parseNumber('--steps', o.steps, (n) => Number.isInteger(n) && n >= 1 && n <= 100000, 'a whole number from 1 to 100000'),
    };
  } else if (o.learningRate !== undefined || o.steps !== undefined) {
    throw new UsageError('--learning-rate and --steps set the route drawn with --path sgd|adam|…; add --path');
  }
  const width = o.width === undefined ? 660 : parseNumber('--width', o.width, (n) => Number.isInteger(n) && n >= 300 && n <= 4000, 'a whole number of pixels from 300 to 4000');
  const height = o.height === undefined ? 600 : parseNumber('--height', o.height, (n) => Number.isInteger(n) && n >= 300 && n <= 4000, 'a whole number of pixels from 300 to 4000');
  const land = landscape(spec, data, {
    params: params as [string, string] | undefined, range: o.range === undefined ? undefined : parseRange(o.range), grid,
    fixBias: o.fixBias, loss: parseLoss(o.loss), path, dataName: data.name,
  });
  const summary = [
    `${land.loss} over ${land.aliases[0]} = ${land.params[0]} and ${land.aliases[1]} = ${land.params[1]} (${land.xs.length}×${land.ys.length} grid, ${land.samples} samples${land.fixedBias ? ', biases fixed at 0' : ''})`,
    `start (${fmt(land.current.x, 4)}, ${fmt(land.current.y, 4)}): loss ${fmt(land.current.loss, 4)}; lowest on the grid ${fmt(land.min.loss, 4)} at (${fmt(land.min.x, 4)}, ${fmt(land.min.y, 4)}); highest ${fmt(land.max.loss, 4)}`,
  ];
  if (land.path) {
    const end = land.path.points[land.path.points.length - 1];
    summary.push(`${land.path.optimizer} (learning rate ${fmt(land.path.learningRate, 4)}) after ${land.path.points.length - 1} steps: (${fmt(end.x, 4)}, ${fmt(end.y, 4)}), loss ${fmt(end.loss, 4)}`);
  }
  if (o.out === undefined) {
    const color = o.color !== false && Boolean(process.stdout.isTTY) && process.env.NO_COLOR === undefined;
    process.stdout.write(`${renderLandscapeText(land, { color })}${summary.join('\n')}\n`);
    return;
  }
  const w = { what: '--out' };
  if (/\.png$/i.test(o.out)) writeFileAtomicSync(o.out, await svgToPng(renderLandscapeSvg(land, width, height)), w);
  else if (/\.svg$/i.test(o.out)) writeFileAtomicSync(o.out, renderLandscapeSvg(land, width, height), w);
  else if (/\.json$/i.test(o.out)) writeFileAtomicSync(o.out, `${JSON.stringify(land)}\n`, w);
  else throw new UsageError(`--out must end in .png, .svg or .json, got '${o.out}'`);
  process.stdout.write(`${summary.join('\n')}\nwrote ${o.out}\n`);
}

/** Registers `backprop landscape`. */
export function registerLandscape(program: Command): void {
  program
    .command('landscape')
    .summary('draw the loss over two parameters, with the route gradient descent takes')
    .description(
      'The loss over a grid of two parameters, every other parameter held at its value, as a heat map with ' +
        'contour lines; the network\'s own point is ringed, and --path draws an optimizer\'s route from it (moving ' +
        'only those two parameters). Parameters: layers.K.weight[j][i] (input i → neuron j of layer K), ' +
        'layers.K.bias[j], or the short names w1, w2 … / b1, b2 … counted layer by layer; default: the first two weights.',
    )
    .addHelpText('after', [
      '', 'Example (seed 000: the OR neuron from (-4, -4), bias fixed at 0):',
      '  backprop landscape or-neuron.json --data or --fix-bias --path adam --learning-rate 0.1 --out landscape.png',
    ].join('\n'))
    .argument('<network>', 'network spec or model JSON file')
    .option('--data <dataset>', 'or|and|xor|double, or a CSV file (with --target column)')
    .option('--target <column>', 'the target column of a CSV file')
    .option('--params <a,b>', 'the two parameters (default: the first two weights)')
    .option('--range <low:high>', 'axis range, or x and y ranges as low:high,low:high (default -10:10)')
    .option('--grid <n>', 'points per axis (default 61)')
    .option('--fix-bias', 'hold every bias at 0 (as seed 000 does)')
    .option('--loss <name>', 'override the network\'s loss')
    .option('--out <file>', 'write landscape.png, landscape.svg or landscape.json instead of a text map')
    .option('--path <optimizer>', `draw the route of ${OPTIMIZER_NAMES.join('|')} from the current point`)
    .option('--learning-rate <η>', 'the route\'s learning rate (default 1 for sgd/momentum, 0.1 otherwise)')
    .option('--steps <n>', 'the route\'s steps (default 100)')
    .option('--width <px>', 'image width (default 660)')
    .option('--height <px>', 'image height (default 600)')
    .option('--no-color', 'plain ASCII text map even on a terminal')
    .action(action((file: string, o: LandscapeCliOptions) => runLandscape(file, o)));
}
