/**
 * Renderers for network traces: aligned plain-text tables for a terminal and Markdown for documents.
 * Both show the same rows in the same order as the hand calculation: forward sums, loss, δ per
 * neuron, then every parameter's gradient as its chain-rule factors and its update. Numbers are
 * rounded to the trace's significant digits; nothing here computes, it only writes.
 */
import { fmt, fmtFactor, markdownTable, textTable, width as textWidth, wrapText } from './format.js';
import type { LayerTrace, StepTrace, Trace } from './trace.js';

interface Section {
  title: string;
  note?: string;
  header: string[];
  rows: string[][];
  footer?: string;
  /** Columns a narrow text rendering may leave out. */
  optional?: number[];
  /** The column of written-out sums or products a narrow text rendering may wrap. */
  wrap?: number;
}

export interface TextOptions {
  /**
   * Most columns per line: tables drop their long parameter names and wrap written-out sums, prose
   * wraps at spaces. No limit when absent (what the articles print).
   */
  width?: number;
}

function describeNetwork(trace: Trace): string {
  const layers = trace.network.layers.map((l) => `${l.units} ${l.activation ?? 'linear'}`);
  return [`${trace.network.inputs} inputs`, ...layers].join(' → ');
}

function layerTitle(l: LayerTrace, total: number): string {
  return `layer ${l.index + 1} of ${total} (${l.role}, ${l.activation})`;
}

function stepSections(trace: Trace, st: StepTrace): Section[] {
  const f = (x: number): string => fmt(x, trace.digits);
  const ff = (x: number): string => fmtFactor(x, trace.digits);
  const total = st.layers.length;
  const out: Section[] = [];
  // forward
  for (const l of st.layers) {
    out.push({
      title: `Forward, ${layerTitle(l, total)}`,
      header: ['neuron', 'z = Σ w·input + b', 'z', `a = ${l.activation}(z)`],
      rows: l.neurons.map((n) => [n.name, n.sum, f(n.z), f(n.a)]),
      wrap: 1,
    });
  }
  // loss
  const m = st.outputs.length;
  out.push({
    title: `Loss: ${trace.lossFormula}`,
    header: ['output', 'y', 't', 'y − t', termHeader(trace.loss), `∂L/∂y = ${trace.lossDerivative}`],
    rows: st.outputs.map((o) => [o.name, f(o.y), f(o.t), f(o.y - o.t), f(o.term), f(o.dLdy)]),
    footer: `L = ${f(st.loss)}${m > 1 && (trace.loss === 'mse' || trace.loss === 'mae' || trace.loss === 'bce') ? ` (the mean of the ${m} terms)` : ''}`,
  });
  // backward, last layer first
  for (const l of [...st.layers].reverse()) {
    const softmax = l.activation === 'softmax' || (l.role === 'output' && trace.fused !== null);
    if (l.role === 'output') {
      out.push({
        title: `Backward, ${layerTitle(l, total)}: δ = ∂L/∂z = ∂L/∂y · ∂y/∂z`,
        header: softmax ? ['neuron', '∂L/∂y', 'δ = ∂L/∂z'] : ['neuron', '∂L/∂y', `∂y/∂z = ${l.derivative}`, 'δ = ∂L/∂z'],
        rows: l.neurons.map((n) => (softmax ? [n.name, f(n.dLda), f(n.delta)] : [n.name, f(n.dLda), f(n.dadz ?? NaN), f(n.delta)])),
        note: trace.fused ? `${trace.fused.replace('-', ' with ')}, computed together from z: δ = y − t${trace.loss === 'bce' && st.outputs.length > 1 ? ` (divided by the ${st.outputs.length} outputs)` : ''}` : softmax ? 'softmax: δ_j = y_j(∂L/∂y_j − Σ_k ∂L/∂y_k·y_k)' : undefined,
      });
    } else {
      out.push({
        title: `Backward, ${layerTitle(l, total)}: ∂L/∂a sums δ·w over every neuron it feeds`,
        header: ['neuron', '∂L/∂a = Σ δ·w', '∂L/∂a', `∂a/∂z = ${l.derivative}`, 'δ = ∂L/∂z'],
        rows: l.neurons.map((n) => [n.name, (n.dLdaTerms ?? []).map((t) => `${ff(t.delta)}·${ff(t.weight)}`).join(' + '), f(n.dLda), f(n.dadz ?? NaN), f(n.delta)]),
        wrap: 1,
      });
    }
  }
  // gradients and updates
  out.push({
    title: `Gradients and update: ∂L/∂w = product of the chain-rule factors, w ← w − η·∂L/∂w (η = ${f(trace.learningRate)})`,
    header: ['parameter', 'name', 'chain-rule factors', '∂L/∂w', 'old → new'],
    rows: st.params.map((p) => [p.param, p.label, p.factors.map((x, i) => (i === 0 ? f(x.value) : ff(x.value))).join(' · '), f(p.gradient), `${f(p.before)} → ${f(p.after)}`]),
    note: factorLegend(st),
    optional: [0],
    wrap: 2,
    footer: `After the update: outputs ${st.outputsAfter.map(f).join(', ')}; loss ${f(st.loss)} → ${f(st.lossAfter)}`,
  });
  return out;
}

