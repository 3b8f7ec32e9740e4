/**
 * The CLI's building blocks in-process: metrics against hand-computed values, option parsing and
 * defaults, the loss plot (SVG structure, PNG pixels), the raster and PNG encoder, progress lines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PNG } from 'pngjs';
import { checkSource, classificationReport, regressionReport, parseDelimiter } from '../../src/cli/tabular.js';
import { defaultLearningRate, defaultWeightDecay, parseHidden, trainSettings, TRAIN_DEFAULTS } from '../../src/cli/commands/train.js';
import { curvesSvg, lossCurves, niceTicks } from '../../src/cli/plot.js';
import { svgToPng } from '../../src/cli/png.js';
import { epochLine } from '../../src/cli/progress.js';
import { BackpropError } from '../../src/tensor/errors.js';
import type { EpochLogs } from '../../src/train/fit.js';

const close = (a: number, b: number, eps = 1e-12) => assert.ok(Math.abs(a - b) < eps, `${a} vs ${b}`);

test('classification report: accuracy, per-class precision/recall/F1, confusion matrix (rows actual)', () => {
  // actual:    a a a b b c
  // predicted: a a b b c c
  const r = classificationReport(Float32Array.of(0, 0, 0, 1, 1, 2), Int32Array.of(0, 0, 1, 1, 2, 2), ['a', 'b', 'c']);
  assert.deepEqual(r.confusionMatrix, [[2, 1, 0], [0, 1, 1], [0, 0, 1]]);
  close(r.accuracy, 4 / 6);
  const [a, b, c] = r.classes;
  assert.deepEqual([a.precision, a.recall, a.support], [1, 2 / 3, 3]);
  close(a.f1, 0.8);
  assert.deepEqual([b.precision, b.recall, b.f1, b.support], [0.5, 0.5, 0.5, 2]);
  assert.deepEqual([c.precision, c.recall, c.support], [0.5, 1, 1]);
  close(c.f1, 2 / 3);
  close(r.macroF1, (0.8 + 0.5 + 2 / 3) / 3);
  // a class never predicted and never present: precision and recall 0, not NaN
  const none = classificationReport(Float32Array.of(0, 1), Int32Array.of(0, 1), ['x', 'y', 'z']);
  assert.deepEqual(none.classes[2], { label: 'z', precision: 0, recall: 0, f1: 0, support: 0 });
});

test('regression report: MSE, RMSE, MAE, R² (and a constant target)', () => {
  const r = regressionReport(Float64Array.of(1, 2, 3, 4), Float64Array.of(1, 2, 4, 2));
  close(r.mse, (0 + 0 + 1 + 4) / 4);
  close(r.rmse, Math.sqrt(1.25));
  close(r.mae, 3 / 4);
  close(r.r2, 1 - 5 / 5); // SS_tot = 2.25 + 0.25 + 0.25 + 2.25 = 5
  assert.equal(regressionReport(Float64Array.of(2, 2), Float64Array.of(2, 2)).r2, 1);
  assert.equal(regressionReport(Float64Array.of(2, 2), Float64Array.of(1, 3)).r2, 0);
});

test('train options: defaults, parsing, and the learning rate scaled for wide inputs', () => {
  const s = trainSettings({});
  assert.deepEqual(
    [s.hidden, s.activation, s.optimizer, s.learningRate, s.weightDecay, s.batchSize, s.epochs, s.validationSplit, s.earlyStopping, s.refit, s.seed],
    [[64], 'relu', 'adam', 'auto', 'auto', 32, 300, 0.2, 20, true, 0],
  );
  assert.equal(defaultWeightDecay(300), 0.01);
  close(defaultWeightDecay(48000), 0.2 / Math.sqrt(48000));
  assert.equal(defaultLearningRate(20), TRAIN_DEFAULTS.learningRate);
  close(defaultLearningRate(784), 0.01 * 64 / 784);
  // another optimizer gets its own defaults, not Adam's tuned ones
  const sgd = trainSettings({ optimizer: 'SGD' });
  assert.deepEqual([sgd.optimizer, sgd.learningRate, sgd.weightDecay], ['sgd', undefined, undefined]);
  assert.deepEqual(parseHidden('16, 8'), [16, 8]);
  assert.deepEqual(parseHidden('none'), []);
  assert.equal(trainSettings({ batchSize: 'full' }).batchSize, 'full');
  assert.equal(trainSettings({ earlyStopping: '5' }).earlyStopping, 5);
  assert.equal(trainSettings({ earlyStopping: false }).earlyStopping, false);
  assert.equal(trainSettings({ validationSplit: '0' }).earlyStopping, false, 'nothing to watch without validation rows');
  assert.equal(trainSettings({ loss: 'crossentropy' }).loss, 'crossEntropy');
  assert.equal(parseDelimiter('tab'), '\t');
  for (const bad of [{ hidden: '0.5' }, { epochs: '1.5' }, { seed: 'x' }, { validationSplit: '1' }, { weightDecay: '-1' }, { loss: 'hinge' }]) {
    assert.throws(() => trainSettings(bad), BackpropError, JSON.stringify(bad));
  }
  assert.throws(() => parseDelimiter('::'), /--delimiter must be one character/);
  assert.throws(() => trainSettings({ learningRate: '-1' }), /--learning-rate must be a positive number \(e\.g\. 0\.01\), got '-1'/);
  assert.throws(() => checkSource('evaluate', {}, true), /evaluate: no data: give a CSV file \(or - for stdin\), or --images <file> --labels <file>/);
  assert.throws(() => checkSource('train', { csv: 'a.csv', images: 'i.idx' }, true), /give either a CSV file or --images\/--labels, not both/);
  assert.throws(() => checkSource('train', { images: 'i.idx' }, true), /--images needs --labels <file>/);
});

const EPOCHS: EpochLogs[] = [3, 1.5, 0.8, 0.5, 0.45].map((loss, i) => ({
  epoch: i + 1, loss, valLoss: loss * 1.2, accuracy: 0.5 + i * 0.1, valAccuracy: 0.45 + i * 0.1, learningRate: 0.01, updates: (i + 1) * 10, seconds: i * 0.1,
}));

test('progress: one epoch line with validation metrics', () => {
  assert.equal(epochLine(EPOCHS[1], 300, true), 'epoch 2/300  loss 1.5000  acc 0.6000  val_loss 1.8000  val_acc 0.5500  0.1s');
  assert.equal(epochLine({ ...EPOCHS[0], valLoss: undefined, valAccuracy: undefined }, 10, false), 'epoch 1/10  loss 3.0000  0.0s');
});

test('loss plot: SVG with both curves, axes and legend; PNG of the same size', async () => {
  assert.deepEqual(niceTicks(0.13, 0.92, 5), [0.2, 0.4, 0.6, 0.8]);
  assert.deepEqual(niceTicks(1, 5, 4), [1, 2, 3, 4, 5]);
  const curves = lossCurves(EPOCHS);
  assert.deepEqual(curves.map((c) => c.name), ['training loss', 'validation loss']);
  const svg = curvesSvg(curves, 'loss per epoch');
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="640" height="400"/);
  assert.match(svg, /<\/svg>\n$/);
  const pts = [...svg.matchAll(/<polyline [^>]*points="([^"]+)"/g)].map((m) => m[1].split(' ').length);
  assert.deepEqual(pts, [5, 5]);
  assert.match(svg, />epoch</);
  assert.match(curvesSvg(curves, 't', 640, 400, { epoch: 3, label: 'best epoch 3' }), /stroke-dasharray="4 3"\/>\n<text [^>]*>best epoch 3</);
  // no NaN coordinates, balanced tags
  assert.doesNotMatch(svg, /NaN|undefined/);
  assert.equal((svg.match(/<text/g) ?? []).length, (svg.match(/<\/text>/g) ?? []).length);
  // training loss only, one epoch: a dot, not an empty line
  assert.match(curvesSvg(lossCurves([{ ...EPOCHS[0], valLoss: undefined }]), 't'), /<circle/);

  const png = PNG.sync.read(await svgToPng(svg));
  assert.equal(png.width, 640);
  assert.equal(png.height, 400);
  // the training curve's colour (#1f77b4) is drawn
  let blue = 0;
  for (let i = 0; i < png.data.length; i += 4) if (png.data[i] === 0x1f && png.data[i + 1] === 0x77 && png.data[i + 2] === 0xb4) blue++;
  assert.ok(blue > 200, `${blue} training-curve pixels`);
});

test('plot labels do not collide: the title, the best-epoch label and the legend each have their own band', () => {
  const svg = curvesSvg(lossCurves(EPOCHS), 'loss per epoch', 640, 400, { epoch: EPOCHS.length, label: `best epoch ${EPOCHS.length}` });
  const texts = [...svg.matchAll(/<text x="([\d.]+)" y="([\d.]+)"([^>]*)>([^<]*)</g)].map((m) => ({ x: Number(m[1]), y: Number(m[2]), attrs: m[3], text: m[4] }));
  const title = texts.find((t) => t.text === 'loss per epoch')!;
  const best = texts.find((t) => t.text.startsWith('best epoch'))!;
  const legend = texts.filter((t) => t.text === 'training loss' || t.text === 'validation loss');
  // font sizes 15 and 12: a baseline 16 px below the title's clears its descenders; the legend starts below the marker's band
  assert.ok(best.y - title.y >= 16, `title at ${title.y}, marker label at ${best.y}`);
  assert.ok(Math.min(...legend.map((t) => t.y)) - 6 > best.y + 3, 'the legend box starts below the marker label');
  // a marker at the right edge is anchored at its end, so it stays inside the picture
  assert.match(best.attrs, /text-anchor="end"/);
});

test('PNGs are the SVG rendered with a real font: text is drawn, and glyphs with descenders differ from look-alikes', async () => {
  const doc = (t: string) => `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="30"><text x="4" y="20" font-family="sans-serif" font-size="16">${t}</text></svg>`;
  const ink = (png: PNG) => { let n = 0; for (let i = 0; i < png.data.length; i += 4) if (png.data[i] < 128) n++; return n; };
  const blank = PNG.sync.read(await svgToPng(doc('')));
  assert.deepEqual([blank.width, blank.height], [120, 30]);
  assert.equal(ink(blank), 0, 'an empty picture is white');
  const sgd = PNG.sync.read(await svgToPng(doc('sgd')));
  const s9d = PNG.sync.read(await svgToPng(doc('s9d')));
  assert.ok(ink(sgd) > 40, `text is drawn (${ink(sgd)} dark pixels)`);
  // 'g' has a descender, '9' does not: the rows below the baseline (y = 20) hold ink only for 'sgd'
  const below = (png: PNG) => { let n = 0; for (let y = 22; y < 30; y++) for (let x = 0; x < 120; x++) if (png.data[(y * 120 + x) * 4] < 128) n++; return n; };
  assert.ok(below(sgd) > 3, `the g's descender (${below(sgd)} pixels below the baseline)`);
  assert.equal(below(s9d), 0);
  // Greek letters come from the bundled font too (σ is not a blank box or nothing)
  assert.ok(ink(PNG.sync.read(await svgToPng(doc('σ ∂ δ')))) > 30);
});
