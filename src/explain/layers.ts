/**
 * The explainer for networks with layer types beyond Dense (a tiny conv net): one forward and
 * backward pass of one sample, every number read off the engine's tape. Each output of a layer
 * with weights is written as Σ w·(∂z/∂w) + b, the factors ∂z/∂w (the input values that weight
 * touches: a convolution's window) coming from the tape too, so no layer's geometry is restated;
 * each weight's gradient (weight.grad) is shown with its terms Σ δ·(∂z/∂w) over the outputs it feeds.
 */
import { Tensor, tensor } from '../tensor/tensor.js';
import { backward } from '../autograd/graph.js';
import { ValueError } from '../tensor/errors.js';
import { mul, reshape, sum } from '../ops/index.js';
import { applyActivation } from '../nn/activations.js';
import { isActivated } from '../nn/layer-types.js';
import { LOSS_TABLE, lossByName } from '../losses/index.js';
import { Network } from '../train/network.js';
import { noGrad } from '../autograd/graph.js';
import { MultiHeadAttention } from '../nn/attention.js';
import { BatchNorm1d, BatchNorm2d, LayerNorm } from '../nn/norm.js';
import type { NetworkSpec } from '../spec/index.js';
import { isRecurrent, recurrentPass, renderRecurrentBackward, renderRecurrentForward, type RecurrentPass, type RecurrentTape } from './recurrent.js';

/** The most outputs a layer may have here: every one of them is written out. */
export const MAX_TRACED_OUTPUTS = 64;

/** One output of a layer with weights: its sum's terms, value, activation and δ = ∂L/∂z. */
export interface TracedOutput {
  index: number;
  /** [weight index (row-major over the weight's shape), weight value, factor ∂z/∂w] for each nonzero factor. */
  terms: [number, number, number][];
  bias: number;
  z: number;
  a: number;
  delta: number;
}

export interface LayerTape {
  index: number;
  type: string;
  input: number[];
  output: number[];
  activation: string | null;
  /** The layer's output values (after the activation). */
  a: number[];
  /** ∂L/∂a for the layer's output. */
  dLda: number[];
  /** For a layer with weights: each output written out, and each weight's gradient as Σ δ·factor. */
  outputs?: TracedOutput[];
  weightShape?: number[];
  weightGrad?: { index: number; terms: [number, number][]; value: number }[];
  biasGrad?: number[];
  /** issue 12: a recurrent layer's pass step by step (backpropagation through time), from the tape. */
  recurrent?: RecurrentTape;
  /** Whether the layer adds a bias (an embedding, say, adds none). */
  hasBias?: boolean;
  /** A normalisation layer: x̂ = (x − μ)/√(σ² + ε) and the statistics it used; ∂L/∂x̂ = γ·δ and ∂L/∂x from the tape. */
  norm?: { mean: number[]; variance: number[]; eps: number; normalized: number[]; running: boolean; dLdxhat: number[]; dLdx: number[] | null };
  /** An attention layer: the weights softmax(Q·Kᵀ/√d) [queries × keys], averaged over heads. */
  attention?: { weights: number[]; queries: number; keys: number; heads: number; causal: boolean };
  /** Parameters other than weight and bias (attention's projections), each with its gradient from the tape. */
  params?: { name: string; shape: number[]; grad: number[] }[];
}

export interface LayersTrace {
  inputShape: number[];
  input: number[];
  target: number[];
  loss: string;
  lossValue: number;
  fused: boolean;
  layers: LayerTape[];
}

const values = (t: Tensor | null, size: number): number[] => (t === null ? new Array<number>(size).fill(0) : Array.from(t.data));

/**
 * One forward and backward pass of one sample through any spec, every number from the tape.
 * @example traceLayers({ inputs: [1, 3, 3], layers: [{ type: 'conv2d', filters: 1, kernelSize: 2 }, { type: 'flatten' }, { units: 1 }] }, [1, 2, 3, 4, 5, 6, 7, 8, 9], [1])
 */
