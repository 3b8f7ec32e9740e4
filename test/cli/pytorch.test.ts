/**
 * `backprop export --format pytorch` and `backprop import *.safetensors` with the real PyTorch:
 * - for every activation in the activation table and every loss in the loss table, the exported
 *   model.py encodes raw CSV rows (standardisation, one-hot columns) as backprop does, and its
 *   outputs and training loss equal backprop's to 1e-5;
 * - one full-batch step of train.py (SGD, and Adam) gives the weights one backprop step gives;
 * - the documented torchrun line trains on 2 processes with DistributedDataParallel over gloo, and
 *   the weights come back with `backprop import` and evaluate with `backprop evaluate`;
 * - bad input to export and import is one line and exit code 1.
 * Skipped, with the reason, only where no Python has torch.
 */
import { after, test } from 'node:test';
import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ACTIVATIONS, LOSSES, Network, Tensor, applyPreprocessor, fitPreprocessor, parseCsv, serializeModel, noGrad, TORCHRUN, type LayerSpec, type LossName, type NetworkSpec, type Preprocessor } from '../../src/index.js';
import { loadModelSync } from '../../src/io/model-file.js';
import { targetTensor, predictRows, loadForModel } from '../../src/cli/tabular.js';
import { writeIdx } from '../../src/data/idx.js';
import { gzipSync } from 'node:zlib';
import { backprop, classificationCsv, regressionCsv, rng, tempDir } from './spawn.js';
import { runPython, skipWithoutTorch, torchPython, torchrunCommand } from '../io/torch.js';

const skip = skipWithoutTorch();
const tmp = tempDir();
after(() => tmp.cleanup());

/** A two-class CSV (numeric a, categorical shade, numeric c; label yes/no). */
function binaryCsv(n: number, seed = 3): string {
  const r = rng(seed);
  const lines = ['a,shade,c,label'];
  for (let i = 0; i < n; i++) {
    const a = r() * 10 - 5, s = Math.floor(r() * 2), c = r() * 100;
    lines.push(`${a.toFixed(3)},${['dark', 'light'][s]},${c.toFixed(1)},${a + (s ? 1 : -1) > 0 ? 'yes' : 'no'}`);
  }
  return `${lines.join('\n')}\n`;
}

/** A numeric CSV for a network without preprocessing: inputs p, q, r, then the target t. */
function plainCsv(n: number, seed = 4): string {
  const r = rng(seed);
  const lines = ['p,q,r,t'];
  for (let i = 0; i < n; i++) lines.push([r() * 2 - 1, r() * 2 - 1, r() * 2 - 1, r()].map((v) => v.toFixed(4)).join(','));
  return `${lines.join('\n')}\n`;
}

/** Awkward names and cells: quoted commas, quotes, backslashes, non-ASCII, numeric codes written three ways. */
function awkwardCsv(n: number, seed = 5): string {
  const r = rng(seed);
  const names = ['a""b', 'back\\slash', 'ünï ✓', 'x,y'];
  const lines = ['"size, cm",name,code,kind'];
  for (let i = 0; i < n; i++) {
    const size = r() * 50, name = Math.floor(r() * 4), code = 1 + Math.floor(r() * 3);
    const written = [String(code), `${code}.0`, `${code}e0`][i % 3];
    lines.push(`${size.toFixed(2)},"${names[name]}",${written},${size / 25 + name / 2 + code / 3 > 2.2 ? 'big' : 'small'}`);
  }
  return `${lines.join('\n')}\n`;
}

const CSV = {
  classify: tmp.file('classify.csv', classificationCsv(120, 11)),
  regress: tmp.file('regress.csv', regressionCsv(120, 12)),
  binary: tmp.file('binary.csv', binaryCsv(120, 13)),
  plain: tmp.file('plain.csv', plainCsv(60, 14)),
  awkward: tmp.file('awkward.csv', awkwardCsv(90, 15)),
};

interface Case {
  name: string;
  csv: keyof typeof CSV;
  hidden: LayerSpec[];
  output: LayerSpec;
  loss: LossName;
  target?: string;
  categorical?: string[];
}

