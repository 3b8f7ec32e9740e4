/**
 * Multi-head attention, PyTorch's nn.MultiheadAttention(embedDim, numHeads, batch_first=True):
 * the same parameter names and layouts (`in_proj_weight` [3E, E] holding the query, key and value
 * projections in that order, `in_proj_bias` [3E], `out_proj.weight` [E, E], `out_proj.bias` [E]), the
 * same initialisation (xavier-uniform in_proj, zero biases) and scaled dot-product attention with a
 * softmax over the keys, built from ops (batched matmul, permute, softmax, where).
 */
import { Tensor, zeros } from '../tensor/tensor.js';
import { Random } from '../tensor/random.js';
import { ShapeError, ValueError, fmtShape } from '../tensor/errors.js';
import { broadcastShapes, sameShape } from '../tensor/shape.js';
import { add, linear, matmul, mean, mul, narrow, permute, reshape, softmax, transpose, where } from '../ops/index.js';
import { Module } from './module.js';
import { Dense } from './layers.js';
import { xavierUniform_ } from './init.js';

export interface MultiHeadAttentionOptions {
  /** Biases on the input and output projections (default true). */
  bias?: boolean;
  /** forward(x) masks the future: position t attends to positions ≤ t (default false). */
  causal?: boolean;
  /** Seed for the initialisation (default 0), or an explicit generator. */
  seed?: number;
  random?: Random;
  dtype?: 'float32' | 'float64';
}

export interface AttendOptions {
  /** Query position i attends to key positions j ≤ i only (default false). */
  causal?: boolean;
  /**
   * Added to the attention scores before the softmax, as PyTorch's float `attn_mask`: 0 keeps a
   * key, −Infinity blocks it, anything else biases it. Shape [queries, keys] or anything that
   * broadcasts to [batch, heads, queries, keys]: [batch, 1, 1, keys] masks padded keys (PyTorch's
   * key_padding_mask); PyTorch's 3-D [batch·heads, queries, keys] mask is that reshaped to 4-D.
   */
  mask?: Tensor;
  /** Also return the attention weights averaged over heads, [batch, queries, keys] (default false). */
  needWeights?: boolean;
}

const OPTIONS = ['bias', 'causal', 'seed', 'random', 'dtype'];
const ATTEND_OPTIONS = ['causal', 'mask', 'needWeights'];

/**
 * Multi-head scaled dot-product attention over batch-first sequences [batch, time, embedDim]:
 * softmax(Q·Kᵀ/√headDim)·V per head, heads concatenated, then out_proj.
 * @example new MultiHeadAttention(16, 4, { causal: true, seed: 1 }).forward(x) // x [2, 10, 16] → [2, 10, 16]
 */
export class MultiHeadAttention extends Module {
  readonly inProjWeight: Tensor;
  readonly inProjBias: Tensor | null;
  /** The output projection, a child layer so its parameters are `out_proj.weight` and `out_proj.bias`. */
  readonly outProj: Dense;
  readonly headDim: number;
  readonly causal: boolean;