export function traceLayers(spec: NetworkSpec, input: number[], target: number[]): LayersTrace {
  const net = new Network({ ...spec, dtype: 'float64' });
  net.model.eval(); // dropout: the identity, so the pass is the one predict makes
  if (input.length !== net.inputs) throw new ValueError(`explain: --input has ${input.length} numbers, the network takes ${net.inputs} (shape [${net.inputShape.join(', ')}])`);
  for (const l of net.architecture) {
    const size = l.output.reduce((a, b) => a * b, 1);
    if (size > MAX_TRACED_OUTPUTS) throw new ValueError(`explain: layers[${l.index}] (${l.type}) has ${size} outputs; the explainer writes every number, so give a tiny network (at most ${MAX_TRACED_OUTPUTS} outputs per layer)`);
  }
  const classIndex = LOSS_TABLE[net.loss].classIndexTargets;
  const y = classIndex ? tensor([target[0]], { dtype: 'float64' }) : tensor([target], { dtype: 'float64' });
  const fused = net.usesFusedLoss;
  const x0 = reshape(tensor([input], { dtype: 'float64' }), [1, ...net.inputShape]);
  // issue 12, recurrent: the gradient each recurrent layer's weights get in an ordinary pass, kept
  // before the traced pass (which runs such a layer step by step on per-step copies of its weights).
  const ordinary = new Map<number, Map<string, Tensor | null>>();
  if (net.modules.some(isRecurrent)) {
    backward(net.trainingLoss(x0, y));
    net.modules.forEach((m, i) => { if (isRecurrent(m)) ordinary.set(i, new Map(m.namedParameters().map(([k, p]) => [k, p.grad ? p.grad.detach() : null]))); });
    for (const p of net.parameters()) p.grad = null;
  }
  const passes = new Map<number, RecurrentPass>();
  // Forward, layer by layer, keeping each layer's input, pre-activation and output on the tape.
  const ins: Tensor[] = [], zs: (Tensor | null)[] = [], as: Tensor[] = [];
  let a: Tensor = x0;
  net.modules.forEach((m, i) => {
    ins.push(a);
    if (isRecurrent(m)) {
      const pass = recurrentPass(m, a);
      passes.set(i, pass);
      zs.push(null);
      a = pass.output;
    } else if (isActivated(m)) {
      const z = m.preActivation(a).retainGrad();
      zs.push(z);
      a = applyActivation(m.activation, z, (m as unknown as { alpha?: number }).alpha ?? 0.01);
    } else {
      zs.push(null);
      a = m.forward(a);
    }
    a.retainGrad();
    as.push(a);
    if (i === net.modules.length - 1 && fused && zs[i] === null) throw new ValueError('explain: the fused loss needs the last layer\'s logits');
  });
  const last = net.modules.length - 1;
  const L = fused ? LOSS_TABLE[net.loss].fused!.fn(zs[last]!, y) : lossByName(net.loss)(as[last], y);
  backward(L);
  const layers = net.architecture.map((l, i): LayerTape => {
    const m = net.modules[i];
    const out = as[i];
    const tape: LayerTape = {
      index: i, type: l.type, input: l.input, output: l.output, activation: isActivated(m) ? m.activation : null,
      a: Array.from(out.data), dLda: values(out.grad, out.size),
    };
    const pass = passes.get(i);
    if (pass) tape.recurrent = pass.read((name) => ordinary.get(i)!.get(name) ?? null);
    const params = new Map(m.namedParameters());
    const w = params.get('weight'), b = params.get('bias');
    const others = [...params].filter(([name]) => name !== 'weight' && name !== 'bias');
    if (others.length > 0 && !pass) tape.params = others.map(([name, p]) => ({ name, shape: [...p.shape], grad: values(p.grad, p.size) }));
    if (m instanceof MultiHeadAttention) {
      const { weights } = noGrad(() => m.attend(ins[i], ins[i], ins[i], { causal: m.causal, needWeights: true }));
      tape.attention = { weights: Array.from(weights.data), queries: weights.shape[1], keys: weights.shape[2], heads: m.numHeads, causal: m.causal };
    }
    if (m instanceof LayerNorm || m instanceof BatchNorm1d || m instanceof BatchNorm2d) {
      // The statistics the layer's own forward normalises with; γ·δ and ∂L/∂x are products and gradients on the tape.
      const stats = noGrad(() => m.normalization(ins[i].detach()));
      const delta = values(out.grad, out.size);
      const dLdxhat = m.weight ? Array.from(noGrad(() => mul(new Tensor(Float64Array.from(delta), out.shape), m.weight!.rank === 1 && out.rank > 2 ? reshape(m.weight!, [m.weight!.size, ...new Array<number>(out.rank - 2).fill(1)]) : m.weight!)).data) : delta;
      tape.norm = {
        mean: Array.from(stats.mean.data), variance: Array.from(stats.variance.data), eps: m.eps, normalized: Array.from(stats.normalized.data),
        running: stats.running, dLdxhat, dLdx: ins[i].grad ? Array.from(ins[i].grad!.data) : null,
      };
    }
    if (!w) return tape;
    tape.hasBias = b !== undefined;
    const z = zs[i] ?? out;
    const delta = values(z.grad, z.size);
    const wGrad = values(w.grad, w.size), bGrad = b ? values(b.grad, b.size) : undefined;
    // ∂z_o/∂w for each output o: the input values weight k multiplies (read off the tape, one backward each).
    const x = ins[i].detach();
    const factors: number[][] = [];
    for (let o = 0; o < z.size; o++) {
      w.grad = null;
      if (b) b.grad = null;
      const pick = new Float64Array(z.size); pick[o] = 1;
      const zo = isActivated(m) ? m.preActivation(x) : m.forward(x);
      backward(sum(mul(zo, new Tensor(pick, zo.shape))));
      factors.push(values(w.grad, w.size));
    }
    tape.weightShape = [...w.shape];
    tape.outputs = factors.map((f, o) => ({
      index: o,
      terms: f.flatMap((v, k) => (v !== 0 ? [[k, w.data[k], v] as [number, number, number]] : [])),
      bias: b ? b.data[Math.floor(o / (z.size / b.size))] : 0,
      z: z.data[o], a: out.data[o], delta: delta[o],
    }));
    tape.weightGrad = Array.from({ length: w.size }, (_, k) => {
      const terms = factors.flatMap((f, o) => (f[k] !== 0 ? [[delta[o], f[k]] as [number, number]] : []));
      return { index: k, terms, value: wGrad[k] };
    });
    tape.biasGrad = bGrad;
    w.grad = null;
    return tape;
  });
  return { inputShape: [...net.inputShape], input, target, loss: net.loss, lossValue: L.item(), fused, layers };
}

