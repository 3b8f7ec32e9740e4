// MultiHeadAttention and Embedding: PyTorch on fixed weights (self, causal, cross, masked, no bias), float64 gradient checks, compiled vs eager training, parameter names, errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Embedding, Flatten, LayerNorm, MultiHeadAttention, Random, Sequential, ShapeError, Tensor, ValueError, Dense,
  checkGradients, jit, mse, mul, optim, sum, tensor, type Module,
} from '../../src/index.js';
import { skipWithoutTorch } from '../io/torch.js';
import { compareWithTorch, runBackprop, runTorch, type TorchCase } from './torch-layers.js';

function random(shape: number[], rng: Random, scale = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(Float32Array.from({ length: n }, () => Math.fround(scale * rng.range(-1, 1))), shape);
}

function indices(shape: number[], rows: number, rng: Random): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(Float32Array.from({ length: n }, () => rng.int(rows)), shape);
}

/** Non-zero biases, so their layout is tested too (PyTorch starts them at 0). */
function perturbBiases(m: Module, rng: Random): void {
  for (const [n, t] of m.namedParameters()) if (n.endsWith('bias')) for (let i = 0; i < t.size; i++) t.data[i] = rng.range(-0.5, 0.5);
}

test('MultiHeadAttention has PyTorch\'s names, layouts and initialisation', () => {
  const m = new MultiHeadAttention(8, 2, { seed: 4 });
  assert.deepEqual(m.namedParameters().map(([n, t]) => [n, t.shape]), [['in_proj_weight', [24, 8]], ['in_proj_bias', [24]], ['out_proj.weight', [8, 8]], ['out_proj.bias', [8]]]);
  assert.deepEqual(Object.keys(m.stateDict()), ['in_proj_weight', 'in_proj_bias', 'out_proj.weight', 'out_proj.bias']);
  // xavier_uniform_ on [3E, E]: ±√(6/(E + 3E)); out_proj is Linear's U(±1/√E); biases 0
  const xavier = Math.sqrt(6 / 32), linear = 1 / Math.sqrt(8);
  assert.ok(m.inProjWeight.data.every((v) => Math.abs(v) <= xavier) && m.inProjWeight.data.some((v) => Math.abs(v) > 0.8 * xavier));
  assert.ok(m.outProj.weight.data.every((v) => Math.abs(v) <= linear) && m.outProj.weight.data.some((v) => Math.abs(v) > 0.8 * linear));
  assert.ok(m.inProjBias!.data.every((v) => v === 0) && m.outProj.bias!.data.every((v) => v === 0));
  assert.deepEqual(Array.from(new MultiHeadAttention(8, 2, { seed: 4 }).inProjWeight.data), Array.from(m.inProjWeight.data));
  assert.deepEqual(new MultiHeadAttention(8, 2, { bias: false }).namedParameters().map(([n]) => n), ['in_proj_weight', 'out_proj.weight']);
  assert.deepEqual(Object.keys(new Sequential(new Embedding(5, 8), new MultiHeadAttention(8, 2)).stateDict()), ['0.weight', '1.in_proj_weight', '1.in_proj_bias', '1.out_proj.weight', '1.out_proj.bias']);
});