  constructor(readonly embedDim: number, readonly numHeads: number, options: MultiHeadAttentionOptions = {}) {
    super();
    if (typeof options !== 'object' || options === null) throw new ValueError(`MultiHeadAttention: options must be an object like { causal: true }, got ${options === null ? 'null' : typeof options}`);
    for (const k of Object.keys(options)) if (!OPTIONS.includes(k)) throw new ValueError(`MultiHeadAttention: unknown option '${k}' (known: ${OPTIONS.join(', ')})`);
    for (const [k, v] of [['embedDim', embedDim], ['numHeads', numHeads]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new ValueError(`MultiHeadAttention: ${k} must be a whole number ≥ 1, got ${String(v)}`);
    }
    if (embedDim % numHeads !== 0) throw new ValueError(`MultiHeadAttention: embedDim (${embedDim}) must be divisible by numHeads (${numHeads})`);
    this.headDim = embedDim / numHeads;
    this.causal = options.causal ?? false;
    const dtype = options.dtype ?? 'float32';
    if (dtype !== 'float32' && dtype !== 'float64') throw new ValueError(`MultiHeadAttention: dtype must be 'float32' or 'float64', got ${String(dtype)}`);
    const random = options.random ?? new Random(options.seed ?? 0);
    const bias = options.bias ?? true;
    // PyTorch: xavier_uniform_ on the whole [3E, E] matrix (fanIn E, fanOut 3E), zero in_proj_bias;
    // out_proj keeps Linear's U(±1/√E) weight and gets a zero bias.
    this.inProjWeight = this.registerParameter('in_proj_weight', xavierUniform_(zeros([3 * embedDim, embedDim], { dtype }), random));
    this.inProjBias = bias ? this.registerParameter('in_proj_bias', zeros([3 * embedDim], { dtype })) : null;
    this.outProj = this.registerModule('out_proj', new Dense(embedDim, embedDim, { bias, random, dtype }));
  }

  /** Self-attention: attend(x, x, x) with the layer's `causal` setting. */
  forward(x: Tensor): Tensor {
    return this.attend(x, x, x, { causal: this.causal });
  }

  /**
   * Attention of `query` [batch, queries, E] over `key` and `value` [batch, keys, E] (cross-attention
   * when they differ); returns [batch, queries, E], and with needWeights the weights averaged over heads.
   * @example const { output, weights } = mha.attend(decoderStates, encoderStates, encoderStates, { needWeights: true });
   */
  attend(query: Tensor, key: Tensor, value: Tensor, options?: AttendOptions & { needWeights?: false }): Tensor;
  attend(query: Tensor, key: Tensor, value: Tensor, options: AttendOptions & { needWeights: true }): { output: Tensor; weights: Tensor };
  attend(query: Tensor, key: Tensor, value: Tensor, options: AttendOptions): Tensor | { output: Tensor; weights: Tensor };
  attend(query: Tensor, key: Tensor, value: Tensor, options: AttendOptions = {}): Tensor | { output: Tensor; weights: Tensor } {
    const E = this.embedDim, H = this.numHeads, D = this.headDim;
    const what = `MultiHeadAttention(${E}, ${H} heads)`;
    if (typeof options !== 'object' || options === null) throw new ValueError(`${what}.attend: options must be an object like { causal: true }`);
    for (const k of Object.keys(options)) if (!ATTEND_OPTIONS.includes(k)) throw new ValueError(`${what}.attend: unknown option '${k}' (known: ${ATTEND_OPTIONS.join(', ')})`);
    for (const [name, t] of [['query', query], ['key', key], ['value', value]] as const) {
      if (!(t instanceof Tensor) || t.rank !== 3 || t.shape[2] !== E) {
        throw new ShapeError(`${what}: expected ${name} of shape [batch, time, ${E}], got ${t instanceof Tensor ? fmtShape(t.shape) : typeof t}`);
      }
    }
    const [B, Tq] = query.shape, Tk = key.shape[1];
    if (key.shape[0] !== B || value.shape[0] !== B) throw new ShapeError(`${what}: query, key and value must share the batch size, got ${fmtShape(query.shape)}, ${fmtShape(key.shape)} and ${fmtShape(value.shape)}`);
    if (value.shape[1] !== Tk) throw new ShapeError(`${what}: key and value must have the same length, got ${fmtShape(key.shape)} and ${fmtShape(value.shape)}`);

    // Projections, [batch·time, E] each, then split into heads: [batch, heads, time, headDim].
    let q: Tensor, k: Tensor, v: Tensor;
    if (query === key && key === value) {
      // Self-attention: one product with the whole [3E, E] matrix, cut into Q, K, V.
      const qkv = linear(reshape(query, [B * Tq, E]), this.inProjWeight, this.inProjBias);
      [q, k, v] = [0, 1, 2].map((i) => narrow(qkv, 1, i * E, E));
    } else {
      const project = (x: Tensor, i: number): Tensor => linear(reshape(x, [x.shape[0] * x.shape[1], E]),
        narrow(this.inProjWeight, 0, i * E, E), this.inProjBias && narrow(this.inProjBias, 0, i * E, E));
      [q, k, v] = [project(query, 0), project(key, 1), project(value, 2)];
    }
    const heads = (t: Tensor, T: number): Tensor => permute(reshape(t, [B, T, H, D]), [0, 2, 1, 3]);
    // scores [batch, heads, queries, keys] = Q·Kᵀ / √headDim
    let scores = mul(matmul(heads(q, Tq), transpose(heads(k, Tk), -1, -2)), 1 / Math.sqrt(D));
    if (options.mask !== undefined) {
      const m = options.mask;
      if (!(m instanceof Tensor)) throw new ValueError(`${what}.attend: mask must be a Tensor of shape [${Tq}, ${Tk}] or broadcastable to [${B}, ${H}, ${Tq}, ${Tk}]`);
      let fits = m.rank <= 4;
      try {
        fits &&= sameShape(broadcastShapes('attend', m.shape, scores.shape), scores.shape);
      } catch {
        fits = false;
      }
      if (!fits) throw new ShapeError(`${what}.attend: mask of shape ${fmtShape(m.shape)} does not broadcast to the scores [batch, heads, queries, keys] = ${fmtShape(scores.shape)}`);
      scores = add(scores, m);
    }
    if (options.causal === true) scores = where(causalMask(Tq, Tk, scores.dtype), scores, -Infinity);
    const weights = softmax(scores, -1);
    // [batch, heads, queries, headDim] → [batch·queries, E], heads side by side as PyTorch concatenates them
    const context = reshape(permute(matmul(weights, heads(v, Tk)), [0, 2, 1, 3]), [B * Tq, E]);
    const output = reshape(this.outProj.forward(context), [B, Tq, E]);
    if (options.needWeights === true) return { output, weights: mean(weights, 1) };
    return output;
  }
}

/** 1 where query i may attend to key j (j ≤ i), else 0: [queries, keys], a constant of the graph. */
function causalMask(queries: number, keys: number, dtype: 'float32' | 'float64'): Tensor {
  const m = zeros([queries, keys], { dtype });
  for (let i = 0; i < queries; i++) m.data.fill(1, i * keys, i * keys + Math.min(keys, i + 1));
  return m;
}
