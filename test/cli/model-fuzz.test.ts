/**
 * Property-based fuzzing of the model-file loader as evaluate/predict use it (parseModel, then the
 * CLI's checks and a prediction): thousands of truncated, byte-edited and structurally edited model
 * texts. Each must load and predict, or throw a BackpropError with a one-line message; any other
 * exception (TypeError, RangeError, …) is a bug.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import '../../src/index.js';
import { Network } from '../../src/train/network.js';
import { parseModel, serializeModel } from '../../src/io/model.js';
import { parseCsv } from '../../src/data/csv.js';
import { fitPreprocessor, applyPreprocessor } from '../../src/data/tabular.js';
import { BackpropError } from '../../src/tensor/errors.js';
import { checkTrainedModel, predictRows } from '../../src/cli/tabular.js';
import { networkSpec } from '../../src/cli/tabular.js';
import { classificationCsv, regressionCsv } from './spawn.js';

const RUNS = 1500;

function modelFor(csv: string, target: string): string {
  const table = parseCsv(csv, { source: 'train.csv' });
  const pre = fitPreprocessor(table, { target });
  const width = pre.features.reduce((w, f) => w + (f.kind === 'numeric' ? 1 : f.categories.length), 0);
  const network = new Network(networkSpec(pre, width, { hidden: [3], activation: 'tanh', seed: 1 }));
  return serializeModel({ network, preprocessing: pre, metadata: { createdBy: 'test', epochs: 3 } });
}

const MODELS = [modelFor(classificationCsv(30), 'kind'), modelFor(regressionCsv(30), 'price')];
const ROWS = [parseCsv('x,y,colour,kind\n0.5,-1,red,high\n', { source: 'rows.csv' }), parseCsv('a,b,colour,price\n0.1,0.2,blue,100\n', { source: 'rows.csv' })];

/** Loads like `backprop evaluate` does; only BackpropErrors may escape. Returns whether it loaded. */
function load(text: string, which: number): boolean {
  try {
    const model = parseModel(text, 'model.json');
    const pre = checkTrainedModel(model.preprocessing, model.network, 'model.json');
    const enc = applyPreprocessor(pre, ROWS[which], { requireTarget: false });
    const p = predictRows(model.network, pre, { inputs: enc.inputs, n: enc.inputShape[0], width: enc.inputShape[1], source: 'rows.csv', droppedLines: [] });
    assert.equal((p.classes ?? p.values)!.length, 1);
    return true;
  } catch (e) {
    if (e instanceof BackpropError) {
      assert.ok(!e.message.includes('\n'), `multi-line message: ${e.message}`);
      assert.match(e.message, /^model\.json: |^rows\.csv|^predict|^applyPreprocessor/, e.message);
      return false;
    }
    throw e;
  }
}

test('the unedited models load and predict', () => {
  assert.ok(load(MODELS[0], 0));
  assert.ok(load(MODELS[1], 1));
});

test('fuzz: truncated model files', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 1 }), fc.double({ min: 0, max: 1, noNaN: true }), (which, at) => {
    const text = MODELS[which];
    const cut = Math.floor(at * (text.length - 2)); // drops at least the closing '}' (and the final newline)
    assert.equal(load(text.slice(0, cut), which), false, `cut at ${cut} still loaded`);
  }), { numRuns: RUNS, seed: 11 });
});

test('fuzz: characters replaced, inserted or deleted', () => {
  const edit = fc.record({
    pos: fc.double({ min: 0, max: 1, noNaN: true }),
    kind: fc.constantFrom('replace', 'insert', 'delete'),
    ch: fc.constantFrom(...'{}[]:,"-.0123456789eE+ aznultrfsNI\\\n'.split('')),
  });
  fc.assert(fc.property(fc.integer({ min: 0, max: 1 }), fc.array(edit, { minLength: 1, maxLength: 4 }), (which, edits) => {
    let text = MODELS[which];
    for (const e of edits) {
      const i = Math.floor(e.pos * text.length);
      text = e.kind === 'replace' ? text.slice(0, i) + e.ch + text.slice(i + 1) : e.kind === 'insert' ? text.slice(0, i) + e.ch + text.slice(i) : text.slice(0, i) + text.slice(i + 1);
    }
    load(text, which);
  }), { numRuns: RUNS * 2, seed: 12 });
});

/** Every path (keys and indices) inside a JSON value. */
function paths(v: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...prefix, i], out));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...prefix, k], out);
  return out;
}

test('fuzz: JSON values replaced, removed or added anywhere in the model', () => {
  const parsed = MODELS.map((m) => JSON.parse(m));
  const all = parsed.map((p) => paths(p).filter((p) => p.length > 0));
  const value = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom(0, -1, 1e308, -1e-308, 1.5, 2 ** 31, 1e9, '', 'numeric', 'categorical', 'classify', 'regress', 'softmax', 'crossEntropy', [], {}, null, true),
  );
  const change = fc.record({ at: fc.nat(), op: fc.constantFrom('set', 'delete', 'add'), value, key: fc.constantFrom('extra', 'units', 'weights', 'bias', 'kind', 'labels', 'std', 'mean', 'categories', 'features', 'target', 'layers', 'inputs', 'version') });
  fc.assert(fc.property(fc.integer({ min: 0, max: 1 }), fc.array(change, { minLength: 1, maxLength: 3 }), (which, changes) => {
    const obj = structuredClone(parsed[which]);
    for (const c of changes) {
      const path = all[which][c.at % all[which].length];
      let parent: Record<string | number, unknown> = obj;
      for (const k of path.slice(0, -1)) {
        const next = parent?.[k];
        if (next === null || typeof next !== 'object') return;
        parent = next as Record<string | number, unknown>;
      }
      const last = path[path.length - 1];
      if (c.op === 'set') parent[last] = c.value;
      else if (c.op === 'delete') {
        if (Array.isArray(parent)) parent.splice(Number(last), 1);
        else delete parent[last];
      } else if (!Array.isArray(parent)) parent[c.key] = c.value;
      else parent.push(c.value);
    }
    load(JSON.stringify(obj), which);
  }), { numRuns: RUNS * 2, seed: 13 });
});

test('regression: a JSON syntax error is one line, with the line and column where V8 gives a position', () => {
  for (const [text, pattern] of [
    [']\n "format": 1}', /^m\.json: not valid JSON \(Unexpected token '\]'\); was it truncated/],
    ['{\n "format": 1\n "x": 2}', /^m\.json: not valid JSON \(Expected ',' or '\}' after property value at line 3, column 2\)/],
  ] as const) {
    assert.throws(() => parseModel(text, 'm.json'), (e: unknown) => {
      assert.ok(e instanceof BackpropError);
      assert.ok(!e.message.includes('\n'), e.message);
      assert.match(e.message, pattern);
      return true;
    });
  }
});

test('regression: a bare network spec asking for billions of parameters is a DataError, not a RangeError', () => {
  assert.throws(() => parseModel('{"inputs":100000,"layers":[{"units":100000}]}', 'big.json'), (e: unknown) => {
    assert.ok(e instanceof BackpropError, String(e));
    assert.match((e as Error).message, /big\.json: the network spec asks for 10000100000 parameters, more than backprop builds/);
    return true;
  });
});
