import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SYNTHETIC_KINDS, synthetic } from '../../src/data/synthetic.js';
import { ValueError } from '../../src/tensor/errors.js';

test('every kind: n points in [-1, 1]², labels 0/1, both classes present, same seed → same points', () => {
  for (const kind of SYNTHETIC_KINDS) {
    for (const noise of [0, 0.5, 1]) {
      const a = synthetic(kind, { n: 301, noise, seed: 7 });
      assert.equal(a.inputs.length, 301);
      assert.equal(a.labels.length, 301);
      for (const [x, y] of a.inputs) assert.ok(x >= -1 && x <= 1 && y >= -1 && y <= 1, `${kind}: ${x}, ${y}`);
      assert.ok(a.labels.every((l) => l === 0 || l === 1));
      const ones = a.labels.filter((l) => l === 1).length;
      assert.ok(ones > 60 && ones < 240, `${kind} noise ${noise}: ${ones} of 301 labelled 1`);
      assert.deepEqual(synthetic(kind, { n: 301, noise, seed: 7 }), a);
      assert.notDeepEqual(synthetic(kind, { n: 301, noise, seed: 8 }).inputs, a.inputs);
    }
  }
});

test('without noise the labels follow the shapes exactly', () => {
  const circle = synthetic('circle', { n: 400, seed: 1 });
  circle.inputs.forEach(([x, y], i) => {
    const r = Math.hypot(x, y) * 6;
    assert.ok(circle.labels[i] === 1 ? r <= 2.5 : r >= 3.5 && r <= 5 + 1e-9);
  });
  const xor = synthetic('xor', { n: 400, seed: 1 });
  xor.inputs.forEach(([x, y], i) => assert.equal(xor.labels[i], x * y >= 0 ? 1 : 0));
  const gauss = synthetic('gaussian', { n: 400, seed: 1 });
  const meanOf = (label: number) => {
    const pts = gauss.inputs.filter((_, i) => gauss.labels[i] === label);
    return pts.reduce((s, [x]) => s + x, 0) / pts.length;
  };
  assert.ok(Math.abs(meanOf(1) - 2 / 6) < 0.05 && Math.abs(meanOf(0) + 2 / 6) < 0.05);
  // spirals: the two classes are point reflections of each other
  const sp = synthetic('spirals', { n: 100, seed: 1 });
  for (let i = 0; i < 50; i++) {
    assert.ok(Math.abs(sp.inputs[i][0] + sp.inputs[i + 50][0]) < 1e-12 && Math.abs(sp.inputs[i][1] + sp.inputs[i + 50][1]) < 1e-12);
  }
});

test('noise mislabels some circle points and spreads the Gaussian clusters', () => {
  const flips = (noise: number) => {
    const d = synthetic('circle', { n: 1000, noise, seed: 3 });
    return d.inputs.filter(([x, y], i) => (Math.hypot(x, y) * 6 < 2.5 ? 1 : 0) !== d.labels[i]).length;
  };
  assert.equal(flips(0), 0);
  assert.ok(flips(1) > 20);
  const spread = (noise: number) => {
    const d = synthetic('gaussian', { n: 1000, noise, seed: 3 });
    return d.inputs.filter((_, i) => d.labels[i] === 1).reduce((s, [x]) => s + (x - 1 / 3) ** 2, 0);
  };
  assert.ok(spread(1) > 3 * spread(0));
});

test('bad arguments are ValueErrors naming the argument', () => {
  assert.throws(() => synthetic('moons' as never), /unknown kind "moons"; the kinds are "circle", "spirals", "gaussian", "xor"/);
  assert.throws(() => synthetic('xor', { n: 0 }), ValueError);
  assert.throws(() => synthetic('xor', { n: 2.5 }), /n must be a whole number/);
  assert.throws(() => synthetic('xor', { noise: 1.5 }), /noise must be a number from 0 to 1/);
  assert.throws(() => synthetic('xor', { seed: NaN }), /seed must be a finite number/);
  assert.throws(() => synthetic('xor', { points: 3 } as never), /unknown option 'points'/);
});
