/**
 * `backprop explain`: one forward and backward pass of a network file, every number written out
 * (seed 004), or an expression's graph (seed 002) with `--expr`. Also the file and dataset loading
 * that `gradcheck` and `landscape` share: a spec or model file (validated by the model loader; given
 * weights are used exactly as written, missing ones initialised by Network), a built-in dataset name
 * or a CSV file with a target column.
 */
import type { Command } from 'commander';
import { action, parseNumber, parseNumberList, UsageError } from '../run.js';
import { parseModel } from '../../io/model.js';
import { readTextFileSync, writeFileAtomicSync } from '../../io/model-file.js';
import { loadCsvFile } from '../../io/datasets.js';
import { builtinDataset, isBuiltinDataset, numericDataset, BUILTIN_DATASETS, type Dataset } from '../../data/index.js';
import { LOSSES, layerType, type LossName, type NetworkSpec } from '../../spec/index.js';
import { renderLayersText, traceLayers } from '../../explain/layers.js';
import { explain } from '../../explain/trace.js';
import { renderMarkdown, renderText } from '../../explain/render.js';
import { parseAssignments, traceExpression } from '../../explain/expr.js';
import { renderExpressionMarkdown, renderExpressionText } from '../../explain/render-expr.js';
import { renderDot, renderGraphSvg } from '../../explain/graph.js';

export const FORMATS = ['text', 'markdown', 'json'] as const;
export type Format = (typeof FORMATS)[number];

/**
 * A network spec from a spec or model file. Weights written in the file are kept exactly (the
 * explainer works in float64); a spec without weights gets Network's seeded initialisation.
 */
export function loadNetworkSpec(path: string): NetworkSpec {
  const text = readTextFileSync(path, 'the network file', '; give a network spec or model JSON file');
  const model = parseModel(text, path); // validates everything, and initialises missing weights
  const raw = JSON.parse(text) as { format?: string; network?: NetworkSpec } & NetworkSpec;
  const spec = raw.format === undefined ? raw : (raw.network as NetworkSpec);
  return spec.layers.every((l) => Array.isArray(l.weights)) ? spec : model.network.toJSON();
}

/** A built-in dataset by name, or a CSV file's numbers with `target` naming the target column(s). */
export function loadDataset(data: string, target: string | undefined): Dataset {
  if (isBuiltinDataset(data)) {
    if (target !== undefined) throw new UsageError(`--target names a CSV column; the built-in dataset '${data}' has its own targets (drop --target)`);
    return builtinDataset(data);
  }
  if (!/\.(csv|tsv|txt)$/i.test(data) && !data.includes('/') && !data.includes('.')) {
    throw new UsageError(`--data '${data}' is neither a built-in dataset (${BUILTIN_DATASETS.join(', ')}) nor a CSV file name`);
  }
  if (target === undefined) throw new UsageError(`--target <column> is required with a CSV file (--data ${data})`);
  const table = loadCsvFile(data, data.toLowerCase().endsWith('.tsv') ? { delimiter: '\t' } : {});
  return numericDataset(table, { target: target.split(',').map((s) => s.trim()) });
}