const cases: Case[] = [];
// Every activation in a hidden layer (two of them, so each feeds a layer after it), on a classifier.
for (const act of ACTIVATIONS) {
  const layer: LayerSpec = { units: 7, activation: act, ...(act === 'leakyRelu' ? { alpha: 0.2 } : {}) };
  cases.push({ name: `hidden-${act}`, csv: 'classify', target: 'kind', hidden: [layer, { ...layer, units: 5 }], output: { units: 3, activation: 'softmax' }, loss: 'crossEntropy' });
}
// Every activation as the output too (regression, mse), and every loss with the outputs it meets.
for (const act of ACTIVATIONS) {
  cases.push({ name: `output-${act}`, csv: 'regress', target: 'price', hidden: [{ units: 6, activation: 'tanh' }], output: { units: 1, activation: act, ...(act === 'leakyRelu' ? { alpha: 0.3 } : {}) }, loss: 'mse' });
}
cases.push(
  { name: 'loss-sse', csv: 'regress', target: 'price', hidden: [{ units: 6, activation: 'relu' }], output: { units: 1 }, loss: 'sse' },
  { name: 'loss-mae', csv: 'regress', target: 'price', hidden: [{ units: 6, activation: 'relu' }], output: { units: 1 }, loss: 'mae' },
  { name: 'loss-bce-sigmoid-1', csv: 'binary', target: 'label', hidden: [{ units: 6, activation: 'relu' }], output: { units: 1, activation: 'sigmoid' }, loss: 'bce' },
  { name: 'loss-bce-sigmoid-3', csv: 'classify', target: 'kind', hidden: [{ units: 6, activation: 'relu' }], output: { units: 3, activation: 'sigmoid' }, loss: 'bce' },
  { name: 'loss-bce-softmax', csv: 'classify', target: 'kind', hidden: [{ units: 6, activation: 'tanh' }], output: { units: 3, activation: 'softmax' }, loss: 'bce' },
  { name: 'loss-crossEntropy-linear', csv: 'classify', target: 'kind', hidden: [{ units: 6, activation: 'tanh' }], output: { units: 3 }, loss: 'crossEntropy' },
  { name: 'loss-mse-softmax', csv: 'classify', target: 'kind', hidden: [{ units: 6, activation: 'sigmoid' }], output: { units: 3, activation: 'softmax' }, loss: 'mse' },
  { name: 'awkward-columns', csv: 'awkward', target: 'kind', categorical: ['code'], hidden: [{ units: 5, activation: 'relu' }], output: { units: 2, activation: 'softmax' }, loss: 'crossEntropy' },
  { name: 'no-preprocessing', csv: 'plain', hidden: [{ units: 4, activation: 'softplus' }], output: { units: 1, activation: 'sigmoid' }, loss: 'mse' },
);

