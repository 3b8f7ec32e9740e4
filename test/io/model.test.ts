// Model files: round trips give identical predictions; damaged files fail with one clear message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Network, parseModel, serializeModel, DataError, parseCsv, fitPreprocessor } from '../../src/node.js';
import { loadModel, saveModel } from '../../src/io/model-file.js';

function trained(): Network {
  const net = new Network({ inputs: 3, layers: [{ units: 4, activation: 'tanh' }, { units: 2, activation: 'softmax' }], loss: 'crossEntropy', seed: 5 });
  net.learn([[0, 1, 2], [1, 0, 0], [2, 2, 1]], [0, 1, 0], { epochs: 10, optimizer: 'adam', learningRate: 0.01 });
  return net;
}

test('save then load gives identical predictions and keeps preprocessing and metadata', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bp-model-'));
  const path = join(dir, 'model.json');
  const net = trained();
  const preprocessing = fitPreprocessor(parseCsv('a,b,c,label\n1,2,3,x\n4,5,6,y\n', { source: 't.csv' }), { target: 'label' });
  await saveModel(path, { network: net, preprocessing, metadata: { epochs: 10 } });
  const loaded = await loadModel(path);
  const x = [[0.3, 0.1, -2], [5, 4, 3]];
  assert.deepEqual(loaded.network.predict(x), net.predict(x));
  assert.deepEqual(loaded.preprocessing, preprocessing);
  assert.deepEqual(loaded.metadata, { epochs: 10 });
  assert.deepEqual(readdirSync(dir), ['model.json']); // no temporary file left behind
});

test('network.save and Network.load from backprop/node', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bp-model-'));
  const net = trained();
  await net.save(join(dir, 'm.json'));
  const again = await Network.load(join(dir, 'm.json'));
  assert.deepEqual(again.toJSON(), net.toJSON());
});

test('a truncated file at every length is rejected with a DataError, never a half-built network', () => {
  const text = serializeModel({ network: trained() });
  for (let cut = 0; cut < text.length - 2; cut += Math.max(1, Math.floor(text.length / 300))) {
    assert.throws(() => parseModel(text.slice(0, cut), 'm.json'), (e: Error) => e instanceof DataError && e.message.startsWith('m.json: '), `cut at ${cut}`);
  }
});

test('edited files name what is wrong', () => {
  const file = JSON.parse(serializeModel({ network: trained() }));
  const cases: [(f: any) => void, RegExp][] = [
    [(f) => { f.format = 'keras'; }, /not a backprop model file \(format is "keras"/],
    [(f) => { f.version = 7; }, /newer backprop \(model format version 7\).*Upgrade/],
    [(f) => { f.network.layers[0].weights[1] = [1, 2]; }, /network\.layers\[0\]\.weights\[1\] has 2 numbers, expected 3/],
    [(f) => { f.network.layers[1].bias[0] = 'x'; }, /network\.layers\[1\]\.bias\[0\] is "x"/],
    [(f) => { delete f.network.layers[1].weights; }, /network\.layers\[1\] has no weights/],
    [(f) => { f.network.inputs = -3; }, /network\.inputs must be a whole number ≥ 1/],
    [(f) => { f.extra = 1; }, /unknown field 'extra'/],
    [(f) => { f.preprocessing = { version: 1, features: [{ name: 'a', kind: 'numeric', mean: 0, std: 1 }], target: { name: 'y', kind: 'regress', mean: 0, std: 1 } }; }, /preprocessing encodes 1 inputs but network\.inputs is 3/],
  ];
  for (const [edit, pattern] of cases) {
    const copy = structuredClone(file);
    edit(copy);
    assert.throws(() => parseModel(JSON.stringify(copy), 'model.json'), (e: Error) => e instanceof DataError && pattern.test(e.message), String(pattern));
  }
  assert.throws(() => parseModel('', 'model.json'), /model\.json: the file is empty/);
  assert.throws(() => parseModel('[1,2]', 'model.json'), /expected a JSON object/);
});

test('a NaN or Infinity cannot sneak in through the file', () => {
  const text = serializeModel({ network: trained() }).replace(/-?\d+\.\d+/, '1e999');
  assert.throws(() => parseModel(text, 'm.json'), /weights must be finite numbers/);
});

test('a bare network spec loads too (explain and landscape accept specs)', () => {
  const { network } = parseModel(JSON.stringify({ inputs: 1, layers: [{ units: 1, weights: [[2]], bias: [1] }] }), 'spec.json');
  assert.deepEqual(network.predict([[3]]), [[7]]);
});

test('a failed save leaves the previous file intact', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bp-model-'));
  const path = join(dir, 'model.json');
  writeFileSync(path, 'previous');
  const net = trained();
  const broken = { network: { toJSON: () => { throw new Error('boom'); } } as unknown as Network };
  await assert.rejects(saveModel(path, broken), /boom/);
  assert.equal(readFileSync(path, 'utf8'), 'previous');
  assert.deepEqual(readdirSync(dir), ['model.json']);
  await saveModel(path, { network: net });
  assert.notEqual(readFileSync(path, 'utf8'), 'previous');
});