test('MultiHeadAttention equals torch.nn.MultiheadAttention(batch_first=True): self, causal, cross, float-masked, without bias; outputs, averaged weights and gradients', { skip: skipWithoutTorch() }, () => {
  const rng = new Random(7);
  const layer = (e: number, h: number, opts = {}) => { const m = new MultiHeadAttention(e, h, { seed: rng.int(1000), ...opts }); perturbBiases(m, rng); return m; };
  const cases: (TorchCase & { causal?: boolean })[] = [
    { module: 'nn.MultiheadAttention(8, 2, batch_first=True)', kind: 'mha', layer: layer(8, 2), steps: [{ train: true, inputs: [random([2, 5, 8], rng)], g: random([2, 5, 8], rng) }] },
    { module: 'nn.MultiheadAttention(8, 4, batch_first=True)', kind: 'mha', layer: layer(8, 4), steps: [{ train: true, causal: true, inputs: [random([3, 4, 8], rng)], g: random([3, 4, 8], rng) }] },
    { module: 'nn.MultiheadAttention(6, 3, batch_first=True)', kind: 'mha', layer: layer(6, 3), steps: [{ train: true, inputs: [random([2, 3, 6], rng), random([2, 5, 6], rng), random([2, 5, 6], rng)], g: random([2, 3, 6], rng) }] },
    { module: 'nn.MultiheadAttention(6, 2, batch_first=True)', kind: 'mha', layer: layer(6, 2), steps: [{ train: false, causal: true, inputs: [random([1, 4, 6], rng), random([1, 6, 6], rng), random([1, 6, 6], rng)], g: random([1, 4, 6], rng) }] },
    { module: 'nn.MultiheadAttention(4, 2, batch_first=True)', kind: 'mha', layer: layer(4, 2), steps: [{ train: true, mask: random([3, 3], rng, 2), inputs: [random([2, 3, 4], rng)], g: random([2, 3, 4], rng) }] },
    { module: 'nn.MultiheadAttention(8, 4, bias=False, batch_first=True)', kind: 'mha', layer: layer(8, 4, { bias: false }), steps: [{ train: true, inputs: [random([2, 3, 8], rng)], g: random([2, 3, 8], rng) }] },
  ];
  const torch = runTorch(cases);
  cases.forEach((c, i) => {
    const mine = runBackprop(c, (l, xs, s) => {
      const [q, k, v] = xs.length === 3 ? xs : [xs[0], xs[0], xs[0]];
      const r = (l as MultiHeadAttention).attend(q, k, v, { causal: s.causal, mask: s.mask, needWeights: true });
      return { y: r.output, w: r.weights };
    });
    compareWithTorch(`${c.module}${c.steps[0].causal ? ' causal' : ''}${c.steps[0].mask ? ' masked' : ''}`, mine, torch[i], c.layer.stateDict());
  });
});

test('forward(x) is causal self-attention when asked: changing a later position leaves earlier outputs alone', () => {
  const m = new MultiHeadAttention(4, 2, { causal: true, seed: 1, dtype: 'float64' });
  const rng = new Random(2);
  const x = random([1, 4, 4], rng).to('float64');
  const y1 = m.forward(x).data.slice();
  const x2 = x.clone();
  x2.data[3 * 4] += 1; // the last position
  const y2 = m.forward(x2).data;
  for (let i = 0; i < 12; i++) assert.equal(y2[i], y1[i]);
  assert.ok(y2.slice(12).some((v, i) => v !== y1[12 + i]));
  // attend with the same causal setting gives forward's result; the weights are lower-triangular, rows summing to 1
  const { output, weights } = m.attend(x, x, x, { causal: true, needWeights: true });
  assert.deepEqual(Array.from(output.data), Array.from(y1));
  const w = weights.toArray() as number[][][];
  assert.deepEqual(weights.shape, [1, 4, 4]);
  w[0].forEach((row, i) => {
    row.forEach((v, j) => { if (j > i) assert.equal(v, 0); });
    assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  });
});

test('float64 gradient checks: self, causal and cross attention (inputs and every parameter), and Embedding', () => {
  const rng = new Random(5);
  const m = new MultiHeadAttention(4, 2, { seed: 3, dtype: 'float64' });
  perturbBiases(m, rng);
  const grad = (t: Tensor) => new Tensor(t.to('float64').data.slice(), t.shape, true);
  const x = grad(random([2, 3, 4], rng)), kv = grad(random([2, 5, 4], rng)), v = grad(random([2, 5, 4], rng));
  const w3 = random([2, 3, 4], rng).to('float64');
  for (const [what, f, inputs] of [
    ['self', () => m.forward(x), [['x', x]]],
    ['causal', () => m.attend(x, x, x, { causal: true }), [['x', x]]],
    ['cross', () => m.attend(x, kv, v, { causal: true }), [['query', x], ['key', kv], ['value', v]]],
  ] as const) {
    const report = checkGradients(() => sum(mul(f(), w3)), [...inputs, ...m.namedParameters()], { atol: 1e-6, rtol: 1e-5 });
    assert.ok(report.ok, `${what}: ${JSON.stringify(report.rows.filter((r) => !r.ok).slice(0, 3))}`);
  }
  const e = new Embedding(5, 3, { seed: 2, dtype: 'float64', paddingIdx: 1 });
  const idx = tensor([[0, 1, 4], [4, 4, 2]]);
  const we = random([2, 3, 3], rng).to('float64');
  const report = checkGradients(() => sum(mul(e.forward(idx), we)), e.namedParameters());
  assert.ok(report.ok, JSON.stringify(report.rows.filter((r) => !r.ok).slice(0, 3)));
});

