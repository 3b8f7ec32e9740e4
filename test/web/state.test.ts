/**
 * The playground's state table and data building (web/src/state.ts, web/src/experiment.ts), in Node:
 * the URL hash round-trips every field, bad links are reported field by field, and the data come
 * from the library with its error messages (a bad CSV names its line and column).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultState, parseHash, stateToHash, type PlaygroundState } from '../../web/src/state.js';
import { buildData, classScore, networkSpec, targetsFor } from '../../web/src/experiment.js';

test('the hash round-trips every field', () => {
  const custom: PlaygroundState = {
    ...defaultState(), dataset: 'csv', noise: 0.35, trainRatio: 0.7, points: 340, csv: 'a,b,"my label"\n1,2,x\n3,"4,5",y\n', labelColumn: 'my label',
    hidden: [{ units: 3, activation: 'relu' }, { units: 8, activation: 'leakyRelu' }, { units: 1, activation: 'linear' }],
    output: 'tanh', loss: 'mse', optimizer: 'rmsprop', learningRate: 0.0025, batchMode: 'mini', batchSize: 17, seed: 123456,
    landscapeX: 'layers.1.bias[0]', landscapeY: 'layers.0.weight[2][1]', l2: 0.003, speed: 2, features: ['x1', 'x1*x2', 'sin(x2)'],
  };
  for (const s of [defaultState(), custom, { ...defaultState(), hidden: [], batchMode: 'online' as const }]) {
    const { state, problems } = parseHash(stateToHash(s));
    assert.deepEqual(problems, []);
    assert.deepEqual(state, s);
  }
  assert.equal(parseHash('').state.dataset, 'circle');
  assert.match(stateToHash(defaultState()), /^#data=circle&noise=0&train=0\.5&n=200&layers=4%3Atanh%2C4%3Atanh&/);
});

test('a bad link keeps the defaults for the bad fields and says which', () => {
  const { state, problems } = parseHash('#data=moons&noise=2&layers=4:tanh,0:relu&batch=mini&lr=-1&seed=1.5&opt=adam&colour=red');
  const d = defaultState();
  assert.equal(state.dataset, d.dataset);
  assert.equal(state.noise, d.noise);
  assert.deepEqual(state.hidden, d.hidden);
  assert.equal(state.batchMode, d.batchMode);
  assert.equal(state.learningRate, d.learningRate);
  assert.equal(state.seed, d.seed);
  assert.equal(state.optimizer, 'adam');
  assert.equal(problems.length, 7);
  assert.match(problems[0], /^link: data="moons" is not one of gate-or, gate-and, gate-xor, circle/);
  assert.match(problems[3], /batch="mini" is not full, online or mini:N/);
  assert.equal(problems[6], "link: unknown setting 'colour' ignored (known: data, noise, train, n, csv, label, layers, out, loss, opt, lr, batch, seed, lx, ly, l2, speed, in)");
  // the new fields: a bad value is named and the default kept
  const more = parseHash('#l2=-1&speed=9&in=x1,z3');
  assert.deepEqual(more.problems.map((p) => p.split(' is not')[0]), ['link: l2="-1"', 'link: speed="9"', 'link: in="x1,z3"']);
  assert.deepEqual([more.state.l2, more.state.speed, more.state.features], [d.l2, d.speed, d.features]);
  assert.equal(parseHash('#layers=1:tanh,1:tanh,1:tanh,1:tanh,1:tanh,1:tanh,1:tanh').problems.length, 1, 'at most 6 hidden layers');
});

test('data: gates, seeded 2-D sets split by the training share', () => {
  const gate = buildData({ ...defaultState(), dataset: 'gate-xor' });
  assert.deepEqual(gate.train.x, [[0, 0], [0, 1], [1, 0], [1, 1]]);
  assert.deepEqual(gate.train.label, [0, 1, 1, 0]);
  assert.deepEqual(gate.test, gate.train);
  const a = buildData({ ...defaultState(), dataset: 'spirals', points: 100, trainRatio: 0.8, noise: 0.3, seed: 5 });
  assert.equal(a.train.x.length, 80);
  assert.equal(a.test.x.length, 20);
  assert.deepEqual(buildData({ ...defaultState(), dataset: 'spirals', points: 100, trainRatio: 0.8, noise: 0.3, seed: 5 }), a, 'same seed, same data');
  assert.notDeepEqual(buildData({ ...defaultState(), dataset: 'spirals', points: 100, trainRatio: 0.8, noise: 0.3, seed: 6 }).train, a.train);
  for (const p of [...a.train.x, ...a.test.x]) assert.ok(Math.abs(p[0]) <= 1 && Math.abs(p[1]) <= 1);
  assert.deepEqual(a.preprocessing.features.map((f) => f.name), ['x1', 'x2']);
});

test('data: a CSV is standardised by the library; bad ones fail with the line and column', () => {
  const csv = (text: string, labelColumn = '') => buildData({ ...defaultState(), dataset: 'csv', csv: text, labelColumn });
  const good = csv('h,w,kind\n1,10,a\n2,20,b\n3,30,a\n4,40,b\n5,50,a\n');
  assert.equal(good.train.x.length + good.test.x.length, 5);
  assert.deepEqual(good.classes, ['a', 'b']);
  assert.deepEqual(good.inputNames, ['h', 'w']);
  const all = [...good.train.x, ...good.test.x];
  assert.ok(Math.abs(all.reduce((s, r) => s + r[0], 0)) < 1e-5, 'mean 0');
  assert.equal(good.preprocessing.target.kind, 'classify');
  assert.throws(() => csv('x,y,label\n1,2,0\n3,4\n'), /CSV line 3.*3 fields|CSV line 3/);
  assert.throws(() => csv('x,y,label\n1,2,0\n3,4,1\n', 'class'), /no label column 'class'; the columns are x, y, label/);
  assert.throws(() => csv('x,y,z,label\n1,2,3,0\n3,4,5,1\n'), /expected 3 columns .* found 4/);
  assert.throws(() => csv('x,y,label\n1,red,0\n3,blue,1\n'), /column 'y' is not numeric/);
  assert.throws(() => csv('x,y,label\n1,2,a\n3,4,b\n5,6,c\n'), /has 3 different values; the playground draws two classes/);
  assert.throws(() => csv(''), /no data yet/);
});

test('the network spec and targets follow the loss', () => {
  const s = defaultState();
  assert.deepEqual(networkSpec(s), {
    inputs: 2, layers: [{ units: 4, activation: 'tanh' }, { units: 4, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }], loss: 'bce', seed: 1,
  });
  const ce = networkSpec({ ...s, loss: 'crossEntropy', hidden: [] });
  assert.deepEqual(ce.layers, [{ units: 2, activation: 'softmax' }]);
  assert.deepEqual(targetsFor(ce, [0, 1]), [0, 1]);
  assert.deepEqual(targetsFor(networkSpec(s), [0, 1]), [[0], [1]]);
  assert.equal(classScore([0.3, 0.7]), 0.7);
  assert.equal(classScore([0.2]), 0.2);
});

test('regression sets: seeded points in the square with a value from −1 to 1 (a plane, Gaussian bumps)', () => {
  const plane = buildData({ ...defaultState(), dataset: 'reg-plane', noise: 0 });
  assert.equal(plane.task, 'regress');
  assert.equal(plane.train.x.length + plane.test.x.length, 200);
  plane.train.x.forEach(([a, b], i) => assert.ok(Math.abs(plane.train.label[i] - (a + b) / 2) < 1e-12));
  const bumps = buildData({ ...defaultState(), dataset: 'reg-bumps', seed: 4 });
  assert.deepEqual(bumps.train, buildData({ ...defaultState(), dataset: 'reg-bumps', seed: 4 }).train, 'the same seed, the same points');
  const all = [...bumps.train.label, ...bumps.test.label];
  assert.ok(all.every((v) => v >= -1 && v <= 1) && all.some((v) => v > 0.5) && all.some((v) => v < -0.5));
  const spec = networkSpec({ ...defaultState(), dataset: 'reg-bumps', loss: 'bce', output: 'sigmoid' });
  assert.deepEqual([spec.layers.at(-1)!.activation, spec.loss], ['linear', 'mse']);
  assert.equal(buildData({ ...defaultState(), dataset: 'circle' }).task, 'classify');
});
