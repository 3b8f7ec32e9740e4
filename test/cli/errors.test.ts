/**
 * Every user error of train/evaluate/predict, run through the real command: a one-line message on
 * stderr that names the file and line/column (or field) and the fix, exit code 1, no stack trace
 * (unless --debug), and no output file created or an existing one changed. Also --help on each.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import '../../src/index.js';
import { Network } from '../../src/train/network.js';
import { serializeModel } from '../../src/io/model.js';
import { parseCsv } from '../../src/data/csv.js';
import { fitPreprocessor } from '../../src/data/tabular.js';
import { loadTrainedModel, networkSpec } from '../../src/cli/tabular.js';
import { BackpropError } from '../../src/tensor/errors.js';
import { backprop, classificationCsv, tempDir, type Result } from './spawn.js';

/** Asserts a clean failure: exit 1, one line "backprop: …" matching `pattern`, no stack, no stdout. */
function fails(r: Result, pattern: RegExp): void {
  assert.equal(r.code, 1, `exit code ${r.code}; stderr: ${r.stderr}`);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `expected one line, got:\n${r.stderr}`);
  assert.match(lines[0], /^backprop: /);
  assert.doesNotMatch(r.stderr, /^\s+at /m);
  assert.match(lines[0], pattern);
}

const SENTINEL = 'previous contents\n';
const DATA = classificationCsv(40);

/** A valid model for DATA (x, y, colour → kind), made in-process. */
function modelText(version = 1): string {
  const pre = fitPreprocessor(parseCsv(DATA, { source: 'd.csv' }), { target: 'kind' });
  const network = new Network(networkSpec(pre, 5, { hidden: [4], activation: 'relu', seed: 0 }));
  return serializeModel({ network, preprocessing: pre, metadata: {} }).replace('"version": 1', `"version": ${version}`);
}

test('train: bad CSV files fail with file, line and column, and leave an existing model untouched', () => {
  const t = tempDir();
  try {
    const out = t.file('model.json', SENTINEL);
    const lines = DATA.split('\n');
    const cases: [string, string, RegExp][] = [
      ['typo.csv', [...lines.slice(0, 7), lines[7].replace(/^[^,]*/, '1.2.3'), ...lines.slice(8)].join('\n'),
        /typo\.csv line 8, column "x": "1\.2\.3" is not a number, but the column holds numbers \(39 of 40 cells\); fix the cell, .*--categorical x.*--exclude x/],
      ['ragged.csv', [...lines.slice(0, 4), `${lines[4]},extra`, ...lines.slice(5)].join('\n'),
        /ragged\.csv line 5: 5 fields, expected 4 \(header has 4 columns\); check for a missing or extra ','/],
      ['empty.csv', '', /empty\.csv: the file is empty; expected a header row/],
    ];
    for (const [name, text, pattern] of cases) {
      fails(backprop(['train', t.file(name, text), '--target', 'kind', '--out', out]), pattern);
      assert.equal(readFileSync(out, 'utf8'), SENTINEL, name);
    }
    fails(backprop(['train', t.file('d.csv', DATA), '--target', 'label', '--out', out]),
      /d\.csv: no column "label" \(the target\); the columns are "x", "y", "colour", "kind"/);
    assert.equal(readFileSync(out, 'utf8'), SENTINEL);
  } finally {
    t.cleanup();
  }
});

test('train: bad options are reported before any data is read or file written', () => {
  const t = tempDir();
  try {
    const data = t.file('d.csv', DATA);
    const out = t.file('m.json');
    // (every option's checks are tested in-process in units.test.ts; these go through the command)
    const cases: [string[], RegExp][] = [
      [['--plot', 'loss.jpg'], /--plot loss\.jpg: the file name must end in \.svg or \.png/],
      [['--out', t.file('no/such/dir/m.json')], /the folder .*no\/such\/dir does not exist; create it first/],
    ];
    for (const [args, pattern] of cases) fails(backprop(['train', data, '--target', 'kind', '--out', out, ...args]), pattern);
    assert.ok(!existsSync(out));
    // commander's own errors (unknown option) also exit non-zero
    const unknown = backprop(['train', data, '--target', 'kind', '--epoch', '5']);
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /unknown option '--epoch'/);
  } finally {
    t.cleanup();
  }
});

