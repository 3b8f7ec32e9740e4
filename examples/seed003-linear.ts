/**
 * Seed article 003, "a simple numerical example": fit y = W·x to inputs 0..4 with targets 2·input.
 * At W = 3 the sum of squared errors is 30, at W = 3.0001 it is 30.006; the numerical rate (≈60)
 * agrees with backward()'s gradient 60; the delta rule then walks W to 2 from the article's three
 * starting points (3, 5 and 0.5). Checks its own targets. Run: `npx tsx examples/seed003-linear.ts`.
 */
import { Tensor, noGrad, tensor } from '../src/index.js';
import { runIfMain, type ExampleResult } from './run.js';

const inputs = tensor([0, 1, 2, 3, 4], { dtype: 'float64' });
const targets = inputs.mul(2);

/** Each example's squared error under the model y = W·x. */
function squaredErrors(w: Tensor): Tensor {
  return inputs.mul(w).sub(targets).pow(2);
}

/** Sum of squared errors over the data set: the loss the article minimises. */
function sse(w: Tensor): Tensor {
  return squaredErrors(w).sum();
}

export interface Descent {
  start: number;
  /** W after each step, starting value first. */
  path: number[];
  final: number;
  finalLoss: number;
}

export interface Seed003Result {
  /** The article's table: per-example outputs and squared errors at W = 3 and W = 3.0001. */
  table: { input: number; desired: number; outAt3: number; errAt3: number; outAt30001: number; errAt30001: number }[];
  lossAt3: number;
  lossAt30001: number;
  lossAt29999: number;
  /** (SSE(3.0001) − SSE(3)) / 0.0001: the article's "rate of 60x". */
  numericalRate: number;
  /** ∂SSE/∂W at W = 3 from backward(). */
  analyticGradient: number;
  /** The two-layer chain input → 3·x → 2·x: d output / d input by backward(). */
  chainGradient: number;
  descents: Descent[];
}

/**
 * Gradient descent with the delta rule, new W = W − learningRate · ∂SSE/∂W, until W moves less
 * than `tolerance` in a step.
 * @example descend(3).final // 2 (to 1e-9)
 */
export function descend(start: number, learningRate = 0.01, tolerance = 1e-12, maxSteps = 1000): Descent {
  let w = tensor(start, { dtype: 'float64', requiresGrad: true });
  const path = [start];
  for (let i = 0; i < maxSteps; i++) {
    sse(w).backward();
    const next = noGrad(() => w.sub(w.grad!.mul(learningRate)));
    path.push(next.item());
    const moved = Math.abs(next.item() - w.item());
    w = tensor(next, { requiresGrad: true });
    if (moved < tolerance) break;
  }
  return { start, path, final: w.item(), finalLoss: noGrad(() => sse(w).item()) };
}

/**
 * Every number the article quotes, computed by the engine.
 * @example seed003().analyticGradient // 60
 */
export function seed003(): Seed003Result {
  const at = (w: number): number => sse(tensor(w, { dtype: 'float64' })).item();
  const column = (t: Tensor): number[] => Array.from(t.data);
  const w3 = tensor(3, { dtype: 'float64' }), w30001 = tensor(3.0001, { dtype: 'float64' });
  const [out3, err3, out30001, err30001] = [inputs.mul(w3), squaredErrors(w3), inputs.mul(w30001), squaredErrors(w30001)].map(column);
  const table = column(inputs).map((input, i) => ({
    input, desired: targets.data[i], outAt3: out3[i], errAt3: err3[i], outAt30001: out30001[i], errAt30001: err30001[i],
  }));
  const w = tensor(3, { dtype: 'float64', requiresGrad: true });
  sse(w).backward();

  // input → 3·x → 2·x → output: a 0.001 change at the input is 0.006 at the output.
  const x = tensor(1, { dtype: 'float64', requiresGrad: true });
  x.mul(3).mul(2).backward();

  return {
    table,
    lossAt3: at(3),
    lossAt30001: at(3.0001),
    lossAt29999: at(2.9999),
    numericalRate: (at(3.0001) - at(3)) / 0.0001,
    analyticGradient: w.grad!.item(),
    chainGradient: x.grad!.item(),
    descents: [3, 5, 0.5].map((start) => descend(start)),
  };
}

/** The walk-through as printed lines, and the article's numbers as checks. */
export function main(): ExampleResult {
  const r = seed003();
  const row = (cells: (string | number)[]): string => '  ' + cells.map((c) => String(c).padEnd(10)).join('').trimEnd();
  const num = (v: number): string => String(Number(v.toFixed(6)));
  const report = [
    'Seed 003: fitting y = W·x to the data set (0, 0), (1, 2), (2, 4), (3, 6), (4, 8)',
    '',
    row(['input', 'desired', 'W=3', 'sq. error', 'W=3.0001', 'sq. error']),
    ...r.table.map((t) => row([t.input, t.desired, num(t.outAt3), num(t.errAt3), num(t.outAt30001), num(t.errAt30001)])),
    row(['total', '', '', num(r.lossAt3), '', num(r.lossAt30001)]),
    '',
    `Numerical rate: (${num(r.lossAt30001)} − ${r.lossAt3}) / 0.0001 = ${num(r.numericalRate)}`,
    `Analytic gradient from backward(): ∂SSE/∂W at W = 3 is ${r.analyticGradient}`,
    `And down the other way: SSE at W = 2.9999 is ${num(r.lossAt29999)}`,
    `Chain input → 3·x → 2·x: backward() gives d output/d input = ${r.chainGradient} (0.001 in, 0.006 out)`,
    '',
    'Delta rule, new W = W − 0.01 · ∂SSE/∂W, iterated until W stops moving:',
    ...r.descents.map((d) => `  from W = ${d.start}: ${d.path.slice(0, 5).map((v) => v.toFixed(4)).join(' → ')} → … → ${d.final.toFixed(9)} after ${d.path.length - 1} steps (SSE ${d.finalLoss.toExponential(1)})`),
    '',
  ];
  const near = (got: number, want: number, tol: number): boolean => Math.abs(got - want) <= tol;
  const checks: [string, boolean][] = [
    ['SSE is 30 at W = 3', near(r.lossAt3, 30, 1e-12)],
    ['SSE is 30.006 at W = 3.0001 (and 29.994 at W = 2.9999)', near(r.lossAt30001, 30.006, 1e-6) && near(r.lossAt29999, 29.994, 1e-6)],
    ['the numerical rate (≈60) agrees with the analytic gradient 60', near(r.numericalRate, 60, 1e-2) && near(r.analyticGradient, 60, 1e-12)],
    ['the chain input → 3·x → 2·x has gradient 6', near(r.chainGradient, 6, 1e-12)],
    ['gradient steps converge to W = 2 from 3, 5 and 0.5', r.descents.every((d) => near(d.final, 2, 1e-9))],
  ];
  return { report, checks };
}

runIfMain(import.meta.url, main);
