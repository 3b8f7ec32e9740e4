import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCsv } from '../../src/data/csv.js';
import {
  applyPreprocessor, checkFeatureCount, checkInputCount, classLabels, decodeTarget, describeColumns, featureNames, featureWidth,
  fitPreprocessor, isMissing, parseNumber, parsePreprocessor, type Preprocessor,
} from '../../src/data/tabular.js';
import { DataError, ShapeError, ValueError } from '../../src/tensor/errors.js';

const csv = (text: string, source = 'data.csv') => parseCsv(text, { source });

function dataError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DataError, `expected DataError, got ${e}`);
    assert.match(e.message, pattern);
    assert.ok(!e.message.includes('\n'));
    return true;
  });
}

const FRUIT = 'weight,colour,id,kind\n100,red,1,apple\n300,green,2,melon\n200, red ,3,apple\n200,yellow,4,banana\n';

test('numbers and missing markers', () => {
  assert.equal(parseNumber(' -1.5e2 '), -150);
  assert.equal(parseNumber('.5'), 0.5);
  assert.equal(parseNumber('5.'), 5);
  for (const bad of ['', '1,5', '0x10', 'Infinity', '1e999', 'abc', '1 2', '--1']) assert.equal(parseNumber(bad), null, bad);
  for (const m of ['', ' ', 'NA', 'NaN', '?', 'null', 'N/A']) assert.ok(isMissing(m), m);
  assert.ok(!isMissing('0'));
});

test('column kinds: numbers, categories, and a numeric column with a typo', () => {
  const t = csv('a,b,c\n1,x,1\n2,y,2\n3,x,3\n4,y,4\n5,x,5\n6,y,6\n7,x,7\n8,y,8\n9,x,9\n10,y,oops\n');
  assert.deepEqual(describeColumns(t).map((c) => [c.name, c.kind, c.nonNumeric, c.distinct]), [
    ['a', 'numeric', 0, 10], ['b', 'categorical', 10, 2], ['c', 'numeric', 1, 10],
  ]);
});

test('fit and apply: standardised numbers, sorted one-hot categories, class labels', () => {
  const t = csv(FRUIT, 'fruit.csv');
  const pre = fitPreprocessor(t, { target: 'kind', exclude: ['id'] });
  const std = Math.sqrt(5000); // weights 100, 300, 200, 200: mean 200, population variance 5000
  assert.deepEqual(pre, {
    version: 1,
    features: [
      { name: 'weight', kind: 'numeric', mean: 200, std },
      { name: 'colour', kind: 'categorical', categories: ['green', 'red', 'yellow'] },
    ],
    target: { name: 'kind', kind: 'classify', labels: ['apple', 'banana', 'melon'] },
  });
  assert.equal(featureWidth(pre), 4);
  assert.deepEqual(featureNames(pre), ['weight', 'colour=green', 'colour=red', 'colour=yellow']);
  const enc = applyPreprocessor(pre, t);
  assert.deepEqual(enc.inputShape, [4, 4]);
  const s = (v: number) => Math.fround((v - 200) / std);
  assert.deepEqual([...enc.inputs], [s(100), 0, 1, 0, s(300), 1, 0, 0, s(200), 0, 1, 0, s(200), 0, 0, 1]);
  assert.deepEqual([...(enc.targets as Float32Array)], [0, 2, 0, 1]);
  assert.deepEqual(enc.rows, [0, 1, 2, 3]);
  assert.deepEqual(enc.droppedLines, []);
  assert.equal(decodeTarget(pre, 2), 'melon');
  assert.deepEqual(classLabels(pre), ['apple', 'banana', 'melon']);
});

test('the preprocessor survives JSON and encodes a file with reordered and extra columns the same way', () => {
  const pre = fitPreprocessor(csv(FRUIT), { target: 'kind', exclude: ['id'] });
  const back = parsePreprocessor(JSON.parse(JSON.stringify(pre)), 'model.json');
  assert.deepEqual(back, pre);
  const enc = applyPreprocessor(back, csv('note,kind,colour,weight\nhi,melon,yellow,400\n'));
  assert.deepEqual([...enc.inputs], [Math.fround(200 / Math.sqrt(5000)), 0, 0, 1]);
  assert.deepEqual([...(enc.targets as Float32Array)], [2]);
});

