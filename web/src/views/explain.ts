/**
 * "Explain a step": one training point through the current network, forward and backward, with
 * every number, exactly as `backprop explain` prints it (the library's explain() and renderText(),
 * no second implementation). Renders into a <pre>; keeps nothing.
 */
import { explain, renderText, type NetworkSpec } from '../../../src/index.js';
import { short } from './colors.js';

export interface ExplainInput {
  spec: NetworkSpec;
  index: number;
  input: number[];
  label: number;
  /** The label's name (a CSV's class value). */
  className: string;
  learningRate: number;
  optimizer: string;
}

export class ExplainView {
  constructor(private readonly summary: HTMLElement, private readonly output: HTMLElement) {}

  render(v: ExplainInput): void {
    // crossEntropy's targets are class indices; the other losses take the label as the target value.
    const target = [v.label];
    const trace = explain(v.spec, v.input, target, { learningRate: v.learningRate });
    const st = trace.steps[0];
    const y = st.outputs.map((o) => short(o.y, 4)).join(', ');
    const note = v.optimizer === 'sgd'
      ? ''
      : ` The trace shows the plain gradient step w − η·∂L/∂w; ${v.optimizer} uses the same gradients but scales each step its own way.`;
    this.summary.textContent =
      `Training point #${v.index + 1} (${v.input.map((x) => short(x, 4)).join(', ')}), label ${v.label}${v.className !== String(v.label) ? ` (${v.className})` : ''}: output ${y}, loss ${short(st.loss, 4)} → ${short(st.lossAfter, 4)} after one step with η = ${v.learningRate}.${note}`;
    this.output.textContent = renderText(trace);
  }

  clear(message: string): void {
    this.summary.textContent = message;
    this.output.textContent = '';
  }
}
