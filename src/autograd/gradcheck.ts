/**
 * Numerical gradient checking: the analytic gradient from backward() against central differences,
 * (f(x+ε) − f(x−ε)) / 2ε, in float64. The output is weighted by a fixed random tensor before summing,
 * because a plain sum gives every output the same weight and hides transposition bugs.
 */
import { Tensor } from '../tensor/tensor.js';
import { Random } from '../tensor/random.js';
import { ValueError } from '../tensor/errors.js';
import { backward, noGrad } from './graph.js';

export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance (default 1e-4). */
  rtol?: number;
  /** Seed of the random output weighting (default 0). */
  seed?: number;
}

export interface GradcheckResult {
  ok: boolean;
  maxAbsError: number;
  maxRelError: number;
  /** Where the worst disagreement was: input number, flat element index, and both gradients. */
  worst: { input: number; index: number; analytic: number; numerical: number } | null;
  /** Every input's analytic and numerical gradients, for printing tables. */
  analytic: Float64Array[];
  numerical: Float64Array[];
}

/**
 * Checks the gradients of `fn` at `inputs`. Inputs are copied to float64 with requiresGrad.
 * @example gradcheck((x) => x.mul(x).sum(), [tensor([1, 2, 3])]).ok // true
 */
export function gradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: readonly Tensor[], options: GradcheckOptions = {}): GradcheckResult {
  const unknown = Object.keys(options).filter((k) => !['eps', 'atol', 'rtol', 'seed'].includes(k));
  if (unknown.length) throw new ValueError(`gradcheck: unknown option '${unknown[0]}' (known: eps, atol, rtol, seed)`);
  const eps = options.eps ?? 1e-6;
  const atol = options.atol ?? 1e-5;
  const rtol = options.rtol ?? 1e-4;
  if (!(eps > 0)) throw new ValueError(`gradcheck: eps must be > 0, got ${eps}`);
  const xs = inputs.map((t) => {
    const c = new Tensor(Float64Array.from(t.data), t.shape, true);
    return c;
  });
  const probe = noGrad(() => fn(...xs));
  const rng = new Random(options.seed ?? 0);
  const weights = new Tensor(Float64Array.from({ length: probe.size }, () => rng.range(0.5, 1.5) * (rng.uniform() < 0.5 ? -1 : 1)), probe.shape);
  const objective = (): number => {
    const out = fn(...xs);
    let s = 0;
    for (let i = 0; i < out.size; i++) s += out.data[i] * weights.data[i];
    return s;
  };

  const out = fn(...xs);
  const analytic = xs.map((x) => new Float64Array(x.size));
  if (out.requiresGrad) {
    backward(out, weights);
    xs.forEach((x, i) => { if (x.grad) analytic[i].set(x.grad.data); });
  }
  const numerical = xs.map((x) => new Float64Array(x.size));
  noGrad(() => {
    xs.forEach((x, i) => {
      for (let j = 0; j < x.size; j++) {
        const orig = x.data[j];
        x.data[j] = orig + eps;
        const plus = objective();
        x.data[j] = orig - eps;
        const minus = objective();
        x.data[j] = orig;
        numerical[i][j] = (plus - minus) / (2 * eps);
      }
    });
  });

  let ok = true, maxAbs = 0, maxRel = 0;
  let worst: GradcheckResult['worst'] = null;
  let worstScore = -1;
  xs.forEach((_, i) => {
    for (let j = 0; j < analytic[i].length; j++) {
      const a = analytic[i][j], n = numerical[i][j];
      const abs = Math.abs(a - n);
      const rel = abs / Math.max(Math.abs(a), Math.abs(n), 1e-12);
      if (!(abs <= atol + rtol * Math.abs(n))) ok = false;
      if (abs > maxAbs || Number.isNaN(abs)) maxAbs = Number.isNaN(abs) ? NaN : abs;
      if (abs > atol && rel > maxRel) maxRel = rel;
      const score = Number.isNaN(abs) ? Infinity : abs - rtol * Math.abs(n);
      if (score > worstScore) {
        worstScore = score;
        worst = { input: i, index: j, analytic: a, numerical: n };
      }
    }
  });
  return { ok, maxAbsError: maxAbs, maxRelError: maxRel, worst, analytic, numerical };
}