export function parseFormat(value: string): Format {
  if (!(FORMATS as readonly string[]).includes(value)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got '${value}'`);
  return value as Format;
}

export function parseLoss(value: string | undefined): LossName | undefined {
  if (value === undefined) return undefined;
  if (!(LOSSES as readonly string[]).includes(value)) throw new UsageError(`--loss must be one of ${LOSSES.join(', ')}, got '${value}'`);
  return value as LossName;
}

export function parseDigits(value: string | undefined): number | undefined {
  return value === undefined ? undefined : parseNumber('--digits', value, (n) => Number.isInteger(n) && n >= 1 && n <= 17, 'a whole number from 1 to 17');
}

interface ExplainCliOptions {
  input?: string;
  target?: string;
  learningRate?: string;
  steps?: string;
  loss?: string;
  format: string;
  digits?: string;
  expr?: string;
  at?: string;
  graph?: string;
  wide?: boolean;
}

/** The text's width: the terminal's, or 80 columns when not on a terminal; none with --wide. */
export function textWidth(wide: boolean | undefined, stream: NodeJS.WriteStream = process.stdout): number | undefined {
  if (wide) return undefined;
  return stream.isTTY && stream.columns ? Math.max(40, stream.columns) : 80;
}

function runExplain(file: string | undefined, o: ExplainCliOptions): void {
  const format = parseFormat(o.format);
  const digits = parseDigits(o.digits);
  const learningRate = o.learningRate === undefined ? undefined : parseNumber('--learning-rate', o.learningRate, (n) => n >= 0, 'a number ≥ 0');
  if (o.expr !== undefined) {
    if (file !== undefined) throw new UsageError(`give either a network file or --expr, not both (got '${file}' and --expr)`);
    for (const [flag, v] of [['--input', o.input], ['--target', o.target], ['--steps', o.steps], ['--loss', o.loss]] as const) {
      if (v !== undefined) throw new UsageError(`${flag} is for a network file; with --expr give the variables' values with --at`);
    }
    const at = o.at === undefined ? {} : parseAssignments(o.at);
    const trace = traceExpression(o.expr, at, { learningRate, digits });
    if (o.graph !== undefined) {
      if (/\.dot$/i.test(o.graph)) writeFileAtomicSync(o.graph, renderDot(trace), { what: '--graph' });
      else if (/\.svg$/i.test(o.graph)) writeFileAtomicSync(o.graph, renderGraphSvg(trace), { what: '--graph' });
      else throw new UsageError(`--graph must name a .dot or .svg file, got '${o.graph}'`);
    }
    const out = format === 'json' ? `${JSON.stringify(trace, null, 2)}\n` : format === 'markdown' ? renderExpressionMarkdown(trace) : renderExpressionText(trace, { width: textWidth(o.wide) });
    process.stdout.write(out);
    if (o.graph !== undefined && format !== 'json') process.stdout.write(`\nGraph written to ${o.graph}\n`);
    return;
  }
  if (o.at !== undefined || o.graph !== undefined) throw new UsageError('--at and --graph go with --expr');
  if (file === undefined) throw new UsageError('give a network spec or model file (backprop explain net.json --input … --target …), or --expr "x*y + z"');
  if (o.input === undefined) throw new UsageError(`--input is required: one number per network input, e.g. --input 0.5,-0.5`);
  if (o.target === undefined) throw new UsageError(`--target is required: one number per output (or a class index), e.g. --target 0.9,0.1`);
  const steps = o.steps === undefined ? undefined : parseNumber('--steps', o.steps, (n) => Number.isInteger(n) && n >= 1 && n <= 1000, 'a whole number from 1 to 1000');
  const spec = loadNetworkSpec(file);
  if (Array.isArray(spec.inputs) || spec.layers.some((l) => layerType(l) !== 'dense')) {
    // Layer types beyond Dense: the layer-by-layer trace (one pass, no update step).
    for (const [flag, v] of [['--steps', o.steps], ['--learning-rate', o.learningRate], ['--loss', o.loss]] as const) {
      if (v !== undefined) throw new UsageError(`${flag} goes with a network of dense layers; ${file} has other layer types (explain shows one forward and backward pass of it)`);
    }
    const t = traceLayers(spec, parseNumberList('--input', o.input), parseNumberList('--target', o.target));
    const text = renderLayersText(t, digits);
    process.stdout.write(format === 'json' ? `${JSON.stringify(t, null, 2)}\n` : format === 'markdown' ? `\`\`\`text\n${text}\`\`\`\n` : text);
    return;
  }
  const trace = explain(spec, parseNumberList('--input', o.input), parseNumberList('--target', o.target), { learningRate, steps, digits, loss: parseLoss(o.loss) });
  process.stdout.write(format === 'json' ? `${JSON.stringify(trace, null, 2)}\n` : format === 'markdown' ? renderMarkdown(trace) : renderText(trace, { width: textWidth(o.wide) }));
}

/** Registers `backprop explain`. */
export function registerExplain(program: Command): void {
  program
    .command('explain')
    .summary('show one forward and backward pass with every number (or an expression\'s graph)')
    .description(
      'Runs one sample through a network and back, printing every weighted sum, activation, δ, chain-rule factor ' +
        'and updated weight, rounded to --digits significant digits. With --expr, does the same for an expression ' +
        'such as "x*y + z" (operators + - * / ^, functions exp log sqrt abs sigmoid tanh relu step leakyRelu). ' +
        'The input goes to the network as given: a model file\'s preprocessing (standardisation) is not applied.',
    )
    .addHelpText('after', [
      '', 'Examples:',
      '  backprop explain net.json --input 0.5,-0.5 --target 0.9,0.1 --learning-rate 1.2',
      '  backprop explain --expr "x*y + z" --at x=3,y=-4,z=2 --learning-rate 0.1 --graph g.svg',
    ].join('\n'))
    .argument('[network]', 'network spec or model JSON file (weights given are used as written)')
    .option('--input <numbers>', 'the input, comma-separated (e.g. 0.5,-0.5)')
    .option('--target <numbers>', 'the target, comma-separated (or one class index for crossEntropy)')
    .option('--learning-rate <η>', 'learning rate of the update step (default 0.1)')
    .option('--steps <n>', 'number of steps on the same sample (default 1)')
    .option('--loss <name>', `override the network's loss (${LOSSES.join(', ')})`)
    .option('--format <format>', 'text, markdown or json', 'text')
    .option('--digits <n>', 'significant digits (default 4)')
    .option('--wide', 'print every column at full width (by default the tables fit the terminal, or 80 columns)')
    .option('--expr <expression>', 'explain an expression instead of a network')
    .option('--at <values>', 'the expression\'s variables, e.g. x=3,y=-4,z=2')
    .option('--graph <file>', 'also draw the expression graph to a .dot or .svg file')
    .action(action((file: string | undefined, o: ExplainCliOptions) => runExplain(file, o)));
}