test('Embedding: shape + [dim], N(0, 1) seeded init, repeated indices sum their gradients, paddingIdx stays zero (against PyTorch)', { skip: skipWithoutTorch() }, () => {
  const rng = new Random(9);
  const e = new Embedding(7, 3, { seed: 1 });
  const p = new Embedding(6, 4, { seed: 2, paddingIdx: -2 });
  assert.equal(p.paddingIdx, 4);
  assert.deepEqual(Array.from(p.weight.data.slice(16, 20)), [0, 0, 0, 0]);
  const cases: TorchCase[] = [
    { module: 'nn.Embedding(7, 3)', kind: 'indices', layer: e, steps: [{ train: true, inputs: [tensor([[1, 2, 1], [6, 0, 1]])], g: random([2, 3, 3], rng) }] },
    { module: 'nn.Embedding(6, 4, padding_idx=4)', kind: 'indices', layer: p, steps: [{ train: true, inputs: [tensor([4, 0, 4, 5, 1])], g: random([5, 4], rng) }] },
  ];
  const torch = runTorch(cases);
  cases.forEach((c, i) => compareWithTorch(c.module, runBackprop(c), torch[i], c.layer.stateDict()));
  assert.deepEqual(Array.from(p.weight.grad!.data.slice(16, 20)), [0, 0, 0, 0], 'the padding row gets no gradient');
});

test('Embedding init is N(0, 1) from the seed, and bad indices or options are one-line errors', () => {
  const big = new Embedding(100, 100, { seed: 3 });
  const d = Array.from(big.weight.data);
  const mean = d.reduce((a, b) => a + b, 0) / d.length;
  const std = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length);
  assert.ok(Math.abs(mean) < 0.03 && Math.abs(std - 1) < 0.03, `mean ${mean}, std ${std}`);
  assert.deepEqual(Array.from(new Embedding(100, 100, { seed: 3 }).weight.data.slice(0, 5)), Array.from(d.slice(0, 5)));
  assert.notDeepEqual(Array.from(new Embedding(100, 100, { seed: 4 }).weight.data.slice(0, 5)), Array.from(d.slice(0, 5)));
  const e = new Embedding(4, 2);
  assert.deepEqual(e.forward(tensor([[[3]], [[0]]])).shape, [2, 1, 1, 2]);
  assert.throws(() => e.forward(tensor([1, 4])), /^ValueError: embedding: index 4 at position 1 is not a row of the table \(expected a whole number 0\.\.3\)$/);
  assert.throws(() => e.forward(tensor([0.5])), /embedding: index 0.5 at position 0/);
  assert.throws(() => new Embedding(4, 2, { padding_idx: 1 } as never), (err: unknown) => err instanceof ValueError && /^Embedding: unknown option 'padding_idx' \(known: seed, random, paddingIdx, dtype\)$/.test((err as Error).message));
  assert.throws(() => new Embedding(4, 2, { paddingIdx: 4 }), /Embedding: paddingIdx must be a whole number in \[-4, 3\] \(a row of the table\), got 4/);
  assert.throws(() => new Embedding(0, 2), /Embedding: numEmbeddings must be a whole number ≥ 1, got 0/);
});

