/**
 * `backprop evaluate <model.json> <data.csv>`: applies the model's saved preprocessing to a labelled
 * file and reports accuracy, per-class precision/recall/F1 and the confusion matrix (classification),
 * or MSE, RMSE, MAE and R² in the target's own units (regression). `--json` prints one object.
 */
import type { Command } from 'commander';
import { textTable } from '../../explain/format.js';
import { action } from '../run.js';
import { checkSource, loadForModel, loadTrainedModel, parseDelimiter, parseEncoding, parseUnknown, report, type ClassificationReport, type RegressionReport } from '../tabular.js';

interface EvaluateFlags {
  json?: boolean;
  delimiter?: string;
  dropMissing?: boolean;
  images?: string;
  labels?: string;
  encoding?: string;
  unknown?: string;
}

function f4(x: number): string {
  return x.toFixed(4);
}

function g(x: number): string {
  return Number(x.toPrecision(5)).toString();
}

/** The human-readable evaluation report. */
export function renderReport(r: ClassificationReport | RegressionReport): string {
  if (r.task === 'regress') {
    return `MSE   ${g(r.mse)}\nRMSE  ${g(r.rmse)}\nMAE   ${g(r.mae)}\nR²    ${g(r.r2)}\n`;
  }
  const correct = Math.round(r.accuracy * r.rows);
  const perClass = textTable(
    ['class', 'precision', 'recall', 'F1', 'support'],
    r.classes.map((c) => [c.label, f4(c.precision), f4(c.recall), f4(c.f1), String(c.support)]),
  );
  const cm = textTable(
    ['actual \\ predicted', ...r.labels],
    r.confusionMatrix.map((row, i) => [r.labels[i], ...row.map(String)]),
  );
  return `accuracy  ${f4(r.accuracy)} (${correct} of ${r.rows})\nmacro F1  ${f4(r.macroF1)}\n\n${perClass}\n\nconfusion matrix (rows: actual class, columns: predicted class)\n${cm}\n`;
}

async function evaluate(modelPath: string, file: string | undefined, f: EvaluateFlags): Promise<void> {
  const src = { csv: file, images: f.images, labels: f.labels, delimiter: parseDelimiter(f.delimiter), dropMissing: f.dropMissing === true, encoding: parseEncoding(f.encoding), unknown: parseUnknown(f.unknown) };
  checkSource('evaluate', src, true);
  const { network, pre, images } = await loadTrainedModel(modelPath);
  const data = loadForModel(pre, images, src, true);
  const r = report(network, pre, data);
  if (f.json) {
    process.stdout.write(`${JSON.stringify({ model: modelPath, data: data.source, target: pre.target.name, ...r, droppedRows: data.droppedLines.length })}\n`);
    return;
  }
  const kind = r.task === 'classify' ? 'classification' : 'regression';
  const dropped = data.droppedLines.length ? ` (${data.droppedLines.length} rows with missing values skipped)` : '';
  process.stdout.write(`${modelPath} on ${data.source}: ${kind} of '${pre.target.name}', ${r.rows} rows${dropped}\n\n${renderReport(r)}`);
}

export function registerEvaluate(program: Command): void {
  program
    .command('evaluate')
    .description('measure a trained model on labelled data (accuracy and per-class scores, or MSE/RMSE/MAE/R²)')
    .argument('<model.json>', "a model file written by 'backprop train'")
    .argument('[data.csv]', 'labelled data: a CSV file with the same columns as the training file (- for stdin)')
    .option('--json', 'print one JSON object (keys include accuracy, or mse, rmse, mae, r2)')
    .option('--delimiter <char>', "CSV field separator, e.g. ';' or tab (default: ,)")
    .option('--drop-missing', 'skip rows with missing values instead of stopping with an error')
    .option('--images <file>', 'IDX images file, for a model trained on images')
    .option('--labels <file>', 'IDX labels file that goes with --images')
    .option('--unknown <error|ignore>', 'a category the model never saw: stop with its line (error, the default) or encode it as all zeros (ignore)')
    .option('--encoding <utf8|latin1>', "the CSV file's text encoding (default: utf8)")
    .addHelpText('after', `
Examples:
  $ backprop evaluate model.json test.csv
  $ backprop evaluate model.json test.csv --json | jq .accuracy
  $ backprop evaluate fashion.json --images t10k-images-idx3-ubyte.gz --labels t10k-labels-idx1-ubyte.gz`)
    .action(action((model: string, file: string | undefined, flags: EvaluateFlags) => evaluate(model, file, flags)));
}