function termHeader(loss: Trace['loss']): string {
  switch (loss) {
    case 'mse': case 'sse': return '(y − t)²';
    case 'mae': return '|y − t|';
    case 'bce': return '−[t·ln y + (1 − t)·ln(1 − y)]';
    case 'crossEntropy': return '−t·ln y';
  }
}

/** One example of what the factors are, taken from the first parameter. */
function factorLegend(st: StepTrace): string | undefined {
  const p = st.params.find((q) => q.factors.length > 1);
  if (!p) return undefined;
  return `factors of ${p.label}: ${p.factors.map((x) => x.symbol).join(' · ')}`;
}

function header(trace: Trace): string[] {
  const f = (x: number): string => fmt(x, trace.digits);
  return [
    `network: ${describeNetwork(trace)}`,
    `loss: ${trace.loss}, ${trace.lossFormula}    learning rate η = ${f(trace.learningRate)}`,
    `input:  ${trace.inputNames.map((n, i) => `${n} = ${f(trace.input[i])}`).join(', ')}`,
    `target: ${trace.target.map((v, k) => `t${k + 1} = ${f(v)}`).join(', ')}`,
  ];
}

/**
 * The trace as aligned plain-text tables, for a terminal.
 * @example console.log(renderText(explain(spec, [0.5, -0.5], [0.9, 0.1], { learningRate: 1.2 })));
 */
export function renderText(trace: Trace, options: TextOptions = {}): string {
  const limit = options.width;
  const prose = (text: string, hang = '  '): string[] => (limit === undefined ? [text] : wrapText(text, limit, hang));
  const lines: string[] = [...prose(`Backpropagation, worked step by step (numbers rounded to ${trace.digits} significant digits)`), ...header(trace).flatMap((h) => prose(h, '    '))];
  for (const st of trace.steps) {
    lines.push('', `=== Step ${st.step} of ${trace.steps.length} ===`);
    for (const sec of stepSections(trace, st)) {
      lines.push('', ...prose(sec.title));
      if (sec.note) lines.push(...prose(`  (${sec.note})`, ' '));
      const fit = { width: limit, optional: sec.optional, wrap: sec.wrap };
      let table = textTable(sec.header, sec.rows, '  ', fit);
      if (limit !== undefined && maxLineWidth(table) > limit) {
        // still too wide: long formula headers ('∂L/∂y = (y − t)/…') keep their name, the formula goes above
        const long = sec.header.map((h) => (textWidth(h) > 16 && h.includes(' = ') ? h : null));
        for (const h of long) if (h) lines.push(...prose(`  (${h})`, ' '));
        table = textTable(sec.header.map((h, c) => (long[c] ? h.slice(0, h.indexOf(' = ')) : h)), sec.rows, '  ', fit);
      }
      if (sec.optional && !table.split('\n')[0].includes(sec.header[sec.optional[0]])) {
        lines.push(...prose(`  (the ${sec.header[sec.optional[0]]} column is left out to fit ${limit} columns)`, ' '));
      }
      lines.push(table);
      if (sec.footer) lines.push(...prose(`  ${sec.footer}`, '  '));
    }
  }
  if (trace.steps.length > 1) {
    const f = (x: number): string => fmt(x, trace.digits);
    lines.push('', ...prose(`Loss over the steps: ${[trace.steps[0].loss, ...trace.steps.map((s) => s.lossAfter)].map(f).join(' → ')}`));
  }
  return `${lines.join('\n')}\n`;
}

/** The widest line of a rendering, in columns. @example maxLineWidth(renderText(trace, { width: 80 })) <= 80 */
export function maxLineWidth(text: string): number {
  return Math.max(0, ...text.split('\n').map(textWidth));
}

/**
 * The trace as Markdown: a heading per step, a table per stage.
 * @example fs.writeFileSync('step.md', renderMarkdown(trace));
 */
export function renderMarkdown(trace: Trace): string {
  const code = (s: string): string => s.replace(/([*_\\])/g, '\\$1');
  const lines: string[] = ['# Backpropagation, worked step by step', '', ...header(trace).map((h) => `- ${code(h)}`), '', `Numbers are rounded to ${trace.digits} significant digits.`];
  for (const st of trace.steps) {
    lines.push('', `## Step ${st.step} of ${trace.steps.length}`);
    for (const sec of stepSections(trace, st)) {
      lines.push('', `### ${code(sec.title)}`, '');
      if (sec.note) lines.push(`_${code(sec.note)}_`, '');
      lines.push(markdownTable(sec.header.map(code), sec.rows.map((r) => r.map(code))));
      if (sec.footer) lines.push('', code(sec.footer));
    }
  }
  return `${lines.join('\n')}\n`;
}
