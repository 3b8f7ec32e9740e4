/**
 * Where the explainer's numbers come from: the library's own engine. A spec becomes a float64
 * `Network`; its forward runs with retainGrad() on every layer's pre-activation z and activation a,
 * the loss is computed exactly as Network.learn computes it (LOSS_TABLE's fused form on the logits
 * where the output activation has one: sigmoid + bce, softmax + crossEntropy), and backward fills
 * the tape. z, a, ∂L/∂a (a.grad), δ = ∂L/∂z (z.grad) and ∂L/∂w (weight.grad) are read off it.
 * Nothing here restates a formula: derivatives are the engine's autograd, formula text is the
 * tables' (ACTIVATION_TABLE, LOSS_TABLE).
 */
import { Tensor, tensor } from '../tensor/tensor.js';
import { backward, noGrad } from '../autograd/graph.js';
import { log } from '../ops/index.js';
import { ACTIVATION_TABLE } from '../nn/activations.js';
import { LOSS_TABLE } from '../losses/index.js';
import { Network } from '../train/network.js';
import { ValueError, ShapeError } from '../tensor/errors.js';
import { fusedOutput, normalizeTarget, resolveSpec, toNetworkSpec, type FullSpec, type NetworkLike, type ParamRef, type Samples } from './spec.js';
import type { LossName } from '../spec/index.js';

const F64 = { dtype: 'float64' } as const;

/** A float64 Network with exactly the spec's weights. @example engineNetwork(spec).forward(x) */
export function engineNetwork(s: FullSpec): Network {
  return new Network({ ...toNetworkSpec(s), dtype: 'float64' });
}

/** Inputs [n, features] and targets [n, outputs] (class indices made one-hot) as float64 tensors. */
export function sampleTensors(s: FullSpec, data: Samples): { x: Tensor; y: Tensor } {
  const x = tensor(data.inputs.map((r) => [...r]), F64);
  const y = tensor(data.targets.map((t, r) => normalizeTarget(s, t, `target of row ${r + 1}`)), F64);
  return { x, y };
}

/**
 * The batch loss as an engine tensor (with its graph), computed as Network.learn computes it.
 * @example const L = engineLoss(net, x, y); L.backward();
 */
export function engineLoss(net: Network, x: Tensor, y: Tensor): Tensor {
  return net.trainingLoss(x, y);
}

/** Every parameter's gradient in listParams order (per layer: weights row by row, then biases). */
function gradients(net: Network): number[] {
  const gradient: number[] = [];
  for (const layer of net.layers) {
    gradient.push(...Array.from(layer.weight.grad?.data ?? new Float64Array(layer.weight.size)));
    if (layer.bias) gradient.push(...Array.from(layer.bias.grad?.data ?? new Float64Array(layer.bias.size)));
  }
  return gradient;
}

const plain = (t: Tensor | null, size: number): number[] => (t === null ? new Array<number>(size).fill(0) : Array.from(t.data));
/** Drops the sign of a zero (−0 prints as 0 anyway; this keeps JSON traces tidy). */
const unsignZero = (v: number): number => (v === 0 ? 0 : v);

/** One sample forward and backward on the engine's tape, every number a trace shows. */
export interface SampleTape {
  /** a[0] is the input; a[k+1] the output of layer k. */
  a: number[][];
  /** z[k]: the weighted sums (pre-activations) of layer k. */
  z: number[][];
  /** ∂L/∂a of layer k (for a fused output: the loss's ∂L/∂y, as if it were computed from y). */
  dLda: number[][];
  /** f′(z) of layer k by autograd, for element-wise activations; null for softmax. */
  dadz: (number[] | null)[];
  /** δ = ∂L/∂z of layer k. */
  delta: number[][];
  /** ∂L/∂w [k][j][i] and ∂L/∂b [k][j]. */
  gradW: number[][][];
  gradB: number[][];
  /** Each output's term of the loss before the batch divisor. */
  terms: number[];
  loss: number;
}

/**
 * The spec as an engine Network, kept for repeated evaluation (the landscape's grid): parameters are
 * written in place, the loss and its gradient come from trainingLoss and backward.
 */
export class SpecEngine {
  readonly net: Network;

  constructor(readonly spec: FullSpec) {
    this.net = engineNetwork(spec);
  }

