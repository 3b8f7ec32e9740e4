/**
 * Issue 12's ops (batched matmul, transpose of two axes, permute, slice, narrow, concat, where,
 * maximum, gelu, elu, silu, dropout, embedding): forward values and gradients against hand-computed
 * numbers, the error messages for bad input, dropout's seeded masks, and — where Debian's
 * python3-torch is installed — the same values and gradients from PyTorch. Numerical gradient checks
 * and compiled replays of every op are in the gradient table (gradient-rows.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as ops from '../../src/ops/index.js';
import { erf } from '../../src/ops/pointwise.js';
import { Random, ShapeError, Tensor, ValueError, jit, listBackends, manualSeed, setBackend, tensor, zeros } from '../../src/index.js';
import { skipWithoutTorch, torchPython } from '../io/torch.js';

const f64 = (data: number[], shape: number[], requiresGrad = false): Tensor => new Tensor(Float64Array.from(data), shape, requiresGrad);
const iota = (shape: number[], requiresGrad = false): Tensor => f64(Array.from({ length: shape.reduce((p, d) => p * d, 1) }, (_, i) => i + 1), shape, requiresGrad);

function near(actual: ArrayLike<number>, expected: readonly number[], tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    if (Number.isNaN(expected[i])) { assert.ok(Number.isNaN(actual[i]), `${what}[${i}]: ${actual[i]} vs NaN`); continue; }
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol * Math.max(1, Math.abs(expected[i])), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

/** A one-line BackpropError of `kind` whose message starts with `op:` and matches `re`. */
function refuses(fn: () => unknown, kind: typeof ShapeError | typeof ValueError, op: string, re: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof kind && (e as Error).message.startsWith(`${op}: `) && !(e as Error).message.includes('\n') && re.test((e as Error).message), `${op} ${re}`);
}