/** A number with `digits` significant digits, without trailing zeros. */
function n(v: number, digits: number): string {
  return String(Number(v.toPrecision(digits)));
}

/** An index into a shape as [i, j, …]. */
function at(index: number, shape: readonly number[]): string {
  const out: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) { out.unshift(index % shape[d]); index = Math.floor(index / shape[d]); }
  return `[${out.join(', ')}]`;
}

/**
 * The trace as text: the forward pass layer by layer (each weighted output as its sum of products),
 * the loss, then the backward pass (∂L/∂a, δ and each weight's gradient as Σ δ·factor).
 * @example process.stdout.write(renderLayersText(traceLayers(spec, input, target)))
 */
export function renderLayersText(t: LayersTrace, digits = 4): string {
  const f = (v: number) => n(v, digits);
  const lines: string[] = [];
  lines.push(`Network: [${t.inputShape.join(', ')}] → ${t.layers.map((l) => `${l.type}${l.activation && l.activation !== 'linear' ? ` ${l.activation}` : ''} [${l.output.join(', ')}]`).join(' → ')}; loss ${t.loss}${t.fused ? ' (fused with the output activation, on the logits)' : ''}`);
  lines.push(`Input x [${t.inputShape.join(', ')}] = ${t.input.map(f).join(', ')}`, '', 'Forward pass');
  for (const l of t.layers) {
    lines.push(`layers[${l.index}] ${l.type}: [${l.input.join(', ')}] → [${l.output.join(', ')}]`);
    if (l.norm) {
      const nm = l.norm;
      lines.push(`  x̂ = (x − μ)/√(σ² + ε), ε = ${nm.eps < 1e-3 ? nm.eps.toExponential() : f(nm.eps)}, with the ${nm.running ? 'running statistics (eval)' : l.type === 'layerNorm' ? 'sample\'s mean and variance' : 'batch\'s mean and variance per channel'}: μ = ${nm.mean.map(f).join(', ')}; σ² = ${nm.variance.map(f).join(', ')}`);
      lines.push(`  x̂ = ${nm.normalized.map(f).join(', ')}${l.outputs ? '; then z = γ·x̂ + β:' : ''}`);
    }
    if (l.attention) {
      const at_ = l.attention;
      lines.push(`  attention weights softmax(Q·Kᵀ/√d)${at_.causal ? ' (causal: no position sees a later one)' : ''}${at_.heads > 1 ? `, averaged over ${at_.heads} heads` : ''}, one row per query position:`);
      for (let q = 0; q < at_.queries; q++) lines.push(`    [${q}] ${at_.weights.slice(q * at_.keys, (q + 1) * at_.keys).map(f).join(', ')}`);
    }
    if (l.type === 'embedding') lines.push('  z[t, d] = w[x[t], d]: each input index picks its row of the table');
    if (l.recurrent) lines.push(...renderRecurrentForward(l.recurrent, f));
    else if (l.outputs) {
      for (const o of l.outputs) {
        const act = l.activation && l.activation !== 'linear' ? `, a = ${l.activation}(z) = ${f(o.a)}` : '';
        if (l.type === 'embedding') {
          // A lookup: the output is one table entry, the row the input index picks.
          const [k] = o.terms[0] ?? [0];
          lines.push(`  z${at(o.index, l.output)} = w${at(k, l.weightShape!)} = ${f(o.z)}${act}`);
          continue;
        }
        const sumText = o.terms.map(([, w, x]) => `${f(w)}·${f(x)}`).join(' + ');
        lines.push(`  z${at(o.index, l.output)} = ${sumText || '0'}${l.hasBias === false ? '' : ` + ${f(o.bias)}`} = ${f(o.z)}${act}`);
      }
    } else lines.push(`  a = ${l.a.map(f).join(', ')}`);
  }
  lines.push(`Loss ${t.loss}(output, target ${t.target.map(f).join(', ')}) = ${f(t.lossValue)}`, '', 'Backward pass (∂L/∂… from the tape, last layer first)');
  for (const l of [...t.layers].reverse()) {
    const fusedHead = t.fused && l.index === t.layers.length - 1;
    lines.push(`layers[${l.index}] ${l.type}: ${fusedHead ? `∂L/∂a not used: the fused ${t.loss} takes the logits z` : `∂L/∂a = ${l.dLda.map(f).join(', ')}`}`);
    if (l.recurrent) lines.push(...renderRecurrentBackward(l.recurrent, f));
    if (l.outputs) {
      lines.push(`  δ = ∂L/∂z = ${l.outputs.map((o) => f(o.delta)).join(', ')}`);
      for (const g of l.weightGrad!) {
        if (g.terms.length === 0) continue; // a weight no output used this pass (an embedding row not looked up): its gradient is 0
        lines.push(`  ∂L/∂w${at(g.index, l.weightShape!)} = ${g.terms.map(([d, x]) => `${f(d)}·${f(x)}`).join(' + ')} = ${f(g.value)}`);
      }
      const unused = l.weightGrad!.filter((g) => g.terms.length === 0).length;
      if (unused > 0) lines.push(`  ∂L/∂w = 0 for the other ${unused} weight${unused === 1 ? '' : 's'} (no output used ${unused === 1 ? 'it' : 'them'} this pass)`);
      if (l.biasGrad) lines.push(`  ∂L/∂b = ${l.biasGrad.map(f).join(', ')} (each the sum of its outputs' δ)`);
    }
    if (l.norm) {
      lines.push(`  ∂L/∂x̂ = ${l.outputs ? 'γ·δ = ' : ''}${l.norm.dLdxhat.map(f).join(', ')}`);
      if (l.norm.dLdx) {
        const how = l.norm.running ? '∂L/∂x̂ / √(σ² + ε) (the running statistics are constants)' : '(∂L/∂x̂ − mean(∂L/∂x̂) − x̂·mean(∂L/∂x̂·x̂)) / √(σ² + ε), the means over what μ was taken over';
        lines.push(`  ∂L/∂x = ${how} = ${l.norm.dLdx.map(f).join(', ')}`);
      }
    }
    for (const p of l.params ?? []) lines.push(`  ∂L/∂${p.name} [${p.shape.join(', ')}] = ${p.grad.map(f).join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}