test('task inference: text or few integers classify; fractions or many integers regress', () => {
  const target = (values: (string | number)[], task?: 'classify' | 'regress') =>
    fitPreprocessor(csv(`x,y\n${values.map((v, i) => `${i},${v}`).join('\n')}`), { target: 'y', task }).target;
  assert.deepEqual(target([10, 2, 1, 2, '1.0']), { name: 'y', kind: 'classify', labels: ['1', '2', '10'] });
  assert.equal(target([0.5, 1, 2]).kind, 'regress');
  assert.equal(target(Array.from({ length: 11 }, (_, i) => i)).kind, 'regress');
  assert.equal(target(Array.from({ length: 10 }, (_, i) => i)).kind, 'classify');
  assert.equal(target([1, 2, 3], 'regress').kind, 'regress');
  assert.equal(target([0.5, 1.5], 'classify').kind, 'classify');
  dataError(() => target(['a', 'b', 'c'], 'regress'), /^data\.csv line 2, column "y": "a" is not a number, but a regression target must be numeric/);
  dataError(() => target(['a', 'a']), /target column "y" has only one value \("a"\); classification needs at least two classes/);
});

test('regression targets are standardised and decoded back to original units; constant columns get std 1', () => {
  const t = csv('x,k,y\n1,5,10\n2,5,20\n3,5,30.5\n');
  const pre = fitPreprocessor(t, { target: 'y' });
  assert.equal(pre.target.kind, 'regress');
  assert.deepEqual(pre.features[1], { name: 'k', kind: 'numeric', mean: 5, std: 1 });
  const enc = applyPreprocessor(pre, t);
  const tg = pre.target as { mean: number; std: number };
  assert.ok(Math.abs(tg.mean - 60.5 / 3) < 1e-12);
  for (let i = 0; i < 3; i++) {
    assert.ok(Math.abs((decodeTarget(pre, (enc.targets as Float32Array)[i]) as number) - [10, 20, 30.5][i]) < 1e-5);
  }
  assert.equal(enc.inputs[1], 0); // (5 - 5) / 1
});

test('a numeric-looking column can be declared categorical, and "1.0" finds category "1"', () => {
  const pre = fitPreprocessor(csv('code,y\n1,a\n2,b\n1,a\n'), { target: 'y', categorical: ['code'] });
  assert.deepEqual(pre.features[0], { name: 'code', kind: 'categorical', categories: ['1', '2'] });
  assert.deepEqual([...applyPreprocessor(pre, csv('code,y\n2.0,b\n')).inputs], [0, 1]);
});

test('missing values: reported with line and column, or dropped and counted', () => {
  const t = csv('a,b,y\n1,2,0\n3,,1\n\n5,NA,0\n7,8,?\n9,10,1\n');
  dataError(() => fitPreprocessor(t, { target: 'y' }), /^data\.csv line 3, column "b": missing value \(empty cell\); 3 rows have missing values: fill them in, or drop those rows/);
  const pre = fitPreprocessor(t, { target: 'y', dropMissing: true });
  assert.deepEqual(pre.features[0], { name: 'a', kind: 'numeric', mean: 5, std: 4 });
  const enc = applyPreprocessor(pre, t, { dropMissing: true });
  assert.deepEqual(enc.rows, [0, 4]);
  assert.deepEqual(enc.droppedLines, [3, 5, 6]);
  dataError(() => applyPreprocessor(pre, t), /^data\.csv line 3, column "b": missing value/);
  // for predict, a missing target cell does not matter
  assert.equal(applyPreprocessor(pre, csv('a,b,y\n1,2,?\n'), { requireTarget: false }).inputShape[0], 1);
  dataError(() => fitPreprocessor(csv('a,y\n,1\n?,0\n'), { target: 'y', dropMissing: true }), /all 2 rows have a missing value/);
});

test('a non-numeric cell in a numeric column names file, line, column and value', () => {
  const rows = Array.from({ length: 12 }, (_, i) => `${i},${i % 2}`);
  rows[7] = '1O,1';
  dataError(() => fitPreprocessor(csv(`x,y\n${rows.join('\n')}\n`, 'train.csv'), { target: 'y' }), /^train\.csv line 9, column "x": "1O" is not a number/);
  const pre = fitPreprocessor(csv('x,y\n1,0\n2,1\n'), { target: 'y' });
  dataError(() => applyPreprocessor(pre, csv('x,y\n1,0\nabc,1\n', 'new.csv')), /^new\.csv line 3, column "x": "abc" is not a number/);
});

