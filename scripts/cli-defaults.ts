/**
 * Measures `backprop train` settings on the splits scripts/cli-defaults-data.py writes, next to its
 * scikit-learn reference: for each candidate (flags as on the command line) the mean test accuracy
 * (classification) or R² (regression) per dataset and the mean seconds per training run. It uses the
 * CLI's own code path (trainSettings → networkSpec → Network.learn → report), minus the worker thread.
 *
 *   node --import tsx scripts/cli-defaults.ts /tmp/cli-defaults [candidates.json]
 * candidates.json: [{ "name": "…", "flags": { "hidden": "64", "learningRate": "0.01", … } }, …]
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import '../src/index.js';
import { Network } from '../src/train/network.js';
import { Tensor } from '../src/tensor/tensor.js';
import { learnOptions, trainSettings, type TrainFlags } from '../src/cli/commands/train.js';
import { loadForModel, loadTrainingData, networkSpec, report, targetTensor } from '../src/cli/tabular.js';

type Flags = Omit<TrainFlags, 'out'>;
interface Candidate { name: string; flags: Flags }
const SEEDS = Number(process.env.SEEDS ?? 1);

const root = process.argv[2] ?? '/tmp/cli-defaults';
const candidates: Candidate[] = process.argv[3]
  ? JSON.parse(readFileSync(process.argv[3], 'utf8'))
  : [{ name: 'defaults', flags: {} }];
const sk = existsSync(join(root, 'sklearn.json')) ? JSON.parse(readFileSync(join(root, 'sklearn.json'), 'utf8')) : {};
const datasets = readdirSync(root).filter((d) => existsSync(join(root, d, 'split0', 'train.csv'))).sort();

function run(dir: string, flags: Flags): { score: number; seconds: number; epochs: number } {
  const t0 = Date.now();
  const s = trainSettings(flags);
  const { pre, data, task } = loadTrainingData({ csv: join(dir, 'train.csv') }, { target: 'target', task: s.task });
  let net = new Network(networkSpec(pre, data.width, { hidden: s.hidden, activation: s.activation, loss: s.loss, seed: s.seed }));
  const x = new Tensor(data.inputs, [data.n, data.width]);
  const trainRows = data.n - (s.validationSplit > 0 ? Math.max(1, Math.round(data.n * s.validationSplit)) : 0);
  const h = net.learn(x, targetTensor(net, task, data.targets!), learnOptions(s, data.width, trainRows));
  if (s.refit && s.validationSplit > 0 && (h.bestEpoch ?? 0) >= 1) {
    // what the worker's second phase does
    net = new Network(networkSpec(pre, data.width, { hidden: s.hidden, activation: s.activation, loss: s.loss, seed: s.seed }));
    net.learn(x, targetTensor(net, task, data.targets!), { ...learnOptions(s, data.width, trainRows), validationSplit: 0, earlyStopping: false, epochs: h.bestEpoch ?? h.epochs.length });
  }
  const test = loadForModel(pre, null, { csv: join(dir, 'test.csv') }, true);
  const r = report(net, pre, test);
  return { score: r.task === 'classify' ? r.accuracy : r.r2, seconds: (Date.now() - t0) / 1000, epochs: h.epochs.length };
}

const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
const header = ['candidate', ...datasets, 'mean', 's/run'];
console.log(header.join('\t'));
for (const ref of ['default', 'tuned']) {
  const cells = datasets.map((d) => (sk[d] ? mean(sk[d].splits.map((r: Record<string, { score: number }>) => r[ref].score)) : NaN));
  const secs = datasets.flatMap((d) => (sk[d] ? sk[d].splits.map((r: Record<string, { seconds: number }>) => r[ref].seconds) : []));
  console.log([`sklearn-${ref}`, ...cells.map((c) => c.toFixed(4)), mean(cells).toFixed(4), mean(secs).toFixed(2)].join('\t'));
}
for (const c of candidates) {
  const cells: number[] = [], secs: number[] = [];
  for (const d of datasets) {
    const splits = readdirSync(join(root, d)).filter((s) => s.startsWith('split')).sort();
    const scores = splits.flatMap((sp) => Array.from({ length: SEEDS }, (_, seed) => {
      const r = run(join(root, d, sp), { ...c.flags, seed: String(seed + Number(c.flags.seed ?? 0)) });
      secs.push(r.seconds);
      return r.score;
    }));
    cells.push(mean(scores));
  }
  console.log([c.name, ...cells.map((x) => x.toFixed(4)), mean(cells).toFixed(4), mean(secs).toFixed(2)].join('\t'));
}
