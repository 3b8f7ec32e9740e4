/**
 * Seed article 002, "forward and backward pass by hand", done by the engine: g = x·y + z at
 * x = 3, y = −4, z = 2, every gradient by one backward(), then one step of learning rate 0.1 down the
 * gradient. Checks its own target: g falls by 2.72. Run: `npm start` or `npx tsx examples/seed002-graph.ts`.
 */
import { pathToFileURL } from 'node:url';
import { Tensor, noGrad, tensor } from '../src/index.js';

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

/** Prints the walk-through and throws if the numbers are not the article's. */
export function main(): Seed002Result {
  const r = seed002();
  const lines = [
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
    `  x = ${fmt(r.x1)}, y = ${fmt(r.y1)}, z = ${fmt(r.z1)}`,
    `  g = ${fmt(r.gAfter)}: it decreased by ${fmt(r.decrease)}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
  check(r);
  process.stdout.write('\nOK: every number matches the article.\n');
  return r;
}

function fmt(v: number): string {
  return String(Number(v.toFixed(10)));
}

function check(r: Seed002Result): void {
  const want: [keyof Seed002Result, number][] = [['f', -12], ['g', -10], ['dgdx', -4], ['dgdy', 3], ['dgdz', 1], ['decrease', 2.72]];
  for (const [key, value] of want) {
    if (Math.abs(r[key] - value) > 1e-9) throw new Error(`seed002: ${key} is ${r[key]}, the article says ${value}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    main();
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
