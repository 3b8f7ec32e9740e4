/**
 * Two-class 2-D point sets for the playground, after TensorFlow Playground's generators (same shapes,
 * same noise model), seeded so a seed always gives the same points on every platform. Coordinates
 * are Playground's divided by 6, so every point lies in [-1, 1]² (Gaussian tails are clamped to it).
 * noise 0..1 spans Playground's 0..50% slider. Labels are 0 and 1.
 */
import { Random } from '../tensor/random.js';
import { ValueError } from '../tensor/errors.js';
import { checkOptions, listNames } from './options.js';

export const SYNTHETIC_KINDS = ['circle', 'spirals', 'gaussian', 'xor'] as const;
export type SyntheticKind = (typeof SYNTHETIC_KINDS)[number];

export interface SyntheticOptions {
  /** Number of points, 1..1_000_000 (default 200). */
  n?: number;
  /** 0 (clean) to 1 (very noisy), default 0. */
  noise?: number;
  /** Default 0. */
  seed?: number;
}

export interface SyntheticData {
  /** inputs[i] = [x, y], each in [-1, 1]. */
  inputs: number[][];
  /** 0 or 1 per point. */
  labels: number[];
}

const SCALE = 1 / 6;

/**
 * Generates a two-class 2-D set: 'circle' (a disc inside a ring), 'spirals' (two interleaved
 * spirals), 'gaussian' (two clusters), 'xor' (quadrants: label 1 where x·y ≥ 0). For circle and xor
 * the noise, as in Playground, jitters the point used for the label, so noise mislabels points near
 * the boundary; for spirals and gaussian it moves the points.
 *
 * @example
 * const { inputs, labels } = synthetic('xor', { n: 200, noise: 0.1, seed: 1 });
 * inputs.length // 200; labels[i] is 1 exactly when inputs[i][0] * inputs[i][1] >= 0 (up to noise)
 */
export function synthetic(kind: SyntheticKind, options: SyntheticOptions = {}): SyntheticData {
  checkOptions('synthetic', options, ['n', 'noise', 'seed']);
  const n = options.n ?? 200;
  const noise = options.noise ?? 0;
  const seed = options.seed ?? 0;
  if (!Number.isInteger(n) || n < 1 || n > 1_000_000) throw new ValueError(`synthetic: n must be a whole number from 1 to 1000000, got ${n}`);
  if (typeof noise !== 'number' || !(noise >= 0 && noise <= 1)) throw new ValueError(`synthetic: noise must be a number from 0 to 1, got ${noise}`);
  if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new ValueError(`synthetic: seed must be a finite number, got ${seed}`);
  const rng = new Random(seed);
  const u = (lo: number, hi: number) => rng.range(lo, hi);
  const tfNoise = noise * 0.5;
  const inputs: number[][] = [];
  const labels: number[] = [];
  const push = (x: number, y: number, label: number) => {
    inputs.push([clamp(x * SCALE), clamp(y * SCALE)]);
    labels.push(label);
  };
  const half = Math.ceil(n / 2);
  switch (kind) {
    case 'circle': {
      const radius = 5;
      const label = (x: number, y: number) => (Math.hypot(x, y) < radius * 0.5 ? 1 : 0);
      for (let i = 0; i < n; i++) {
        const r = i < half ? u(0, radius * 0.5) : u(radius * 0.7, radius);
        const angle = u(0, 2 * Math.PI);
        const x = r * Math.sin(angle);
        const y = r * Math.cos(angle);
        const nx = u(-radius, radius) * tfNoise;
        const ny = u(-radius, radius) * tfNoise;
        push(x, y, label(x + nx, y + ny));
      }
      break;
    }
    case 'spirals': {
      for (let i = 0; i < n; i++) {
        const second = i >= half;
        const m = second ? n - half : half;
        const k = second ? i - half : i;
        const r = (k / m) * 5;
        const t = ((1.75 * k) / m) * 2 * Math.PI + (second ? Math.PI : 0);
        push(r * Math.sin(t) + u(-1, 1) * tfNoise, r * Math.cos(t) + u(-1, 1) * tfNoise, second ? 0 : 1);
      }
      break;
    }
    case 'gaussian': {
      const sd = Math.sqrt(0.5 + 7 * tfNoise); // Playground: variance from 0.5 (no noise) to 4 (50%)
      for (let i = 0; i < n; i++) {
        const c = i < half ? 2 : -2;
        push(c + sd * rng.normal(), c + sd * rng.normal(), i < half ? 1 : 0);
      }
      break;
    }
    case 'xor': {
      const padding = 0.3;
      for (let i = 0; i < n; i++) {
        let x = u(-5, 5);
        x += x > 0 ? padding : -padding;
        let y = u(-5, 5);
        y += y > 0 ? padding : -padding;
        const nx = u(-5, 5) * tfNoise;
        const ny = u(-5, 5) * tfNoise;
        push(x, y, (x + nx) * (y + ny) >= 0 ? 1 : 0);
      }
      break;
    }
    default:
      throw new ValueError(`synthetic: unknown kind ${JSON.stringify(kind)}; the kinds are ${listNames(SYNTHETIC_KINDS)}`);
  }
  return { inputs, labels };
}

function clamp(v: number): number {
  return v < -1 ? -1 : v > 1 ? 1 : v;
}