  /** Sets one scalar parameter of the network. */
  set(p: ParamRef, v: number): void {
    const layer = this.net.layers[p.layer];
    if (p.kind === 'weight') layer.weight.data[p.row * layer.inFeatures + p.col] = v;
    else layer.bias!.data[p.row] = v;
  }

  /** The batch loss as learn computes it, without a graph. */
  loss(x: Tensor, y: Tensor): number {
    return noGrad(() => engineLoss(this.net, x, y)).item();
  }

  /** The batch loss and the gradient of every parameter (listParams order), by backward. */
  lossAndGradient(x: Tensor, y: Tensor): { loss: number; gradient: number[] } {
    for (const p of this.net.parameters()) p.zeroGrad();
    const L = engineLoss(this.net, x, y);
    backward(L);
    return { loss: L.item(), gradient: gradients(this.net) };
  }

  /** One row's outputs and each output's term of its loss (before the batch divisor). */
  outputTerms(x: readonly number[], t: readonly number[]): { y: number[]; terms: number[] } {
    return noGrad(() => {
      const xt = tensor([[...x]], F64);
      const zt = this.net.logits(xt);
      const last = this.net.layers[this.net.layers.length - 1];
      const yt = this.net.forward(xt);
      return { y: Array.from(yt.data), terms: this.terms(zt, yt, t, last.activation) };
    });
  }

  /**
   * Each output's term, by the engine's loss on that output alone: an element-wise loss on the one
   * output (its mean over one element is the term); a loss over classes (crossEntropy) with the
   * target kept for that class only. The fused form gets the logit, as learn computes it.
   */
  private terms(z: Tensor, y: Tensor, t: readonly number[], activation: string): number[] {
    const entry = LOSS_TABLE[this.spec.loss];
    const fused = entry.fused !== null && entry.fused.activation === activation ? entry.fused.fn : null;
    const fn = fused ?? entry.fn;
    const pred = fused ? z : y;
    const m = t.length;
    return noGrad(() => Array.from({ length: m }, (_, k) => {
      if (entry.classIndexTargets) {
        const only = tensor([t.map((v, c) => (c === k ? v : 0))], F64);
        return unsignZero(fn(pred, only).item());
      }
      return unsignZero(fn(tensor([[pred.data[k]]], F64), tensor([[t[k]]], F64)).item());
    }));
  }

  /** One sample forward and backward with every intermediate retained. */
  tape(x: readonly number[], t: readonly number[]): SampleTape {
    const s = this.spec;
    const net = this.net;
    for (const p of net.parameters()) p.zeroGrad();
    const L = net.layers.length;
    const fusedPair = fusedOutput(s) !== null;
    const xt = tensor([[...x]], F64);
    const yt = tensor([[...t]], F64);
    // The forward of Dense, layer by layer (preActivation, then the table's activation), keeping z and a.
    const zs: Tensor[] = [], as: Tensor[] = [xt];
    for (let k = 0; k < L; k++) {
      const layer = net.layers[k];
      const z = layer.preActivation(as[k]).retainGrad();
      const a = ACTIVATION_TABLE[layer.activation].apply(z, layer.alpha).retainGrad();
      zs.push(z);
      as.push(a);
    }
    // The loss as Network.trainingLoss computes it: fused on the logits z, else on the outputs.
    const entry = LOSS_TABLE[s.loss];
    const lossT = fusedPair ? entry.fused!.fn(zs[L - 1], yt) : entry.fn(as[L], yt);
    const logProbs = fusedPair && s.layers[L - 1].activation === 'softmax' ? findOnTape(lossT, 'logSoftmax', zs[L - 1]) : null;
    logProbs?.retainGrad();
    backward(lossT);

    const width = (k: number) => s.layers[k].units;
    const z = zs.map((v) => Array.from(v.data));
    const a = as.map((v) => Array.from(v.data));
    const delta = zs.map((v, k) => plain(v.grad, width(k)));
    const dadz = zs.map((v, k) => (ACTIVATION_TABLE[net.layers[k].activation].elementwise ? activationSlope(net, k, v) : null));
    const dLda = as.slice(1).map((v, k) => plain(v.grad, width(k)));
    if (fusedPair) dLda[L - 1] = fusedOutputGradient(delta[L - 1], dadz[L - 1], a[L], logProbs);
    const gradW = net.layers.map((layer, k) => {
      const g = plain(layer.weight.grad, layer.weight.size);
      return Array.from({ length: width(k) }, (_, j) => g.slice(j * layer.inFeatures, (j + 1) * layer.inFeatures));
    });
    const gradB = net.layers.map((layer, k) => plain(layer.bias?.grad ?? null, width(k)));
    return { a, z, dLda, dadz, delta, gradW, gradB, terms: this.terms(zs[L - 1], as[L], t, net.layers[L - 1].activation), loss: lossT.item() };
  }
}

