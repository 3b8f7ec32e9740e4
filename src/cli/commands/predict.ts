/**
 * `backprop predict <model.json> <data.csv|->`: the input rows, unchanged, with the prediction
 * appended: `predicted_<target>` and one `probability_<label>` column per class (classification), or
 * `predicted_<target>` in the target's own units (regression). Written to stdout, or atomically to --out.
 */
import type { Command } from 'commander';
import Papa from 'papaparse';
import { action } from '../run.js';
import { checkOutputs, outputFile, writeOutput } from '../outputs.js';
import {
  checkSource, dataInput, loadForModel, loadTrainedModel, parseDelimiter, parseEncoding, parseUnknown, predictRows, type Encoded, type ModelPreprocessing, type Predictions,
} from '../tabular.js';

interface PredictFlags {
  out?: string;
  delimiter?: string;
  dropMissing?: boolean;
  images?: string;
  quiet?: boolean;
  encoding?: string;
  unknown?: string;
}

/** A column name not already taken ("predicted_y", then "predicted_y_2", …). */
function freeName(taken: Set<string>, name: string): string {
  let n = name;
  for (let i = 2; taken.has(n); i++) n = `${name}_${i}`;
  taken.add(n);
  return n;
}

function num(x: number, digits: number): string {
  return String(Number(x.toPrecision(digits)));
}

/**
 * The output table: input columns and rows (or an index for images), plus the prediction columns.
 * Rows skipped for missing values (--drop-missing) keep their place with empty prediction cells.
 */
export function predictionTable(pre: ModelPreprocessing, data: Encoded, p: Predictions): { fields: string[]; rows: string[][] } {
  const inputCols = data.table ? data.table.columns : ['index'];
  const taken = new Set(inputCols);
  const target = pre.target;
  const extra = [freeName(taken, `predicted_${target.name}`)];
  if (target.kind === 'classify') for (const l of target.labels) extra.push(freeName(taken, `probability_${l}`));
  const cells = (i: number): string[] => {
    if (target.kind === 'regress') return [num(p.values![i], 7)];
    const k = target.labels.length;
    const out = [target.labels[p.classes![i]]];
    for (let j = 0; j < k; j++) out.push(num(p.probabilities![i * k + j], 6));
    return out;
  };
  const rows: string[][] = [];
  if (data.table) {
    const byRow = new Map<number, number>();
    data.rows!.forEach((r, i) => byRow.set(r, i));
    data.table.rows.forEach((row, r) => {
      const i = byRow.get(r);
      rows.push([...row, ...(i === undefined ? extra.map(() => '') : cells(i))]);
    });
  } else {
    for (let i = 0; i < data.n; i++) rows.push([String(i), ...cells(i)]);
  }
  return { fields: [...inputCols, ...extra], rows };
}

async function predict(modelPath: string, file: string | undefined, f: PredictFlags): Promise<void> {
  const delimiter = parseDelimiter(f.delimiter);
  const src = { csv: file, images: f.images, delimiter, dropMissing: f.dropMissing === true, encoding: parseEncoding(f.encoding), unknown: parseUnknown(f.unknown) };
  checkSource('predict', src, false);
  const out = f.out === undefined ? undefined : outputFile('--out', f.out, 'predictions.csv');
  checkOutputs([out], [{ what: 'the model', path: modelPath }, dataInput(file), f.images === undefined ? undefined : { what: '--images', path: f.images }]);
  const { network, pre, images } = await loadTrainedModel(modelPath);
  const data = loadForModel(pre, images, src, false);
  const table = predictionTable(pre, data, predictRows(network, pre, data));
  const text = `${Papa.unparse({ fields: table.fields, data: table.rows }, { delimiter: delimiter ?? ',', newline: '\n' })}\n`;
  if (out === undefined) {
    process.stdout.write(text);
    return;
  }
  await writeOutput(out, text);
  if (!f.quiet) {
    const skipped = data.droppedLines.length ? ` (${data.droppedLines.length} rows with missing values left without a prediction)` : '';
    process.stderr.write(`wrote ${table.rows.length} rows with predictions of '${pre.target.name}' to ${out.path}${skipped}\n`);
  }
}

export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description('append a trained model\'s predictions to the rows of a CSV file (or IDX images)')
    .argument('<model.json>', "a model file written by 'backprop train'")
    .argument('[data.csv]', 'rows to predict: a CSV file with the training columns (the target may be absent), or - for stdin')
    .option('-o, --out <predictions.csv>', 'write the result here (atomically) instead of stdout')
    .option('--delimiter <char>', "CSV field separator for input and output, e.g. ';' or tab (default: ,)")
    .option('--drop-missing', 'leave rows with missing values without a prediction instead of stopping with an error')
    .option('--images <file>', 'IDX images file, for a model trained on images')
    .option('-q, --quiet', 'no message after writing --out')
    .option('--unknown <error|ignore>', 'a category the model never saw: stop with its line (error, the default) or encode it as all zeros (ignore, as the ONNX export does)')
    .option('--encoding <utf8|latin1>', "the CSV file's text encoding (default: utf8)")
    .addHelpText('after', `
Output columns: the input's columns, then predicted_<target> and, for classification,
probability_<label> for each class.

Examples:
  $ backprop predict model.json new.csv --out predictions.csv
  $ cat new.csv | backprop predict model.json - > predictions.csv
  $ backprop predict fashion.json --images t10k-images-idx3-ubyte.gz --out labels.csv`)
    .action(action((model: string, file: string | undefined, flags: PredictFlags) => predict(model, file, flags)));
}