test('MultiHeadAttention: wrong shapes and options are one-line errors naming the layer and the shapes', () => {
  const m = new MultiHeadAttention(8, 2);
  const z = (...s: number[]) => new Tensor(new Float32Array(s.reduce((a, b) => a * b, 1)), s);
  const line = (f: () => unknown, type: typeof ShapeError | typeof ValueError, re: RegExp) =>
    assert.throws(f, (e: unknown) => e instanceof type && re.test((e as Error).message) && !(e as Error).message.includes('\n'));
  line(() => m.forward(z(2, 5, 6)), ShapeError, /^MultiHeadAttention\(8, 2 heads\): expected query of shape \[batch, time, 8\], got \[2, 5, 6\]$/);
  line(() => m.forward(z(10, 8)), ShapeError, /expected query of shape \[batch, time, 8\], got \[10, 8\]/);
  line(() => m.attend(z(2, 3, 8), z(2, 4, 8), z(2, 5, 8)), ShapeError, /key and value must have the same length, got \[2, 4, 8\] and \[2, 5, 8\]/);
  line(() => m.attend(z(2, 3, 8), z(1, 4, 8), z(1, 4, 8)), ShapeError, /query, key and value must share the batch size/);
  line(() => m.attend(z(2, 3, 8), z(2, 4, 8), z(2, 4, 8), { mask: z(4, 3) }), ShapeError, /mask of shape \[4, 3\] does not broadcast to the scores \[batch, heads, queries, keys\] = \[2, 2, 3, 4\]/);
  line(() => m.attend(z(2, 3, 8), z(2, 3, 8), z(2, 3, 8), { dropout: 0.1 } as never), ValueError, /attend: unknown option 'dropout' \(known: causal, mask, needWeights\)/);
  line(() => new MultiHeadAttention(8, 3), ValueError, /^MultiHeadAttention: embedDim \(8\) must be divisible by numHeads \(3\)$/);
  line(() => new MultiHeadAttention(8, 2, { batchFirst: true } as never), ValueError, /MultiHeadAttention: unknown option 'batchFirst' \(known: bias, causal, seed, random, dtype\)/);
});

/** A tiny causal language-model-like stack: Embedding → causal attention → LayerNorm → Dense. */
function tinyTransformer(dtype: 'float32' | 'float64') {
  const model = new Sequential(new Embedding(10, 8, { seed: 1, dtype }), new MultiHeadAttention(8, 2, { causal: true, seed: 2, dtype }), new LayerNorm(8, { dtype }), new Flatten(), new Dense(4 * 8, 3, { seed: 3, dtype }));
  const rng = new Random(11);
  const x = indices([6, 4], 10, rng);
  const y = random([6, 3], rng).to(dtype);
  return { model, x, y };
}

test('compiled training steps of Embedding + MultiHeadAttention + LayerNorm equal eager ones (float32 1e-6, float64 1e-12)', () => {
  for (const [dtype, tol] of [['float32', 1e-6], ['float64', 1e-12]] as const) {
    const a = tinyTransformer(dtype), b = tinyTransformer(dtype);
    // SGD, not Adam: the key projection's bias has no true gradient (softmax ignores a score shift
    // shared by every key), so its gradient is rounding noise, which Adam would blow up to full steps.
    const optA = new optim.SGD(a.model.parameters(), { lr: 0.1, momentum: 0.9 }), optB = new optim.SGD(b.model.parameters(), { lr: 0.1, momentum: 0.9 });
    const step = jit((x: Tensor, y: Tensor) => {
      optA.zeroGrad();
      const loss = mse(a.model.forward(x), y);
      loss.backward();
      optA.step();
      return loss;
    });
    const losses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const compiled = step(a.x, a.y).item();
      optB.zeroGrad();
      const loss = mse(b.model.forward(b.x), b.y);
      loss.backward();
      optB.step();
      losses.push(loss.item());
      assert.ok(Math.abs(compiled - loss.item()) <= tol * Math.max(1, loss.item()), `${dtype} step ${i}: ${compiled} vs ${loss.item()}`);
    }
    assert.equal(step.traces, 1);
    assert.notEqual(step.lastMode, 'eager');
    assert.ok(losses[5] < losses[0], 'it learns');
    const sa = a.model.stateDict(), sb = b.model.stateDict();
    for (const k of Object.keys(sb)) {
      sa[k].data.forEach((v, i) => assert.ok(Math.abs(v - sb[k].data[i]) <= tol * Math.max(1, Math.abs(sb[k].data[i])), `${dtype} ${k}[${i}]: compiled ${v} vs eager ${sb[k].data[i]}`));
    }
  }
});
