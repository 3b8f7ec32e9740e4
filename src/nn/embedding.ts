/**
 * Embedding: a learned table of vectors looked up by integer index, PyTorch's nn.Embedding
 * (parameter `weight` [numEmbeddings, embeddingDim], initialised N(0, 1) from a seed). Built on the
 * `embedding` op, whose gradient scatters rows back into the table; `paddingIdx` names a row that
 * starts at zero and gets no gradient.
 */
import { Tensor, zeros } from '../tensor/tensor.js';
import { Random } from '../tensor/random.js';
import { ValueError } from '../tensor/errors.js';
import { abs, embedding, mul, reshape, step, sub } from '../ops/index.js';
import { Module } from './module.js';
import { normal_ } from './init.js';

export interface EmbeddingOptions {
  /** Seed for the N(0, 1) initialisation (default 0), or an explicit generator. */
  seed?: number;
  random?: Random;
  /**
   * A row (negative counts from the end, as in PyTorch) that starts at zero and is never trained:
   * positions holding this index output zeros and send no gradient to the table.
   */
  paddingIdx?: number;
  dtype?: 'float32' | 'float64';
}

const OPTIONS = ['seed', 'random', 'paddingIdx', 'dtype'];

/**
 * Looks up rows of `weight` by index: an input of indices (whole numbers 0..numEmbeddings−1, any
 * shape, in a float tensor) gives shape [...input.shape, embeddingDim].
 * @example new Embedding(10, 3, { seed: 1 }).forward(tensor([[1, 2], [4, 9]])).shape // [2, 2, 3]
 */
export class Embedding extends Module {
  readonly weight: Tensor;
  /** The padding row, made non-negative; null when there is none. */
  readonly paddingIdx: number | null;

  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, options: EmbeddingOptions = {}) {
    super();
    if (typeof options !== 'object' || options === null) throw new ValueError(`Embedding: options must be an object like { seed: 1 }, got ${options === null ? 'null' : typeof options}`);
    for (const k of Object.keys(options)) if (!OPTIONS.includes(k)) throw new ValueError(`Embedding: unknown option '${k}' (known: ${OPTIONS.join(', ')})`);
    for (const [k, v] of [['numEmbeddings', numEmbeddings], ['embeddingDim', embeddingDim]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new ValueError(`Embedding: ${k} must be a whole number ≥ 1, got ${String(v)}`);
    }
    const dtype = options.dtype ?? 'float32';
    if (dtype !== 'float32' && dtype !== 'float64') throw new ValueError(`Embedding: dtype must be 'float32' or 'float64', got ${String(dtype)}`);
    const p = options.paddingIdx;
    if (p !== undefined && (!Number.isInteger(p) || p < -numEmbeddings || p >= numEmbeddings)) {
      throw new ValueError(`Embedding: paddingIdx must be a whole number in [${-numEmbeddings}, ${numEmbeddings - 1}] (a row of the table), got ${String(p)}`);
    }
    this.paddingIdx = p === undefined ? null : p < 0 ? p + numEmbeddings : p;
    this.weight = this.registerParameter('weight', zeros([numEmbeddings, embeddingDim], { dtype }));
    normal_(this.weight, 0, 1, options.random ?? new Random(options.seed ?? 0));
    if (this.paddingIdx !== null) this.weight.data.fill(0, this.paddingIdx * embeddingDim, (this.paddingIdx + 1) * embeddingDim);
  }

  forward(indices: Tensor): Tensor {
    const rows = embedding(indices, this.weight);
    if (this.paddingIdx === null) return rows;
    // keep = 1 where the index is not the padding row (step(|i − p|) is 0 only at p): the padding
    // positions output zeros and contribute nothing to the table's gradient.
    const keep = step(abs(sub(indices, this.paddingIdx)));
    return mul(rows, reshape(keep, [...indices.shape, 1]));
  }
}
