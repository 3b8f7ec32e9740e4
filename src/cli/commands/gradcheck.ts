/**
 * `backprop gradcheck`: every parameter's gradient by backpropagation (the engine's autograd) next to
 * central differences, with the relative error; the exit code is 0 only if all agree. With --perturb
 * (and always with --double, seed 003's y = 3·x line on the y = 2x data) it also prints seed 003's
 * table: the loss at W and at W + δW, sample by sample, and the rate between them.
 */
import type { Command } from 'commander';
import { action, parseNumber, parseNumberList, UsageError } from '../run.js';
import { BackpropError } from '../../tensor/errors.js';
import type { NetworkSpec } from '../../spec/index.js';
import {
  gradcheckNetwork, perturbationTable, renderGradcheckMarkdown, renderGradcheckText, renderPerturbationMarkdown, renderPerturbationText,
} from '../../explain/gradcheck.js';
import type { Samples } from '../../explain/spec.js';
import { loadDataset, loadNetworkSpec, parseDigits, parseFormat, parseLoss } from './explain.js';

/** Seed 003's model: y = W·x with W = 3 (no bias), judged by the sum of squared errors. */
export const SEED003_LINE: NetworkSpec = { inputs: 1, layers: [{ units: 1, activation: 'linear', weights: [[3]], bias: [0] }], loss: 'sse' };

/** Thrown after the table is printed, so the exit code says the check failed. */
export class GradcheckFailed extends BackpropError {}

interface GradcheckCliOptions {
  input?: string;
  target?: string;
  data?: string;
  loss?: string;
  eps?: string;
  perturb?: string;
  delta?: string;
  double?: boolean;
  format: string;
  digits?: string;
}

function runGradcheck(file: string | undefined, o: GradcheckCliOptions): void {
  const format = parseFormat(o.format);
  const digits = parseDigits(o.digits) ?? 6;
  let spec: NetworkSpec;
  let data: Samples;
  let perturb = o.perturb;
  if (o.double) {
    if (file !== undefined || o.data !== undefined || o.input !== undefined) throw new UsageError('--double is seed 003\'s own example (y = 3·x on the y = 2x data); give no network file, --data or --input with it');
    spec = SEED003_LINE;
    data = loadDataset('double', undefined);
    perturb ??= 'w1';
  } else {
    if (file === undefined) throw new UsageError('give a network spec or model file (backprop gradcheck net.json --input … --target …), or --double for seed 003\'s example');
    spec = loadNetworkSpec(file);
    if (o.data !== undefined) {
      if (o.input !== undefined) throw new UsageError('give either --data or --input/--target, not both');
      data = loadDataset(o.data, o.target);
    } else {
      if (o.input === undefined || o.target === undefined) throw new UsageError('give --input and --target (one sample), or --data or|and|xor|double|file.csv [--target column]');
      data = { inputs: [parseNumberList('--input', o.input)], targets: [parseNumberList('--target', o.target)] };
    }
  }
  const eps = o.eps === undefined ? undefined : parseNumber('--eps', o.eps, (n) => n > 0, 'a number > 0');
  const delta = o.delta === undefined ? 1e-4 : parseNumber('--delta', o.delta, (n) => n !== 0, 'a non-zero number');
  const loss = parseLoss(o.loss);
  const report = gradcheckNetwork(spec, data, { loss, eps });
  const table = perturb === undefined ? null : perturbationTable(spec, data, perturb, delta, loss);
  if (format === 'json') process.stdout.write(`${JSON.stringify(table ? { ...report, perturbation: table } : report, null, 2)}\n`);
  else if (format === 'markdown') process.stdout.write(`${table ? `${renderPerturbationMarkdown(table, digits)}\n` : ''}${renderGradcheckMarkdown(report, digits)}`);
  else process.stdout.write(`${table ? `${renderPerturbationText(table, digits)}\n` : ''}${renderGradcheckText(report, digits)}`);
  if (!report.ok) {
    const bad = report.rows.filter((r) => !r.ok);
    throw new GradcheckFailed(`gradient check failed: ${bad.length} of ${report.rows.length} gradients disagree (first: ${bad[0].param})`);
  }
}

/** Registers `backprop gradcheck`. */
export function registerGradcheck(program: Command): void {
  program
    .command('gradcheck')
    .summary('compare backpropagation\'s gradients with numerical ones (exit 0 only if all agree)')
    .description(
      'For every weight and bias: the gradient by backpropagation, the gradient by central differences ' +
        '(L(w + ε) − L(w − ε)) / 2ε, and their relative error; the exit code is 1 if any disagree. --perturb w1 adds ' +
        'seed 003\'s table (the loss at W and W + δ, sample by sample); --double runs seed 003\'s own example. ' +
        'Parameters are named layers.K.weight[j][i] (input i → neuron j of layer K), layers.K.bias[j], or w1, w2 … / b1, b2 … in order.',
    )
    .addHelpText('after', [
      '', 'Examples:',
      '  backprop gradcheck net.json --input 0.5,-0.5 --target 0.9,0.1',
      '  backprop gradcheck net.json --data xor',
      '  backprop gradcheck --double',
    ].join('\n'))
    .argument('[network]', 'network spec or model JSON file')
    .option('--input <numbers>', 'one sample\'s input, comma-separated')
    .option('--target <numbers|column>', 'that sample\'s target; with --data file.csv, the target column')
    .option('--data <dataset>', 'or|and|xor|double, or a CSV file (with --target column)')
    .option('--loss <name>', 'override the network\'s loss')
    .option('--eps <ε>', 'finite-difference step (default 1e-6)')
    .option('--perturb <param>', 'also print seed 003\'s table for this parameter (e.g. w1)')
    .option('--delta <δ>', 'the nudge for --perturb (default 0.0001, as in seed 003)')
    .option('--double', 'seed 003: y = 3·x against y = 2x with the sum of squared errors')
    .option('--format <format>', 'text, markdown or json', 'text')
    .option('--digits <n>', 'significant digits (default 6)')
    .action(action((file: string | undefined, o: GradcheckCliOptions) => runGradcheck(file, o)));
}