/** f′(z) for an element-wise activation: backward through the table's op from a copy of z with ones. */
function activationSlope(net: Network, k: number, z: Tensor): number[] {
  const layer = net.layers[k];
  const leaf = tensor([Array.from(z.data)], { ...F64, requiresGrad: true });
  const a = ACTIVATION_TABLE[layer.activation].apply(leaf, layer.alpha);
  if (!a.requiresGrad) return new Array<number>(z.size).fill(0);
  backward(a, tensor([new Array<number>(z.size).fill(1)], F64));
  return plain(leaf.grad, z.size);
}

/** The tensor the op `op` computed from `from` in the graph of `root`, or null. */
function findOnTape(root: Tensor, op: string, from: Tensor): Tensor | null {
  const seen = new Set<Tensor>();
  const stack: Tensor[] = [root];
  while (stack.length) {
    const t = stack.pop()!;
    if (seen.has(t)) continue;
    seen.add(t);
    const fn = t.gradFn;
    if (fn === null) continue;
    if (fn.op === op && fn.inputs.includes(from)) return t;
    stack.push(...fn.inputs);
  }
  return null;
}

/**
 * ∂L/∂y of a fused output, for display (the fused loss never sees y): through the sigmoid,
 * δ / f′(z); through the softmax, ∂L/∂ln y (the fused loss's log-softmax, read off the tape) sent
 * back through the engine's log. Not finite (a saturated output): NaN.
 */
function fusedOutputGradient(delta: number[], slope: number[] | null, y: number[], logProbs: Tensor | null): number[] {
  let out: number[];
  if (logProbs !== null) {
    const leaf = tensor([y], { ...F64, requiresGrad: true });
    backward(log(leaf), tensor([plain(logProbs.grad, y.length)], F64));
    out = plain(leaf.grad, y.length);
  } else {
    out = delta.map((d, j) => d / slope![j]);
  }
  return out.map((v) => (Number.isFinite(v) ? v : NaN));
}

/** The checks the explainer makes of a dataset before it runs the engine on it. */
export function checkSamples(s: FullSpec, data: Samples): void {
  const n = data.inputs.length;
  if (n === 0) throw new ValueError('the dataset is empty');
  if (data.targets.length !== n) throw new ShapeError(`${n} inputs but ${data.targets.length} targets`);
  for (const r of data.inputs) {
    if (r.length !== s.inputs) throw new ShapeError(`input has ${r.length} values, but the network takes ${s.inputs}`);
  }
}

/**
 * The loss over a whole batch and its gradient for every parameter (listParams order), by the
 * engine: a float64 Network, its training loss, backward.
 * @example lossAndGradient(spec, { inputs: [[1, 0]], targets: [[1]] }).loss
 */
export function lossAndGradient(s: FullSpec, data: Samples, withGradient = true): { loss: number; gradient: number[] } {
  checkSamples(s, data);
  const e = new SpecEngine(s);
  const { x, y } = sampleTensors(s, data);
  return withGradient ? e.lossAndGradient(x, y) : { loss: e.loss(x, y), gradient: [] };
}

/**
 * The engine's gradient of the batch loss for every parameter, in listParams order (per layer:
 * weights row by row, then biases), and the loss.
 * @example engineGradient(spec, { inputs: [[0.5, -0.5]], targets: [[0.9, 0.1]] }).gradient
 */
export function engineGradient(network: NetworkLike, data: Samples, loss?: LossName): { loss: number; gradient: number[] } {
  return lossAndGradient(resolveSpec('engineGradient', network, loss), data);
}
