// Conv2d, Conv1d, MaxPool2d, AvgPool2d, Flatten: PyTorch's names and init, hand-computed values, errors, and a CNN that learns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AvgPool2d, Conv1d, Conv2d, Dense, Flatten, MaxPool2d, ReLU, Random, Sequential, ShapeError, Tensor, ValueError, crossEntropy, optim, tensor } from '../../src/index.js';

test('Conv2d has PyTorch\'s weight [out, in/groups, kh, kw] and bias [out], both U(±1/√fanIn), seeded', () => {
  const c = new Conv2d(4, 6, [3, 2], { groups: 2, seed: 3 });
  assert.deepEqual(c.weight.shape, [6, 2, 3, 2]);
  assert.deepEqual(c.bias!.shape, [6]);
  assert.deepEqual(c.namedParameters().map(([n]) => n), ['weight', 'bias']);
  const bound = 1 / Math.sqrt(2 * 3 * 2);
  for (const v of [...c.weight.data, ...c.bias!.data]) assert.ok(Math.abs(v) <= bound, `${v} beyond ${bound}`);
  // the draws fill the range (not a smaller scale): some weight beyond 80% of the bound, both signs
  assert.ok(c.weight.data.some((v) => v > 0.8 * bound) && c.weight.data.some((v) => v < -0.8 * bound));
  assert.ok(c.bias!.data.some((v) => v !== 0));
  assert.deepEqual(Array.from(new Conv2d(4, 6, [3, 2], { groups: 2, seed: 3 }).weight.data), Array.from(c.weight.data));
  assert.notDeepEqual(Array.from(new Conv2d(4, 6, [3, 2], { groups: 2, seed: 4 }).weight.data), Array.from(c.weight.data));
  assert.equal(new Conv2d(1, 2, 3, { bias: false }).bias, null);
  const seq = new Sequential(new Conv2d(1, 2, 3), new ReLU(), new Flatten(), new Dense(8, 2));
  assert.deepEqual(Object.keys(seq.stateDict()), ['0.weight', '0.bias', '3.weight', '3.bias']);
});

test('Conv2d computes the cross-correlation by hand: one 2×2 kernel on a 3×3 image, plus bias', () => {
  const c = new Conv2d(1, 1, 2, { dtype: 'float64' });
  c.weight.data.set([1, 2, 3, 4]);
  c.bias!.data.set([0.5]);
  const x = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]], { dtype: 'float64' });
  // top-left: 1·1 + 2·2 + 4·3 + 5·4 = 37; then 47, 67, 77
  assert.deepEqual(c.forward(x).toArray(), [[[[37.5, 47.5], [67.5, 77.5]]]]);
  const same = new Conv2d(1, 1, 2, { dtype: 'float64', padding: 'same', bias: false });
  same.weight.data.set([1, 2, 3, 4]);
  // 'same' with an even kernel pads after: the last row and column read zeros
  assert.deepEqual(same.forward(x).toArray(), [[[[37, 47, 21], [67, 77, 33], [23, 26, 9]]]]);
  const strided = new Conv2d(1, 1, 2, { dtype: 'float64', stride: 2, padding: 1, bias: false });
  strided.weight.data.set([1, 2, 3, 4]);
  // windows start at rows/cols -1 and 1 of the zero-padded image; each term is input · weight
  assert.deepEqual(strided.forward(x).toArray(), [[[[4, 6 + 12], [2 * 4 + 4 * 7, 5 + 2 * 6 + 3 * 8 + 4 * 9]]]]);
});

test('Conv1d: weight [out, in/groups, k], a hand-computed output, and the layer checks its input', () => {
  const c = new Conv1d(1, 1, 3, { dtype: 'float64', padding: 1 });
  assert.deepEqual(c.weight.shape, [1, 1, 3]);
  c.weight.data.set([1, 0, -1]);
  c.bias!.data.set([0]);
  assert.deepEqual(c.forward(tensor([[[1, 2, 4, 8]]], { dtype: 'float64' })).toArray(), [[[-2, -3, -6, 4]]]);
  assert.throws(() => c.forward(tensor([[[1, 2], [3, 4]]])), (e: unknown) => e instanceof ShapeError && /^Conv1d\(1 → 1, 3\): expected input of shape \[batch, 1, length\], got \[1, 2, 2\]$/.test((e as Error).message));
});