test('batched matmul: hand-computed products per batch, broadcast batch axes, gradients summed over them', () => {
  // a [2, 2, 2]: [[1,2],[3,4]] and [[5,6],[7,8]]; b [2, 2] = [[1,0],[1,1]] shared by both.
  const a = iota([2, 2, 2], true), b = f64([1, 0, 1, 1], [2, 2], true);
  const c = ops.matmul(a, b);
  assert.deepEqual(c.shape, [2, 2, 2]);
  near(c.data, [3, 2, 7, 4, 11, 6, 15, 8], 0, 'a·b');
  c.sum().backward();
  // dA = 1·Bᵀ per matrix: rows [1, 2]; dB = Σ_batch Aᵀ·1 = column sums of every A, summed: [[1+3+5+7]*2 ...]
  near(a.grad!.data, [1, 2, 1, 2, 1, 2, 1, 2], 0, 'dA');
  near(b.grad!.data, [16, 16, 20, 20], 0, 'dB');
  // [2, 1, 1, 2]·[3, 2, 1] → [2, 3, 1, 1]
  const x = iota([2, 1, 1, 2], true), y = iota([3, 2, 1], true);
  const z = ops.matmul(x, y);
  assert.deepEqual(z.shape, [2, 3, 1, 1]);
  near(z.data, [1 * 1 + 2 * 2, 1 * 3 + 2 * 4, 1 * 5 + 2 * 6, 3 * 1 + 4 * 2, 3 * 3 + 4 * 4, 3 * 5 + 4 * 6], 0, 'broadcast batch');
  z.sum().backward();
  assert.deepEqual(x.grad!.shape, [2, 1, 1, 2]);
  near(x.grad!.data, [9, 12, 9, 12], 0, 'dx summed over the 3 of y');
  near(y.grad!.data, [4, 6, 4, 6, 4, 6], 0, 'dy summed over the 2 of x');
  refuses(() => ops.matmul(zeros([2, 3, 4]), zeros([3, 4, 5])), ShapeError, 'matmul', /batch axes \[2\] of \[2, 3, 4\] and \[3\] of \[3, 4, 5\]/);
  refuses(() => ops.matmul(zeros([2, 3, 4]), zeros([2, 3, 5])), ShapeError, 'matmul', /columns \(4\) must equal b's rows \(3\)/);
  refuses(() => ops.matmul(zeros([3]), zeros([3, 2])), ShapeError, 'matmul', /at least 2-D/);
});

test('batched matmul runs each matrix on the active backend (SIMD-sized products on views) and agrees with float64', () => {
  const r = new Random(5);
  const data = (n: number): number[] => Array.from({ length: n }, () => r.range(-1, 1));
  const a = data(3 * 24 * 40), b = data(2 * 1 * 40 * 32);
  const ref = ops.matmul(f64(a, [1, 3, 24, 40]), f64(b, [2, 1, 40, 32]));
  assert.deepEqual(ref.shape, [2, 3, 24, 32]);
  // One matrix by hand: out[1][2][5][7] = Σ_p a[2][5][p]·b[1][p][7].
  let want = 0;
  for (let p = 0; p < 40; p++) want += a[(2 * 24 + 5) * 40 + p] * b[(1 * 40 + p) * 32 + 7];
  assert.ok(Math.abs(ref.data[((1 * 3 + 2) * 24 + 5) * 32 + 7] - want) < 1e-12);
  for (const name of listBackends()) {
    const prev = setBackend(name);
    try {
      const x = new Tensor(Float32Array.from(a), [1, 3, 24, 40], true), y = new Tensor(Float32Array.from(b), [2, 1, 40, 32], true);
      const out = ops.matmul(x, y);
      near(out.data, Array.from(ref.data), 1e-5, `${name} forward`);
      out.sum().backward();
      // dX[i][p] = Σ_batch Σ_j Y[p][j]: the row sums of both of y's matrices, the same for every row of x.
      const rowSum = (p: number): number => { let s = 0; for (let m = 0; m < 2; m++) for (let j = 0; j < 32; j++) s += b[(m * 40 + p) * 32 + j]; return s; };
      for (let p = 0; p < 40; p++) assert.ok(Math.abs(x.grad!.data[(1 * 24 + 3) * 40 + p] - rowSum(p)) < 1e-4, `${name} dX[0][1][3][${p}]`);
      assert.deepEqual(y.grad!.shape, [2, 1, 40, 32]);
    } finally {
      setBackend(prev);
    }
  }
});

test('transpose(x, dim0, dim1) swaps two axes; permute reorders all; both undo in backward', () => {
  const x = iota([2, 3, 4]);
  const t = ops.transpose(x, 0, 2);
  assert.deepEqual(t.shape, [4, 3, 2]);
  // t[k][j][i] = x[i][j][k] = 12i + 4j + k + 1
  assert.equal(t.data[(3 * 3 + 1) * 2 + 1], 12 + 4 + 3 + 1);
  assert.deepEqual(x.transpose(-1, 1).shape, [2, 4, 3]);
  const p = x.permute([2, 0, 1]);
  assert.deepEqual(p.shape, [4, 2, 3]);
  assert.equal(p.data[(1 * 2 + 1) * 3 + 2], 12 + 8 + 1 + 1); // p[1][1][2] = x[1][2][1]
  assert.deepEqual(Array.from(ops.transpose(x, 1, 1).data), Array.from(x.data));
  refuses(() => ops.transpose(x, 0, 3), ValueError, 'transpose', /axis 3 is out of range for a tensor of rank 3/);
  refuses(() => ops.permute(x, [0, 1]), ValueError, 'permute', /not a permutation of the 3 axes/);
  refuses(() => ops.permute(x, [0, 0, 1]), ValueError, 'permute', /not a permutation/);
});

test('slice and narrow: boxes of values, -1 to the end, empty results, gradients back in place, errors', () => {
  const x = iota([3, 4], true);
  assert.deepEqual(ops.slice(x, [1, 1], [2, 2]).toArray(), [[6, 7], [10, 11]]);
  assert.deepEqual(ops.slice(x, [1]).toArray(), [[5, 6, 7, 8], [9, 10, 11, 12]]);
  assert.deepEqual(ops.slice(x, [0, 2], [-1, -1]).toArray(), [[3, 4], [7, 8], [11, 12]]);
  assert.deepEqual(ops.slice(x, [0, 4], [3, 0]).shape, [3, 0]);
  assert.deepEqual(x.narrow(1, -2, 2).toArray(), [[3, 4], [7, 8], [11, 12]]);
  assert.deepEqual(ops.narrow(x, 0, 2, 1).toArray(), [[9, 10, 11, 12]]);
  ops.slice(x, [1, 1], [2, 2]).sum().backward();
  near(x.grad!.data, [0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1, 0], 0, 'slice gradient');
  refuses(() => ops.slice(x, [0, 3], [1, 2]), ShapeError, 'slice', /size\[1\] is 2; from begin 3 axis 1 of shape \[3, 4\] has 1 elements/);
  refuses(() => ops.slice(x, [-1]), ShapeError, 'slice', /begin\[0\] is -1, outside 0..3/);
  refuses(() => ops.slice(x, [0, 0, 0]), ShapeError, 'slice', /more axes than the 2/);
  refuses(() => ops.slice(x, [0.5]), ValueError, 'slice', /begin\[0\] must be a whole number/);
  refuses(() => ops.narrow(x, 2, 0, 1), ValueError, 'narrow', /axis 2 is out of range/);
  refuses(() => ops.narrow(x, 1, 3, 2), ShapeError, 'narrow', /length 2 from start 3 runs past axis 1 of shape \[3, 4\] \(at most 1\)/);
  refuses(() => ops.narrow(x, 0, -4, 1), ShapeError, 'narrow', /start -4 is outside axis 0/);
});

test('concat joins along any axis (three at once too), splits the gradient back, and names a mismatch', () => {
  const a = iota([2, 2], true), b = f64([10, 20], [2, 1], true);
  assert.deepEqual(ops.concat([a, b], 1).toArray(), [[1, 2, 10], [3, 4, 20]]);
  assert.deepEqual(ops.concat([a, a], 0).toArray(), [[1, 2], [3, 4], [1, 2], [3, 4]]);
  assert.deepEqual(ops.concat([b, a, b], -1).toArray(), [[10, 1, 2, 10], [20, 3, 4, 20]]);
  const w = f64([1, 2, 3, 4, 5], [5]);
  ops.concat([b, a, b], -1).reshape([2, 4]).mul(f64([1, 2, 3, 4], [4])).sum().backward();
  near(a.grad!.data, [2, 3, 2, 3], 0, 'a gets columns 1..2 of the weights');
  near(b.grad!.data, [5, 5], 0, 'b used twice: 1 + 4');
  assert.equal(ops.concat([w]), w);
  refuses(() => ops.concat([a, b], 0), ShapeError, 'concat', /tensors\[1\] has shape \[2, 1\], which does not fit \[2, 2\] along axis 0/);
  refuses(() => ops.concat([], 0), ValueError, 'concat', /non-empty array/);
  refuses(() => ops.concat([a, a], 2), ValueError, 'concat', /axis 2 is out of range/);
  refuses(() => ops.concat([tensor(1), tensor(2)]), ShapeError, 'concat', /scalars/);
});

test('where picks by a broadcast condition; maximum takes the larger, propagates NaN and splits ties', () => {
  const c = f64([1, 0], [2, 1]);
  const a = iota([2, 3], true), b = f64([-1, -2, -3], [3], true);
  assert.deepEqual(ops.where(c, a, b).toArray(), [[1, 2, 3], [-1, -2, -3]]);
  ops.where(c, a, b).sum().backward();
  near(a.grad!.data, [1, 1, 1, 0, 0, 0], 0, 'where da');
  near(b.grad!.data, [1, 1, 1], 0, 'where db (summed over the broadcast row)');
  assert.deepEqual(ops.where(f64([0, 2, -1], [3]), 5, f64([7, 8, 9], [3])).toArray(), [7, 5, 5]);
  refuses(() => ops.where(zeros([2]), zeros([3]), 0), ShapeError, 'where', /cannot be broadcast/);

  const x = f64([1, 5, 2, NaN], [4], true), y = f64([3, 2, 2, 0], [4], true);
  near(ops.maximum(x, y).data, [3, 5, 2, NaN], 0, 'maximum');
  ops.maximum(x, y).sum().backward();
  near(x.grad!.data, [0, 1, 0.5, 0], 0, 'd/dx: ½ at the tie');
  near(y.grad!.data, [1, 0, 0.5, 0], 0, 'd/dy: ½ at the tie');
  assert.deepEqual(tensor([-1, 2]).maximum(0).toArray(), [0, 2]);
});

test('erf, gelu (exact and tanh), elu and silu at hand-checked values, with their derivatives', () => {
  // Python's math.erf.
  const erfs: [number, number][] = [[0.001, 0.0011283787909692365], [0.5, 0.5204998778130465], [1, 0.8427007929497149], [2, 0.9953222650189527], [2.4, 0.999311486103355],
    [2.5, 0.999593047982555], [2.6, 0.9997639655834707], [3, 0.9999779095030014], [4, 0.9999999845827421], [5.5, 0.9999999999999927], [-1.5, -0.9661051464753108]];
  for (const [v, e] of erfs) assert.ok(Math.abs(erf(v) - e) <= 4e-16, `erf(${v}) = ${erf(v)}, expected ${e}`);
  assert.equal(erf(0), 0);
  assert.equal(erf(7), 1);
  assert.ok(Number.isNaN(erf(NaN)));
  const z = f64([-1, 0, 1, 3], [4], true);
  // gelu(x) = x·Φ(x): Φ(1) = 0.8413447460685429, Φ(3) = 0.9986501019683699
  near(ops.gelu(z).data, [-0.15865525393145707, 0, 0.8413447460685429, 2.9959503059051097], 1e-15, 'gelu');
  ops.gelu(z).sum().backward();
  // gelu′(x) = Φ(x) + x·φ(x); φ(1) = 0.24197072451914337
  near(z.grad!.data, [0.15865525393145707 - 0.24197072451914337, 0.5, 0.8413447460685429 + 0.24197072451914337, 0.9986501019683699 + 3 * 0.0044318484119380075], 1e-14, 'gelu′');
  near(ops.gelu(f64([1, -2], [2]), { approximate: 'tanh' }).data, [0.8411919906082768, -0.04540230591222], 1e-12, 'gelu tanh');
  refuses(() => ops.gelu(z, { approximate: 'erf' as never }), ValueError, 'gelu', /'none' or 'tanh'/);
  near(ops.elu(f64([-1, 2], [2])).data, [Math.exp(-1) - 1, 2], 1e-15, 'elu');
  near(ops.elu(f64([-2], [1]), 0.5).data, [0.5 * (Math.exp(-2) - 1)], 1e-15, 'elu alpha 0.5');
  const e = f64([-1, 2], [2], true);
  ops.elu(e, 2).sum().backward();
  near(e.grad!.data, [2 * Math.exp(-1), 1], 1e-15, 'elu′');
  refuses(() => ops.elu(e, NaN), ValueError, 'elu', /alpha must be a finite number/);
  const s = f64([1, -800, 0], [3], true);
  near(ops.silu(s).data, [0.7310585786300049, -0, 0], 1e-15, 'silu');
  ops.silu(s).sum().backward();
  near(s.grad!.data, [0.7310585786300049 * (1 + 1 - 0.7310585786300049), 0, 0.5], 1e-15, 'silu′');
  assert.deepEqual(tensor([0]).gelu().toArray(), [0]);
});

test('dropout: inverted scaling, seeded masks the same every call, a fresh mask per call without a seed, identity when not training', () => {
  const x = f64(Array.from({ length: 10000 }, () => 1), [100, 100], true);
  const a = ops.dropout(x, 0.3, { seed: 7 });
  const kept = Array.from(a.data).filter((v) => v !== 0);
  assert.ok(kept.every((v) => Math.abs(v - 1 / 0.7) < 1e-15), 'survivors scaled by 1/(1−p)');
  assert.ok(Math.abs(1 - kept.length / 10000 - 0.3) < 0.02, `dropped ${1 - kept.length / 10000} of the elements, expected about 0.3`);
  assert.deepEqual(Array.from(ops.dropout(x, 0.3, { seed: 7 }).data), Array.from(a.data), 'same seed, same mask');
  assert.notDeepEqual(Array.from(ops.dropout(x, 0.3, { seed: 8 }).data), Array.from(a.data), 'another seed, another mask');
  // The mask is fixed by (seed, element index): these ten elements are part of the format, the same in every runtime.
  assert.deepEqual(Array.from(ops.dropout(f64(Array(10).fill(1), [10]), 0.5, { seed: 1 }).data), [0, 2, 0, 2, 0, 2, 2, 2, 2, 0]);
  a.sum().backward();
  assert.deepEqual(Array.from(x.grad!.data), Array.from(a.data), 'the gradient is the mask');
  assert.equal(ops.dropout(x, 0.3, { training: false }), x);
  assert.equal(ops.dropout(x, 0), x);
  assert.ok(ops.dropout(x, 1, { seed: 1 }).data.every((v) => v === 0), 'p = 1 drops everything');
  manualSeed(42);
  const first = Array.from(ops.dropout(x, 0.5).data), second = Array.from(ops.dropout(x, 0.5).data);
  assert.notDeepEqual(first, second, 'unseeded: a fresh mask per call');
  manualSeed(42);
  assert.deepEqual(Array.from(ops.dropout(x, 0.5).data), first, 'manualSeed makes the unseeded sequence reproducible');
  // Compiled: an unseeded mask is drawn again at each replay, and backward uses that replay's mask.
  const small = f64([1, 2, 3, 4, 5, 6, 7, 8], [8], true);
  for (const mode of ['kernels', 'unrolled'] as const) {
    const step = jit((v: Tensor) => { v.grad = null; const out = ops.dropout(v, 0.5); out.sum().backward(); return out; }, { mode });
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const out = Array.from(step(small).data);
      assert.deepEqual(Array.from(small.grad!.data), out.map((v, j) => v / small.data[j]), `${mode}: gradient = this call's mask`);
      seen.add(out.join());
    }
    assert.equal(step.traces, 1);
    assert.ok(seen.size >= 4, `${mode}: ${seen.size} distinct masks in 6 replays`);
  }
  refuses(() => ops.dropout(x, 1.5), ValueError, 'dropout', /p must be a probability in \[0, 1\], got 1.5/);
  refuses(() => ops.dropout(x, 0.5, { seed: 1.5 }), ValueError, 'dropout', /seed must be a whole number/);
  refuses(() => ops.dropout(x, 0.5, { train: true } as never), ValueError, 'dropout', /unknown option 'train'/);
});