test('train: divergence is a one-line error with the remedy, and no model is written', () => {
  const t = tempDir();
  try {
    const data = t.file('houses.csv', 'a,price\n1,1e6\n2,2e6\n3,3.5e6\n4,3.9e6\n5,5.2e6\n6,6e6\n');
    const out = t.file('m.json');
    const r = backprop(['train', data, '--target', 'price', '--out', out, '--optimizer', 'sgd', '--learning-rate', '1e4', '--epochs', '50', '--validation-split', '0', '--task', 'regress', '--quiet']);
    fails(r, /training diverged at epoch \d+, batch \d+: .* Try a lower learning rate/);
    assert.ok(!existsSync(out));
  } finally {
    t.cleanup();
  }
});

test('evaluate/predict: unreadable, truncated, foreign and wrong-version model files', async () => {
  const t = tempDir();
  try {
    const data = t.file('d.csv', DATA);
    const good = modelText();
    const cases: [string, string | null, RegExp][] = [
      ['missing.json', null, /missing\.json: cannot read the model file \(no such file\)/],
      ['truncated.json', good.slice(0, Math.floor(good.length / 2)), /truncated\.json: not valid JSON .*was it truncated or edited by hand\?/],
      ['newer.json', modelText(7), /newer\.json: written by a newer backprop \(model format version 7\); .*Upgrade backprop/],
      ['bare.json', '{"inputs":5,"layers":[{"units":3}]}', /bare\.json: the model has no 'preprocessing' .*train a model with 'backprop train' first/],
    ];
    for (const [name, text, pattern] of cases) {
      const path = text === null ? t.file(name) : t.file(name, text);
      fails(backprop(['evaluate', path, data]), pattern);
    }
    const out = t.file('pred.csv', SENTINEL);
    fails(backprop(['predict', t.file('truncated.json'), data, '--out', out]), /truncated\.json: not valid JSON/);
    assert.equal(readFileSync(out, 'utf8'), SENTINEL);
    // the same loader in-process, for the rarer cases
    for (const [name, text, pattern] of [
      ['empty.json', '', /empty\.json: the file is empty/],
      ['other.json', '{"format":"keras","version":1}', /other\.json: not a backprop model file \(format is "keras"/],
      ['edited.json', good.replace('"units": 4', '"units": 3'), /edited\.json: network\.layers\[0\]\.weights has 4 rows, expected 3 \(units\)/],
    ] as const) {
      await assert.rejects(loadTrainedModel(t.file(name, text)), (e: unknown) => e instanceof BackpropError && pattern.test(e.message));
    }
  } finally {
    t.cleanup();
  }
});

test('evaluate/predict: data that does not fit the model names the column and line; --out stays untouched', () => {
  const t = tempDir();
  try {
    const model = t.file('m.json', modelText());
    const out = t.file('pred.csv', SENTINEL);
    // a feature column missing (the feature count does not match the model)
    const noColour = t.file('two.csv', 'x,y,kind\n1,2,high\n');
    fails(backprop(['predict', model, noColour, '--out', out]), /two\.csv: missing column "colour" that the model was trained on; the file has columns "x", "y", "kind"/);
    fails(backprop(['evaluate', model, noColour]), /two\.csv: missing column "colour" that the model was trained on/);
    // a category the model never saw, a non-number, a target missing for evaluate, a bad label
    fails(backprop(['predict', model, t.file('cat.csv', 'x,y,colour\n1,2,red\n0,1,purple\n'), '--out', out]),
      /cat\.csv line 3, column "colour": unknown category "purple"; the model knows "blue", "green", "red"/);
    fails(backprop(['evaluate', model, t.file('nolabel.csv', 'x,y,colour\n1,2,red\n')]), /nolabel\.csv: no column "kind" \(the target the model was trained to predict\)/);
    fails(backprop(['evaluate', model, t.file('label.csv', 'x,y,colour,kind\n1,abc,red,high\n2,2,red,huge\n'), '--drop-missing']),
      /label\.csv line 2, column "y": "abc" is not a number, but the model saw numbers in this column/);
    assert.equal(readFileSync(out, 'utf8'), SENTINEL);
  } finally {
    t.cleanup();
  }
});

test('--debug adds the stack trace; --help on every command shows examples', () => {
  const t = tempDir();
  try {
    const r = backprop(['--debug', 'evaluate', t.file('missing.json'), t.file('d.csv', DATA)]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^backprop: .*missing\.json: cannot read the model file/);
    assert.match(r.stderr, /\n\s+at /);
  } finally {
    t.cleanup();
  }
  for (const cmd of ['train', 'evaluate', 'predict']) {
    const h = backprop([cmd, '--help']);
    assert.equal(h.code, 0);
    assert.match(h.stdout, new RegExp(`Usage: backprop ${cmd}`));
    assert.match(h.stdout, /Examples:\n {2}\$ backprop /);
  }
});