test('Conv2d names itself and both shapes when the input does not fit; bad arguments are ValueErrors', () => {
  const c = new Conv2d(3, 8, 3);
  assert.throws(() => c.forward(new Tensor(new Float32Array(2 * 1 * 5 * 5), [2, 1, 5, 5])), /Conv2d\(3 → 8, 3×3\): expected input of shape \[batch, 3, height, width\], got \[2, 1, 5, 5\]/);
  assert.throws(() => new Conv2d(3, 8, 3, { groups: 2 }), (e: unknown) => e instanceof ValueError && /groups \(2\) must divide both inChannels \(3\) and outChannels \(8\)/.test((e as Error).message));
  assert.throws(() => new Conv2d(3, 8, 0), /Conv2d: kernelSize must be a whole number ≥ 1, got 0/);
  assert.throws(() => new Conv2d(3, 8, 3, { padd: 1 } as never), /Conv2d: unknown option 'padd'/);
  assert.throws(() => new MaxPool2d(2, { padding: 3 }), /MaxPool2d: padding \[3, 3\] must be at most half the kernel/);
  assert.throws(() => new Flatten(2).forward(tensor([[1, 2]])), /Flatten\(startDim 2\): input \[1, 2\] has no axis 2/);
});

test('MaxPool2d, AvgPool2d and Flatten on hand-computed values', () => {
  const x = tensor([[[[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]]]], { dtype: 'float64' });
  assert.deepEqual(new MaxPool2d(2).forward(x).toArray(), [[[[6, 8], [14, 16]]]]);
  assert.deepEqual(new AvgPool2d(2).forward(x).toArray(), [[[[3.5, 5.5], [11.5, 13.5]]]]);
  assert.deepEqual(new MaxPool2d(3, { stride: 1 }).forward(x).toArray(), [[[[11, 12], [15, 16]]]]);
  const f = new Flatten().forward(new Tensor(new Float32Array(2 * 3 * 4 * 5), [2, 3, 4, 5]));
  assert.deepEqual(f.shape, [2, 60]);
  assert.deepEqual(new Flatten(2).forward(new Tensor(new Float32Array(24), [2, 3, 4])).shape, [2, 3, 4]);
  assert.deepEqual(new Flatten(0).forward(new Tensor(new Float32Array(24), [2, 3, 4])).shape, [24]);
});

test('a small CNN learns to tell horizontal from vertical bars (Adam, 60 steps, every training image right)', () => {
  const rng = new Random(1);
  const n = 32, size = 8;
  const data = new Float32Array(n * size * size), labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const vertical = i % 2, at = rng.int(size);
    for (let k = 0; k < size; k++) data[i * 64 + (vertical ? k * size + at : at * size + k)] = 1;
    for (let k = 0; k < 64; k++) data[i * 64 + k] += 0.1 * rng.range(-1, 1);
    labels.push(vertical);
  }
  const x = new Tensor(data, [n, 1, size, size]);
  const model = new Sequential(
    new Conv2d(1, 4, 3, { padding: 'same', seed: 2 }), new ReLU(), new MaxPool2d(2),
    new Conv2d(4, 4, 3, { padding: 1, seed: 3 }), new ReLU(), new AvgPool2d(2),
    new Flatten(), new Dense(4 * 2 * 2, 2, { seed: 4 }),
  );
  const opt = new optim.Adam(model.parameters(), { lr: 0.02 });
  let first = 0, last = 0;
  for (let step = 0; step < 60; step++) {
    model.zeroGrad();
    const loss = crossEntropy(model.forward(x), labels);
    loss.backward();
    opt.step();
    if (step === 0) first = loss.item();
    last = loss.item();
  }
  assert.ok(last < first / 5, `loss ${first} → ${last}`);
  const logits = model.forward(x).toArray() as number[][];
  const right = logits.filter((l, i) => (l[1] > l[0] ? 1 : 0) === labels[i]).length;
  assert.equal(right, n);
});
