/**
 * Where each number of a trace comes from, as one line a person can check by hand: the formula, the
 * numbers put into it, and the result, e.g. '0.2031 = σ(z)(1 − σ(z)) at z = 0.9272'. The playground
 * shows these when a number on the network diagram is hovered or tapped; they read the trace only
 * (nothing is recomputed), so they always agree with `backprop explain`. Browser-safe.
 */
import type { ActivationName } from '../spec/index.js';
import { fmt, fmtFactor } from './format.js';
import type { LayerTrace, NeuronTrace, ParamTrace, StepTrace, Trace } from './trace.js';

/** An activation and its slope written in terms of z, the way a textbook writes them. */
const IN_Z: Partial<Record<ActivationName, { f: string; slope: string }>> = {
  sigmoid: { f: 'σ(z)', slope: 'σ(z)(1 − σ(z))' },
  tanh: { f: 'tanh(z)', slope: '1 − tanh²(z)' },
  relu: { f: 'max(0, z)', slope: '1 if z > 0, else 0' },
  leakyRelu: { f: 'z if z > 0, else α·z', slope: '1 if z > 0, else α' },
  softplus: { f: 'ln(1 + e^z)', slope: 'σ(z)' },
  gelu: { f: 'z·Φ(z)', slope: 'Φ(z) + z·φ(z)' },
  elu: { f: 'z if z > 0, else e^z − 1', slope: '1 if z > 0, else e^z' },
  silu: { f: 'z·σ(z)', slope: 'σ(z)(1 + z(1 − σ(z)))' },
  linear: { f: 'z', slope: '1' },
};

/** Explanations of one neuron's numbers in one step. */
export interface NeuronProvenance {
  /** z = Σ w·input + b written out. */
  z: string;
  /** a = f(z). */
  a: string;
  /** ∂a/∂z = f'(z) at z (null where the trace has none: softmax, a fused output). */
  slope: string | null;
  /** ∂L/∂a: from the loss (outputs) or summed over the neurons it feeds. */
  dLda: string;
  /** δ = ∂L/∂z. */
  delta: string;
}

/**
 * The formulas behind neuron `index` of layer `layer` (0 = first hidden layer).
 * @example neuronProvenance(trace, trace.steps[0], 1, 0).slope // '0.2031 = σ(z)(1 − σ(z)) at z = 0.9272'
 */
export function neuronProvenance(trace: Trace, st: StepTrace, layer: number, index: number): NeuronProvenance {
  const f = (x: number): string => fmt(x, trace.digits);
  const ff = (x: number): string => fmtFactor(x, trace.digits);
  const l: LayerTrace = st.layers[layer];
  const n: NeuronTrace = l.neurons[index];
  const inZ = IN_Z[l.activation];
  const z = `z(${n.name}) = Σ w·input + b = ${n.sum} = ${f(n.z)}`;
  const a = l.activation === 'softmax'
    ? `${f(n.a)} = softmax(z)_${index + 1} = e^z${index + 1} / Σ e^z at z(${n.name}) = ${f(n.z)}`
    : `${f(n.a)} = ${inZ?.f ?? `${l.activation}(z)`} at z = ${f(n.z)}`;
  const slope = n.dadz === null ? null : `${f(n.dadz)} = ${inZ?.slope ?? l.derivative} at z = ${f(n.z)}`;
  let dLda: string;
  if (n.dLdaTerms === null) {
    const o = st.outputs[index];
    dLda = `∂L/∂${n.name} = ${trace.lossDerivative} at y = ${f(o.y)}, t = ${f(o.t)}: ${f(n.dLda)}`;
  } else {
    dLda = `∂L/∂${n.name} = Σ δ·w over the neurons it feeds = ${n.dLdaTerms.map((t) => `${ff(t.delta)}·${ff(t.weight)}`).join(' + ')} = ${f(n.dLda)}`;
  }
  let delta: string;
  if (n.dadz === null) {
    delta = trace.fused
      ? `δ(${n.name}) = y − t${trace.loss === 'bce' && st.outputs.length > 1 ? ' (over the outputs)' : ''} = ${f(st.outputs[index].y)} − ${ff(st.outputs[index].t)} → ${f(n.delta)} (${trace.fused.replace('-', ' with ')}, computed together)`
      : `δ(${n.name}) = y_j(∂L/∂y_j − Σ_k ∂L/∂y_k·y_k) = ${f(n.delta)} (softmax)`;
  } else {
    delta = `δ(${n.name}) = ∂L/∂${n.name} · ∂${n.name}/∂z = ${f(n.dLda)} · ${ff(n.dadz)} = ${f(n.delta)}, where ∂${n.name}/∂z: ${slope}`;
  }
  return { z, a, slope, dLda, delta };
}

/**
 * The gradient and update of one parameter, from its chain-rule factors.
 * @example paramProvenance(trace, p) // '∂L/∂w(h1→y1) = ∂L/∂y1 · ∂y1/∂z · ∂z/∂w = x… = -0.1835 · 0.2031 · 0.5399 = -0.02012; …'
 */
export function paramProvenance(trace: Trace, p: ParamTrace): string {
  const f = (x: number): string => fmt(x, trace.digits);
  const symbols = p.factors.map((x) => x.symbol.replace(/ = .*$/, '')).join(' · ');
  const values = p.factors.map((x, i) => (i === 0 ? f(x.value) : fmtFactor(x.value, trace.digits))).join(' · ');
  return `∂L/∂${p.label} = ${symbols} = ${values} = ${f(p.gradient)}; update ${f(p.before)} − ${f(trace.learningRate)}·${fmtFactor(p.gradient, trace.digits)} = ${f(p.after)}`;
}

/** The loss of one step written out. @example lossProvenance(trace, trace.steps[0]) // 'L = … = 0.1067' */
export function lossProvenance(trace: Trace, st: StepTrace): string {
  const f = (x: number): string => fmt(x, trace.digits);
  return `${trace.lossFormula} with y = (${st.outputs.map((o) => f(o.y)).join(', ')}), t = (${st.outputs.map((o) => f(o.t)).join(', ')}) = ${f(st.loss)}; after the update ${f(st.lossAfter)}`;
}
