/**
 * Seed article 002, "forward and backward pass by hand", done by the engine: g = x·y + z at
 * x = 3, y = −4, z = 2, every gradient by one backward(), then one step of learning rate 0.1 down the
 * gradient. Checks its own targets: the article's gradients, and g falling by 2.72. Run: `npm start` or `npx tsx examples/seed002-graph.ts`.
 */
import { Tensor, noGrad, tensor } from '../src/index.js';
import { runIfMain, type ExampleResult } from './run.js';

export interface Seed002Result {
  f: number;
  g: number;
  /** ∂g/∂x, ∂g/∂y, ∂g/∂z from backward(). */
  dgdx: number;
  dgdy: number;
  dgdz: number;
  /** The inputs after one step down the gradient, and g there. */
  x1: number;
  y1: number;
  z1: number;
  gAfter: number;
  decrease: number;
}

/** The article's two neurons: f = x·y (the "times" neuron), g = f + z (the "plus" neuron). */
function forward(x: Tensor, y: Tensor, z: Tensor): { f: Tensor; g: Tensor } {
  const f = x.mul(y);
  return { f, g: f.add(z) };
}

/**
 * Runs the article's example and returns every number it quotes.
 * @example seed002().decrease // 2.72 (to float64 rounding)
 */
export function seed002(learningRate = 0.1): Seed002Result {
  // float64 so the printed numbers are the article's decimals, not float32's nearest neighbours.
  const x = tensor(3, { dtype: 'float64', requiresGrad: true });
  const y = tensor(-4, { dtype: 'float64', requiresGrad: true });
  const z = tensor(2, { dtype: 'float64', requiresGrad: true });

  const { f, g } = forward(x, y, z);
  g.backward();

  const dgdx = x.grad!.item(), dgdy = y.grad!.item(), dgdz = z.grad!.item();
  // One step down the gradient, input ← input − μ·∂g/∂input, then the forward pass again.
  const [x1, y1, z1] = noGrad(() => [x, y, z].map((t) => t.sub(t.grad!.mul(learningRate))));
  const gAfter = noGrad(() => forward(x1, y1, z1).g.item());
  return { f: f.item(), g: g.item(), dgdx, dgdy, dgdz, x1: x1.item(), y1: y1.item(), z1: z1.item(), gAfter, decrease: g.item() - gAfter };
}

/** The walk-through as printed lines, and the article's numbers as checks. */
export function main(): ExampleResult {
  const r = seed002();
  const report = [
    'Seed 002: back-propagation through g = x·y + z',
    '',
    'Forward pass at x = 3, y = -4, z = 2:',
    `  f = x·y = ${r.f}`,
    `  g = f + z = ${r.g}`,
    '',
    'Backward pass (incoming gradient × local gradient, from g back to the inputs):',
    '  ∂g/∂g = 1',
    `  ∂g/∂z = ∂g/∂g · 1 = ${r.dgdz}      (plus: its local gradient is 1 for each input)`,
    '  ∂g/∂f = ∂g/∂g · 1 = 1',
    `  ∂g/∂x = ∂g/∂f · y = ${r.dgdx}     (times: its local gradient is the other input)`,
    `  ∂g/∂y = ∂g/∂f · x = ${r.dgdy}`,
    '',
    'One step of learning rate μ = 0.1 down the gradient (input ← input − μ·∂g/∂input):',
    `  x = ${num(r.x1)}, y = ${num(r.y1)}, z = ${num(r.z1)}`,
    `  g = ${num(r.gAfter)}: it decreased by ${num(r.decrease)}`,
    '',
  ];
  const near = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9;
  const checks: [string, boolean][] = [
    ['f = -12 and g = -10', near(r.f, -12) && near(r.g, -10)],
    ['∂g/∂x = -4, ∂g/∂y = 3, ∂g/∂z = 1', near(r.dgdx, -4) && near(r.dgdy, 3) && near(r.dgdz, 1)],
    ['one step of learning rate 0.1 lowers g by 2.72', near(r.decrease, 2.72)],
  ];
  return { report, checks };
}

/** Drops float64 noise from printed decimals (3.4000000000000004 prints as 3.4). */
function num(v: number): string {
  return String(Number(v.toFixed(10)));
}

runIfMain(import.meta.url, main);
