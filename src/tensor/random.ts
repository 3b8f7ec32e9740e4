/**
 * Seeded random numbers that are the same on every platform: xoshiro128** on 32-bit integer
 * arithmetic (Math.imul, >>>), seeded through splitmix32. Normal samples use Marsaglia's polar method
 * with a logarithm built from + − × ÷ alone (`portableLog`): Math.log/sin/cos are only approximated
 * by the spec and differ in the last bit between engines, IEEE basic arithmetic and sqrt do not.
 * Same seed, same stream, in Node and in every browser.
 */
import { ValueError } from './errors.js';

function splitmix32(state: number): [number, number] {
  state = (state + 0x9e3779b9) | 0;
  let z = state;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return [state, z >>> 0];
}

export class Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | null = null;

  /** @example new Random(42).uniform() // the same number on every machine */
  constructor(seed = 0) {
    if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new ValueError(`Random: seed must be a finite number, got ${String(seed)}`);
    let st = Math.floor(seed) | 0;
    // Mix in the high bits so seeds above 2^32 still differ.
    st ^= Math.floor(seed / 4294967296) | 0;
    let v: number;
    [st, v] = splitmix32(st); this.s0 = v;
    [st, v] = splitmix32(st); this.s1 = v;
    [st, v] = splitmix32(st); this.s2 = v;
    [st, v] = splitmix32(st); this.s3 = v;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in [low, high). */
  range(low: number, high: number): number {
    return low + (high - low) * this.uniform();
  }

  /** Standard normal (mean 0, standard deviation 1): Marsaglia's polar method, two per draw. */
  normal(): number {
    if (this.spareNormal !== null) {
      const s = this.spareNormal;
      this.spareNormal = null;
      return s;
    }
    let u: number, v: number, s: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * portableLog(s)) / s);
    this.spareNormal = v * f;
    return u * f;
  }

  /** A whole number in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Shuffles in place (Fisher–Yates) and returns the array. */
  shuffle<T extends { length: number; [i: number]: any }>(array: T): T {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = array[i];
      array[i] = array[j];
      array[j] = tmp;
    }
    return array;
  }
}

/**
 * ln x for finite x > 0 from IEEE basic arithmetic only, so every engine gets the same bits (within
 * ~2 ulp of Math.log). x = m·2ᵉ with m in [√½, √2), then ln m = 2·atanh(t), t = (m−1)/(m+1), |t| < 0.172.
 * @example portableLog(Math.E) // 1 (to about 1e-16)
 */
export function portableLog(x: number): number {
  if (!(x > 0) || x === Infinity) return x === 0 ? -Infinity : x === Infinity ? Infinity : NaN;
  let e = 0;
  // Scaling by powers of two is exact; big steps first so tiny or huge x need few iterations.
  while (x < 1.4916681462400413e-154) { x *= 6.703903964971299e153; e -= 511; }
  while (x > 6.703903964971299e153) { x *= 1.4916681462400413e-154; e += 511; }
  while (x < Math.SQRT1_2) { x *= 2; e--; }
  while (x >= Math.SQRT2) { x *= 0.5; e++; }
  const t = (x - 1) / (x + 1);
  const t2 = t * t;
  // atanh(t)/t = Σ t²ᵏ/(2k+1); t² < 0.0295, so 13 terms reach far below float64 resolution.
  let p = 1 / 27;
  for (let k = 12; k >= 0; k--) p = 1 / (2 * k + 1) + t2 * p;
  return e * LN2_HI + (2 * t * p + e * LN2_LO);
}

// ln 2 split so e·LN2_HI is exact for |e| < 2¹¹ (LN2_HI has 11 trailing zero bits).
const LN2_HI = 6.93147180369123816490e-1;
const LN2_LO = 1.90821492927058770002e-10;

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

let globalRandom = new Random(0);

/** Re-seeds the generator that rand/randn/initialisers use when no generator is passed. */
export function manualSeed(seed: number): void {
  globalRandom = new Random(seed);
}

export function defaultRandom(): Random {
  return globalRandom;
}