test('missing target or feature columns list the columns', () => {
  const t = csv('a,b\n1,2\n');
  dataError(() => fitPreprocessor(t, { target: 'label' }), /^data\.csv: no column "label" \(the target\); the columns are "a", "b"/);
  dataError(() => fitPreprocessor(t, { target: 'a', exclude: ['b'] }), /no feature columns left/);
  dataError(() => fitPreprocessor(t, { target: 'a', exclude: ['zz'] }), /no column "zz" \(in exclude\)/);
  const pre = fitPreprocessor(csv('a,b,y\n1,2,0\n3,4,1\n'), { target: 'y' });
  dataError(() => applyPreprocessor(pre, csv('a,y\n1,0\n', 'new.csv')), /^new\.csv: missing column "b" that the model was trained on; the file has columns "a", "y"/);
  dataError(() => applyPreprocessor(pre, csv('a,b\n1,2\n', 'new.csv')), /^new\.csv: no column "y" \(the target the model was trained to predict\)/);
  const enc = applyPreprocessor(pre, csv('b,a\n4,3\n'), { requireTarget: false });
  assert.equal(enc.targets, undefined);
  assert.deepEqual([...enc.inputs], [1, 1]);
});

test('unseen categories and labels name the line, column and the known values', () => {
  const pre = fitPreprocessor(csv(FRUIT), { target: 'kind' });
  dataError(() => applyPreprocessor(pre, csv('weight,colour,id,kind\n1,red,1,apple\n1,purple,2,apple\n', 'new.csv')),
    /^new\.csv line 3, column "colour": unknown category "purple"; the model knows "green", "red", "yellow"/);
  dataError(() => applyPreprocessor(pre, csv('weight,colour,id,kind\n1,red,1,kiwi\n', 'new.csv')),
    /^new\.csv line 2, column "kind": unknown class label "kiwi"; the model knows "apple", "banana", "melon"/);
});

test('feature count checks and decodeTarget range', () => {
  const pre = fitPreprocessor(csv(FRUIT), { target: 'kind', exclude: ['id'] });
  checkFeatureCount(pre, 4);
  assert.throws(() => checkFeatureCount(pre, 5, 'model.json'), (e: unknown) => e instanceof ShapeError && /^model\.json: the network takes 5 inputs but the preprocessor encodes 4/.test(e.message));
  checkInputCount(2, 2);
  assert.throws(() => checkInputCount(2, 3, 'data.csv'), /ShapeError: data\.csv: 3 feature columns but the network takes 2 inputs/);
  assert.throws(() => decodeTarget(pre, 3), ValueError);
  assert.throws(() => decodeTarget(pre, 0.5), ValueError);
});

test('options are checked', () => {
  const t = csv(FRUIT);
  assert.throws(() => fitPreprocessor(t, { target: 'kind', dropMising: true } as never), /unknown option 'dropMising'/);
  assert.throws(() => fitPreprocessor(t, { target: 'kind', task: 'cluster' } as never), ValueError);
  assert.throws(() => fitPreprocessor(t, {} as never), /option 'target'.*required; the columns are/);
  const pre = fitPreprocessor(t, { target: 'kind' });
  assert.throws(() => applyPreprocessor(pre, t, { drop: true } as never), /unknown option 'drop'/);
});

test('parsePreprocessor names the bad field', () => {
  const good: Preprocessor = fitPreprocessor(csv(FRUIT), { target: 'kind' });
  const bad = (mutate: (p: any) => void, pattern: RegExp) => {
    const p = JSON.parse(JSON.stringify(good));
    mutate(p);
    dataError(() => parsePreprocessor(p, 'model.json'), pattern);
  };
  bad((p) => { p.version = 2; }, /^model\.json: preprocessing\.version is 2, but this backprop reads version 1/);
  bad((p) => { p.features[0].std = -1; }, /^model\.json: preprocessing\.features\[0\]\.std must be a positive finite number, got -1/);
  bad((p) => { p.features[1].categories = ['a', 'a']; }, /preprocessing\.features\[1\]\.categories must not repeat a value/);
  bad((p) => { p.features[1].kind = 'text'; }, /preprocessing\.features\[1\]\.kind must be 'numeric' or 'categorical', got "text"/);
  bad((p) => { p.target.labels = ['x']; }, /preprocessing\.target\.labels must be an array of at least 2 strings/);
  bad((p) => { p.target.name = 'weight'; }, /preprocessing\.target\.name is also a feature name/);
  bad((p) => { p.extra = 1; }, /preprocessing\.extra is not a known field/);
  bad((p) => { p.features = []; }, /preprocessing\.features must be a non-empty array/);
  dataError(() => parsePreprocessor(null, 'model.json'), /^model\.json: preprocessing must be an object, got null/);
});