test('embedding gathers rows, sums the gradient of repeated indices into their row, and names a bad index', () => {
  const table = f64([1, 2, 3, 4, 5, 6], [3, 2], true);
  const idx = f64([2, 0, 2, 1], [2, 2]);
  const out = ops.embedding(idx, table);
  assert.deepEqual(out.toArray(), [[[5, 6], [1, 2]], [[5, 6], [3, 4]]]);
  out.mul(f64([1, 10], [2])).sum().backward();
  near(table.grad!.data, [1, 10, 1, 10, 2, 20], 0, 'row 2 picked twice');
  assert.deepEqual(table.embedding(f64([1], [1])).toArray(), [[3, 4]]);
  refuses(() => ops.embedding(f64([0, 3], [2]), table), ValueError, 'embedding', /index 3 at position 1 is not a row of the table \(expected a whole number 0..2\)/);
  refuses(() => ops.embedding(f64([0.5], [1]), table), ValueError, 'embedding', /index 0.5 at position 0/);
  refuses(() => ops.embedding(f64([-1], [1]), table), ValueError, 'embedding', /index -1/);
  refuses(() => ops.embedding(f64([0], [1]), zeros([3])), ShapeError, 'embedding', /table must be 2-D \[rows, dim\], got \[3\]/);
});

