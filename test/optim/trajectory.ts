// Shared by the optimizer tests: run an optimizer over given gradients and compare the parameter's
// path with numbers worked by hand.
import assert from 'node:assert/strict';
import { tensor, type DType, type Tensor } from '../../src/index.js';

/** The parameter after each step, starting at `start`, when the gradients are `grads` in turn. */
export function trajectory(make: (ps: Tensor[]) => { step(): void }, start: number[], grads: number[][], dtype: DType): number[][] {
  const p = tensor(start, { dtype, requiresGrad: true });
  const opt = make([p]);
  return grads.map((g) => {
    p.grad = tensor(g, { dtype });
    opt.step();
    return Array.from(p.data);
  });
}

export function close(actual: number[][], expected: number[][], tol: number): void {
  actual.forEach((row, s) =>
    row.forEach((v, i) => assert.ok(Math.abs(v - expected[s][i]) <= tol, `step ${s + 1}, element ${i}: ${v}, expected ${expected[s][i]}`)),
  );
}