function modelFor(c: Case, seed: number): { network: Network; preprocessing?: Preprocessor } {
  const table = parseCsv(readFileSync(CSV[c.csv], 'utf8'), { source: CSV[c.csv] });
  const preprocessing = c.target ? fitPreprocessor(table, { target: c.target, task: c.csv === 'regress' ? 'regress' : 'classify', categorical: c.categorical }) : undefined;
  const inputs = preprocessing ? applyPreprocessor(preprocessing, table).inputShape[1] : 3;
  const spec: NetworkSpec = { inputs, layers: [...c.hidden, c.output], loss: c.loss, init: 'normal', seed };
  const network = new Network(spec);
  // Biases away from 0 so they are tested too.
  const r = rng(seed);
  for (const d of network.layers) d.bias!.data.forEach((_, i, b) => { b[i] = r() - 0.5; });
  return { network, preprocessing };
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** What the exported model.py computes for each case: encoded inputs, outputs, decoded values, training loss. */
const DRIVER = String.raw`
import importlib.util, json, sys
out = {}
for name, folder, csv_path in json.loads(sys.argv[1]):
    spec = importlib.util.spec_from_file_location('model_' + name.replace('-', '_'), folder + '/model.py')
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    m = mod.load()
    header, rows = mod.read_csv(csv_path)
    x, y, lines = mod.encode_rows(header, rows, csv_path)
    with mod.torch.no_grad():
        o = m(x)
        loss = mod.TrainingLoss(m)(x, mod.make_targets(y)).item()
        dec = mod.decode(o)
    names = [k for k, _ in m.named_parameters()]
    out[name] = {'x': x.double().flatten().tolist(), 'out': o.double().flatten().tolist(), 'loss': loss, 'names': names,
                 'values': dec.tolist() if hasattr(dec, 'tolist') else None}
print(json.dumps(out))
`;

test('model.py computes what backprop computes, from raw CSV rows, for every activation and loss (to 1e-5)', { skip }, () => {
  const jobs: [string, string, string][] = [];
  const models = new Map<string, ReturnType<typeof modelFor>>();
  cases.forEach((c, i) => {
    const model = modelFor(c, 100 + i);
    models.set(c.name, model);
    const file = tmp.file(`${c.name}.json`, serializeModel(model));
    const dir = join(tmp.dir, c.name);
    const r = backprop(['export', file, '--format', 'pytorch', '--out', dir, '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    for (const f of ['model.safetensors', 'model.py', 'train.py', 'README.md']) assert.ok(existsSync(join(dir, f)), `${c.name}: ${f}`);
    jobs.push([c.name, dir, CSV[c.csv]]);
  });
  const r = runPython(['-c', DRIVER, JSON.stringify(jobs)]);
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout) as Record<string, { x: number[]; out: number[]; loss: number; names: string[]; values: number[] | null }>;
  const report: string[] = [];
  for (const c of cases) {
    const { network, preprocessing } = models.get(c.name)!;
    const py = got[c.name];
    assert.deepEqual(py.names, network.namedParameters().map(([n]) => n), `${c.name}: parameter names`);
    const table = parseCsv(readFileSync(CSV[c.csv], 'utf8'), { source: CSV[c.csv] });
    let x: Tensor, y: Tensor;
    if (preprocessing) {
      const enc = applyPreprocessor(preprocessing, table);
      x = new Tensor(enc.inputs, enc.inputShape);
      y = targetTensor(network, preprocessing.target.kind, enc.targets!);
    } else {
      const nums = table.rows.map((row) => row.map(Number));
      x = new Tensor(Float32Array.from(nums.flatMap((row) => row.slice(0, 3))), [nums.length, 3]);
      y = new Tensor(Float32Array.from(nums.map((row) => row[3])), [nums.length, 1]);
    }
    const dx = maxDiff(py.x, x.data);
    const out = network.predict(x);
    const dOut = maxDiff(py.out, out.data);
    const loss = noGrad(() => network.trainingLoss(x, y).item());
    const dLoss = Math.abs(py.loss - loss) / Math.max(1, Math.abs(loss));
    let dValue = 0;
    if (preprocessing?.target.kind === 'regress') {
      const values = predictRows(network, preprocessing, { inputs: x.data as Float32Array, n: x.shape[0], width: x.shape[1], source: '', droppedLines: [] }).values!;
      dValue = maxDiff(py.values!, values) / (preprocessing.target.std || 1);
    }
    report.push(`${c.name}: inputs ${dx.toExponential(1)}, outputs ${dOut.toExponential(1)}, loss ${dLoss.toExponential(1)}${dValue ? `, decoded ${dValue.toExponential(1)}` : ''}`);
    assert.ok(dx <= 1e-6, `${c.name}: encoded inputs differ by ${dx}`);
    assert.ok(dOut <= 1e-5, `${c.name}: outputs differ by ${dOut}`);
    assert.ok(dLoss <= 1e-5, `${c.name}: loss ${py.loss} (PyTorch) vs ${loss} (backprop)`);
    assert.ok(dValue <= 1e-5, `${c.name}: decoded values differ by ${dValue} target std`);
  }
  console.log(`max |PyTorch − backprop| per case (torch ${torchPython()!.version}):\n  ${report.join('\n  ')}`);
});

/** backprop train with these flags on a CSV (the classification one by default), then the export folder. */
function trainAndExport(name: string, flags: string[], csv: keyof typeof CSV = 'classify', target = 'kind'): { json: string; dir: string } {
  const json = join(tmp.dir, `${name}.json`);
  const t = backprop(['train', CSV[csv], '--target', target, '--hidden', '6', '--epochs', '3', '--validation-split', '0', '--no-early-stopping', '--seed', '5', '--out', json, '-q', ...flags]);
  assert.equal(t.code, 0, t.stderr);
  const dir = join(tmp.dir, name);
  const e = backprop(['export', json, '--format', 'pytorch', '--out', dir]);
  assert.equal(e.code, 0, e.stderr);
  return { json, dir };
}

/**
 * One full-batch backprop step from the model in `json` on `csv`, compared parameter by parameter
 * with the model file `torchJson` (what train.py wrote, imported). Returns [largest move, largest difference].
 */
function compareStep(json: string, torchJson: string, csv: keyof typeof CSV, optimizer: 'sgd' | 'adam', lr: number, weightDecay: number): [number, number] {
  const { network, preprocessing } = loadModelSync(json);
  const enc = applyPreprocessor(preprocessing!, parseCsv(readFileSync(CSV[csv], 'utf8')));
  const x = new Tensor(enc.inputs, enc.inputShape);
  const y = targetTensor(network, preprocessing!.target.kind, enc.targets!);
  const before = network.namedParameters().map(([, t]) => Array.from(t.data));
  network.training(x, y, { optimizer, learningRate: lr, optimizerOptions: { weightDecay }, batchSize: 'full', epochs: 1 }).step();
  const torch = loadModelSync(torchJson).network;
  let moved = 0, worst = 0;
  network.namedParameters().forEach(([name, t], i) => {
    const d = maxDiff(t.data, torch.namedParameters()[i][1].data);
    worst = Math.max(worst, d);
    moved = Math.max(moved, maxDiff(t.data, before[i]));
    assert.ok(d <= 1e-5, `${name}: max difference ${d}`);
  });
  assert.ok(moved > 1e-3, `the step moved the weights (by up to ${moved})`);
  return [moved, worst];
}

for (const [optimizer, extra] of [['sgd', ['--learning-rate', '0.3', '--weight-decay', '0.01']], ['adam', ['--learning-rate', '0.05', '--weight-decay', '0.001']]] as const) {
  test(`one ${optimizer} step of train.py equals one backprop step on the same batch (to 1e-5)`, { skip }, () => {
    const { json, dir } = trainAndExport(`step-${optimizer}`, ['--optimizer', optimizer, '--batch-size', 'full', ...extra]);
    // One epoch of a full batch is one update; train.py takes optimizer, rate, decay and batch from the model.
    const stepped = join(dir, 'stepped.safetensors');
    const r = runPython(['train.py', '--data', CSV.classify, '--epochs', '1', '--out', stepped], { cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`${optimizer} lr ${extra[1]}, weight decay ${extra[3]}, 120 rows per update`));
    const back = join(tmp.dir, `stepped-${optimizer}.json`);
    const imp = backprop(['import', stepped, '--spec', json, '--out', back]);
    assert.equal(imp.code, 0, imp.stderr);
    const [moved, worst] = compareStep(json, back, 'classify', optimizer, Number(extra[1]), Number(extra[3]));
    console.log(`${optimizer}: one step moved weights by up to ${moved.toExponential(2)}; PyTorch and backprop agree to ${worst.toExponential(1)}`);
  });
}

test('torchrun --nproc_per_node=2 train.py --epochs 1 (gloo on localhost) trains; the weights import back and evaluate', { skip, timeout: 600_000 }, () => {
  const [launcher, ...launchArgs] = [...torchrunCommand(), ...TORCHRUN.split(' ').slice(1)];
  // First: a full-batch SGD step on 2 processes (60 rows each) is the one-process step, so the
  // gradients are averaged over the processes; with sse, a sum over the batch, they must add up.
  const step = trainAndExport('ddp-step', ['--optimizer', 'sgd', '--learning-rate', '0.002', '--weight-decay', '0.01', '--batch-size', 'full', '--loss', 'sse'], 'regress', 'price');
  const s = spawnTorchrun(launcher, [...launchArgs, 'train.py', '--data', CSV.regress, '--epochs', '1', '--out', 'stepped.safetensors'], step.dir);
  assert.equal(s.status, 0, `torchrun failed:\n${s.stdout}\n${s.stderr}`);
  assert.match(s.stdout, /2 processes \(gloo\), sgd lr 0.002, weight decay 0.01, 120 rows per update/);
  const stepJson = join(tmp.dir, 'ddp-stepped.json');
  assert.equal(backprop(['import', join(step.dir, 'stepped.safetensors'), '--out', stepJson]).code, 0);
  const [moved, worst] = compareStep(step.json, stepJson, 'regress', 'sgd', 0.002, 0.01);
  console.log(`DDP full-batch sse step on 2 processes: weights moved by up to ${moved.toExponential(2)}; agree with backprop's step to ${worst.toExponential(1)}`);

  const { dir } = trainAndExport('ddp', []);
  const readme = readFileSync(join(dir, 'README.md'), 'utf8');
  assert.ok(readme.includes(`${TORCHRUN} train.py --data train.csv`), 'README shows the launch line');
  assert.ok(readFileSync(join(dir, 'train.py'), 'utf8').includes(TORCHRUN));
  // The documented line as written, with this machine's torchrun.
  const started = Date.now();
  const t0 = Date.now();
  const run = spawnTorchrun(launcher, [...launchArgs, 'train.py', '--data', CSV.classify, '--epochs', '1'], dir);
  const seconds = (Date.now() - t0) / 1000;
  assert.equal(run.status, 0, `torchrun failed:\n${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /2 processes \(gloo\)/);
  const final = /epoch 1\/1: loss ([\d.e+-]+)/.exec(run.stdout);
  assert.ok(final, run.stdout);
  const loss = Number(final[1]);
  assert.ok(Number.isFinite(loss) && loss > 0);

  const trained = join(tmp.dir, 'ddp-trained.json');
  const imp = backprop(['import', join(dir, 'model.safetensors'), '--out', trained]);
  assert.equal(imp.code, 0, imp.stderr);
  assert.match(imp.stderr, /architecture from the file's metadata\); trained in PyTorch .* on 2 processes for 1 epoch, final loss/);
  const model = JSON.parse(readFileSync(trained, 'utf8'));
  assert.equal(model.metadata.pytorch.processes, 2);
  assert.equal(model.metadata.pytorch.backend, 'gloo');
  assert.ok(Math.abs(model.metadata.pytorch.loss - loss) <= 1e-5 * Math.max(1, loss));
  const ev = backprop(['evaluate', trained, CSV.classify, '--json']);
  assert.equal(ev.code, 0, ev.stderr);
  const report = JSON.parse(ev.stdout);
  assert.equal(report.rows, 120);
  assert.ok(report.accuracy > 0.5, `accuracy ${report.accuracy}`);
  // predict, explain and export --format onnx take the imported model too.
  assert.equal(backprop(['predict', trained, CSV.classify, '--out', join(tmp.dir, 'p.csv'), '-q']).code, 0);
  const ex = backprop(['explain', trained, '--input', '0.5,1,0,0,1', '--target', '1']);
  assert.equal(ex.code, 0, ex.stderr);
  assert.match(ex.stdout, /network: 5 inputs → 6 relu → 3 softmax/);
  assert.equal(backprop(['export', trained, '--format', 'onnx', '--out', join(tmp.dir, 'ddp.onnx'), '-q']).code, 0);
  console.log(`torchrun, 2 processes (gloo): ${seconds.toFixed(1)}s for 1 epoch (launch included), final loss ${loss}; evaluate: accuracy ${report.accuracy} on ${report.rows} rows (total ${((Date.now() - started) / 1000).toFixed(1)}s)`);
});

function spawnTorchrun(cmd: string, args: string[], cwd: string) {
  return spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 300_000, env: { ...process.env, OMP_NUM_THREADS: '1', PYTHONDONTWRITEBYTECODE: '1' } });
}

test('export and import of PyTorch files: bad input is one line and exit code 1, nothing half-written', { skip }, () => {
  const { json, dir } = trainAndExport('errors', ['--epochs', '1']);
  const one = (r: { code: number | null; stderr: string }, pattern: RegExp): void => {
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, pattern);
    assert.doesNotMatch(r.stderr, /at .*\.js:\d+/);
  };
  one(backprop(['export', json, '--format', 'pytorch', '--out', json]), /--out .*errors\.json: is a file; a PyTorch export is a folder/);
  one(backprop(['export', json, '--format', 'pytorch', '--out', join(tmp.dir, 'no', 'such', 'dir')]), /the folder .* does not exist/);
  one(backprop(['export', json, '--format', 'torch', '--out', dir]), /--format must be onnx, tfjs or pytorch, got 'torch'/);
  const weights = readFileSync(join(dir, 'model.safetensors'));
  const bad = tmp.file('truncated.safetensors', weights.subarray(0, weights.length - 10));
  const out = join(tmp.dir, 'never.json');
  one(backprop(['import', bad, '--out', out]), /truncated\.safetensors: tensor 'layers\.1\.bias': data_offsets .* run past the end of the data/);
  assert.ok(!existsSync(out), 'no output after a failed import');
  one(backprop(['import', tmp.file('empty.safetensors', ''), '--out', out]), /empty\.safetensors: the file is empty/);
  one(backprop(['import', join(tmp.dir, 'missing.safetensors')]), /missing\.safetensors: cannot read the safetensors file \(no such file\)/);
  // Weights of another architecture, or a file with no backprop metadata and no --spec.
  const other = modelFor({ name: 'x', csv: 'classify', target: 'kind', hidden: [{ units: 9, activation: 'relu' }], output: { units: 3, activation: 'softmax' }, loss: 'crossEntropy' }, 1);
  const otherJson = tmp.file('other.json', serializeModel(other));
  one(backprop(['import', join(dir, 'model.safetensors'), '--spec', otherJson, '--out', out]), /tensor 'layers\.0\.weight' has shape \[6, 5\], the model expects \[9, 5\]; is this the right --spec\?/);
  const py = runPython(['-c', 'import sys, torch; sys.path.insert(0, sys.argv[1]); import model; model.write_safetensors(sys.argv[2], model.load().state_dict())', dir, join(tmp.dir, 'bare.safetensors')]);
  assert.equal(py.status, 0, py.stderr);
  one(backprop(['import', join(tmp.dir, 'bare.safetensors')]), /has no 'backprop' metadata .*; give --spec model\.json/);
  const ok = backprop(['import', join(tmp.dir, 'bare.safetensors'), '--spec', json, '--out', out]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.deepEqual(loadModelSync(out).network.toJSON().layers, loadModelSync(json).network.toJSON().layers, 'written by model.py\'s own writer, read back exactly');
  // An output that is an input is refused before any work, and the input is left as it was.
  const specBytes = readFileSync(json);
  one(backprop(['import', join(dir, 'model.safetensors'), '--spec', json, '--out', json]), /--out .*errors\.json is the same file as --spec .*writing it would destroy the input/);
  assert.deepEqual(readFileSync(json), specBytes, 'the spec is unchanged');
  const weightBytes = readFileSync(join(dir, 'model.safetensors'));
  one(backprop(['import', join(dir, 'model.safetensors'), '--out', join(dir, 'model.safetensors')]), /is the same file as the safetensors file/);
  assert.deepEqual(readFileSync(join(dir, 'model.safetensors')), weightBytes, 'the weights are unchanged');
  // NaN weights (a diverged run) are refused with the tensor's name.
  const nan = Buffer.from(weights);
  const n = Number(nan.readBigUInt64LE(0));
  nan.writeFloatLE(Number.NaN, 8 + n);
  one(backprop(['import', tmp.file('nan.safetensors', nan), '--out', out + '2']), /tensor 'layers\.0\.weight' holds NaN at element 0; training diverged/);
  // train.py's own errors are one line too.
  const tp = runPython(['train.py', '--data', CSV.regress, '--epochs', '1'], { cwd: dir });
  assert.equal(tp.status, 1, tp.stderr);
  assert.match(tp.stderr.trim(), /^train\.py: .*regress\.csv: missing column\(s\) x, y that the model was trained on/);
});

test('IDX images: model.py encodes them as backprop does (bytes / 255, per-pixel standardisation), and train.py trains on them', { skip }, () => {
  const r = rng(21);
  const n = 80;
  const pixels = new Uint8Array(n * 16), labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 3;
    for (let j = 0; j < 16; j++) pixels[i * 16 + j] = Math.min(255, Math.floor(r() * 120 + (j % 3 === labels[i] ? 120 : 0)));
  }
  const images = tmp.file('img.idx.gz', gzipSync(writeIdx([n, 4, 4], pixels)));
  const lbls = tmp.file('lbl.idx', writeIdx([n], labels));
  const json = join(tmp.dir, 'img.json');
  assert.equal(backprop(['train', '--images', images, '--labels', lbls, '--hidden', '5', '--epochs', '2', '--out', json, '-q']).code, 0);
  const dir = join(tmp.dir, 'img');
  const e = backprop(['export', json, '--format', 'pytorch', '--out', dir]);
  assert.equal(e.code, 0, e.stderr);
  assert.match(e.stderr, /python3 train\.py --images <images> --labels <labels>/);
  const py = runPython(['-c', 'import sys, json, torch; sys.path.insert(0, sys.argv[1]); import model; x = model.encode_images(sys.argv[2]); m = model.load()\nwith torch.no_grad(): print(json.dumps([x.double().flatten().tolist(), m(x).double().flatten().tolist()]))', dir, images]);
  assert.equal(py.status, 0, py.stderr);
  const [px, pout] = JSON.parse(py.stdout) as [number[], number[]];
  const { network, preprocessing } = loadModelSync(json);
  const enc = loadForModel(preprocessing!, { shape: [4, 4] }, { images }, false);
  const dx = maxDiff(px, enc.inputs);
  const dOut = maxDiff(pout, network.predict(new Tensor(enc.inputs, [enc.n, enc.width])).data);
  assert.ok(dx <= 1e-6, `pixels differ by ${dx}`);
  assert.ok(dOut <= 1e-5, `outputs differ by ${dOut}`);
  const t = runPython(['train.py', '--images', images, '--labels', lbls, '--epochs', '1'], { cwd: dir });
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stdout, /training on 80 rows, 1 process/);
  const back = join(tmp.dir, 'img-trained.json');
  assert.equal(backprop(['import', join(dir, 'model.safetensors'), '--out', back]).code, 0);
  const ev = backprop(['evaluate', back, '--images', images, '--labels', lbls, '--json']);
  assert.equal(ev.code, 0, ev.stderr);
  assert.equal(JSON.parse(ev.stdout).rows, 80);
  console.log(`IDX images: pixels ${dx.toExponential(1)}, outputs ${dOut.toExponential(1)}`);
});

test("model.py names numeric categories as JavaScript's String(number) does", { skip }, () => {
  const values = [0, -0, 1, -1, 1.5, 0.1, 100, 1e20, 1e21, 1.25e21, 123456789012345680000, 1e-6, 1e-7, 1.5e-7, 0.000001234, -2.5e-8, 5e-324, 1.7976931348623157e308, 2 ** 53, 0.30000000000000004, 1234.5678];
  const dir = join(tmp.dir, 'js-number');
  const file = tmp.file('js-number.json', serializeModel({ network: new Network({ inputs: 1, layers: [{ units: 1 }] }) }));
  assert.equal(backprop(['export', file, '--format', 'pytorch', '--out', dir, '-q']).code, 0);
  const r = runPython(['-c', 'import sys, json; sys.path.insert(0, sys.argv[1]); import model; print(json.dumps([model._js_number(v) for v in json.loads(sys.argv[2])]))', dir, JSON.stringify(values)]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), values.map((v) => String(v)));
});

test('the loss table and the activation table are covered by the cases above', () => {
  assert.deepEqual([...new Set(cases.map((c) => c.loss))].sort(), [...LOSSES].sort());
  for (const a of ACTIVATIONS) assert.ok(cases.some((c) => c.hidden.some((l) => l.activation === a)) && cases.some((c) => c.output.activation === a), a);
});