test('the new ops agree with PyTorch: values and gradients', { skip: skipWithoutTorch() }, () => {
  const { python } = torchPython()!;
  const script = String.raw`
import json, torch
torch.set_default_dtype(torch.float64)
def t(v): return torch.tensor(v, requires_grad=True)
out = {}
x = t([[-2.5, -1.0, -0.1, 0.0], [0.3, 1.0, 2.0, 4.5]])
for name, f in [('gelu', lambda v: torch.nn.functional.gelu(v)), ('geluTanh', lambda v: torch.nn.functional.gelu(v, approximate='tanh')),
                ('elu', lambda v: torch.nn.functional.elu(v, alpha=0.7)), ('silu', torch.nn.functional.silu)]:
    x.grad = None
    y = f(x); (y * torch.arange(1.0, 9.0).reshape(2, 4)).sum().backward()
    out[name] = [y.flatten().tolist(), x.grad.flatten().tolist()]
a = t([[1.0, 2.0, 3.0], [3.0, 0.0, -1.0]]); b = t([[1.0, 5.0, 3.0]])
y = torch.maximum(a, b); (y * torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])).sum().backward()
out['maximum'] = [y.flatten().tolist(), a.grad.flatten().tolist(), b.grad.flatten().tolist()]
p = torch.arange(12.0).reshape(2, 1, 2, 3).mul(0.1).requires_grad_(True)
q = torch.arange(18.0).reshape(3, 3, 2).mul(-0.05).add(0.4).requires_grad_(True)
y = torch.matmul(p, q); (y * torch.arange(24.0).reshape(2, 3, 2, 2)).sum().backward()
out['matmul'] = [list(y.shape), y.flatten().tolist(), p.grad.flatten().tolist(), q.grad.flatten().tolist()]
print(json.dumps(out))
`;
  const r = spawnSync(python, ['-c', script], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  const torch = JSON.parse(r.stdout) as Record<string, number[][]>;
  const weights = f64([1, 2, 3, 4, 5, 6, 7, 8], [2, 4]);
  const fns: Record<string, (v: Tensor) => Tensor> = { gelu: (v) => ops.gelu(v), geluTanh: (v) => ops.gelu(v, { approximate: 'tanh' }), elu: (v) => ops.elu(v, 0.7), silu: (v) => ops.silu(v) };
  for (const [name, f] of Object.entries(fns)) {
    const x = f64([-2.5, -1, -0.1, 0, 0.3, 1, 2, 4.5], [2, 4], true);
    const y = f(x);
    y.mul(weights).sum().backward();
    near(y.data, torch[name][0], 1e-14, `${name} vs torch`);
    near(x.grad!.data, torch[name][1], 1e-13, `${name}′ vs torch`);
  }
  const a = f64([1, 2, 3, 3, 0, -1], [2, 3], true), b = f64([1, 5, 3], [1, 3], true);
  const m = ops.maximum(a, b);
  m.mul(f64([1, 2, 3, 4, 5, 6], [2, 3])).sum().backward();
  near(m.data, torch.maximum[0], 0, 'maximum vs torch');
  near(a.grad!.data, torch.maximum[1], 0, 'maximum da vs torch (ties split)');
  near(b.grad!.data, torch.maximum[2], 0, 'maximum db vs torch (ties split, summed over the broadcast)');
  const p = f64(Array.from({ length: 12 }, (_, i) => i * 0.1), [2, 1, 2, 3], true);
  const q = f64(Array.from({ length: 18 }, (_, i) => 0.4 - 0.05 * i), [3, 3, 2], true);
  const y = ops.matmul(p, q);
  assert.deepEqual(y.shape, torch.matmul[0]);
  y.mul(f64(Array.from({ length: 24 }, (_, i) => i), [2, 3, 2, 2])).sum().backward();
  near(y.data, torch.matmul[1], 1e-13, 'batched matmul vs torch');
  near(p.grad!.data, torch.matmul[2], 1e-13, 'batched matmul dA vs torch');
  near(q.grad!.data, torch.matmul[3], 1e-13, 'batched matmul dB vs torch');
});
