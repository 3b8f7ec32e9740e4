/**
 * The gradient table: every op, checked against central differences in float64 by gradcheck (which
 * weights each output by a random number before summing, so transposed or permuted gradients show).
 * Rows cover broadcasting and reductions over each axis. A test fails when an exported op has no row,
 * so a new op cannot ship without its gradient being checked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ops from '../../src/ops/index.js';
import { OPS } from '../../src/ops/index.js';
import { Random, Tensor, backward, gradcheck, listBackends, setBackend } from '../../src/index.js';
import { rows, sample, type Row } from './gradient-rows.js';

for (const [i, row] of rows.entries()) {
  test(`gradient of ${row.op}: ${row.note} ${row.shapes.map((s) => `[${s.join(',')}]`).join(' ')}`, () => {
    const rng = new Random(1000 + i);
    const inputs = row.shapes.map((s, k) => sample(s, Array.isArray(row.domain) ? row.domain[k] : (row.domain ?? 'any'), rng));
    const result = gradcheck(row.fn, inputs, { seed: i, ...row.options });
    assert.ok(result.ok, `${row.op} (${row.note}): worst ${JSON.stringify(result.worst)}, maxAbsError ${result.maxAbsError}`);
    // A row whose function ignores its inputs would pass vacuously: every input must get a gradient.
    // (step's gradient is zero by definition, so it is the one exception.)
    if (row.op !== 'step') {
      result.analytic.forEach((g, k) => assert.ok(g.some((v) => v !== 0), `${row.op} (${row.note}): input ${k} got an all-zero gradient`));
    }
  });
}

/** Analytic gradients of Σ w·fn(inputs) in `dtype`, returned as float64 for comparison. */
function analytic(row: Row, inputs: Tensor[], dtype: 'float32' | 'float64', seed: number): Float64Array[] {
  const xs = inputs.map((t) => new Tensor(dtype === 'float32' ? Float32Array.from(t.data) : Float64Array.from(t.data), t.shape, true));
  const out = row.fn(...xs);
  const rng = new Random(seed);
  const w = Float64Array.from({ length: out.size }, () => rng.range(-1, 1));
  backward(out, new Tensor(dtype === 'float32' ? Float32Array.from(w) : w, out.shape));
  return xs.map((x) => {
    if (x.grad) assert.equal(x.grad.dtype, dtype, `${row.op}: a ${dtype} input got a ${x.grad.dtype} gradient`);
    return x.grad ? Float64Array.from(x.grad.data) : new Float64Array(x.size);
  });
}

// The table above checks in float64; float32 runs other code (and, where a faster backend is
// active, other kernels), so its gradients must agree with float64's to float32 precision.
for (const [i, row] of rows.entries()) {
  test(`float32 gradient of ${row.op}: ${row.note} agrees with float64 on every backend`, () => {
    const rng = new Random(1000 + i);
    const inputs = row.shapes.map((s, k) => sample(s, Array.isArray(row.domain) ? row.domain[k] : (row.domain ?? 'any'), rng));
    const g64 = analytic(row, inputs, 'float64', i);
    for (const name of listBackends()) {
      const prev = setBackend(name);
      let g32: Float64Array[];
      try {
        g32 = analytic(row, inputs, 'float32', i);
      } finally {
        setBackend(prev);
      }
      g64.forEach((g, k) => g.forEach((v, j) => {
        assert.ok(Math.abs(g32[k][j] - v) <= 1e-4 * (1 + Math.abs(v)), `${name}: ${row.op} (${row.note}): input ${k}[${j}] float32 ${g32[k][j]} vs float64 ${v}`);
      }));
    }
  });
}

test('every op exported by src/ops has at least one row in the gradient table', () => {
  const exported = Object.entries(ops)
    .filter(([, v]) => typeof v === 'function')
    .map(([name]) => name);
  const covered = new Set(rows.map((r) => r.op));
  const missing = exported.filter((name) => !covered.has(name));
  assert.deepEqual(missing, [], `ops with no gradient row: ${missing.join(', ')}`);
});

test('every op named in OPS has a row, and every row names an op that exists', () => {
  const covered = new Set(rows.map((r) => r.op));
  assert.deepEqual(OPS.filter((name) => !covered.has(name)), []);
  const exported = new Set(Object.keys(ops));
  assert.deepEqual([...covered].filter((name) => !exported.has(name)), []);
});

test('every function exported by src/ops is listed in OPS (so the lists cannot drift apart)', () => {
  // sumToShape is the engine's helper for undoing broadcasting, not an op users call.
  const listed = new Set<string>([...OPS, 'sumToShape']);
  const unlisted = Object.entries(ops)
    .filter(([name, v]) => typeof v === 'function' && !listed.has(name))
    .map(([name]) => name);
  assert.deepEqual(unlisted, []);
});
