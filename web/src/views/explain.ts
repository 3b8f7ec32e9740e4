/**
 * "Explain a step", drawn on the network diagram: one training point goes forward neuron by neuron
 * (each lit with its weighted sum z and activation a), then the error comes back (each neuron's δ,
 * and ∂L/∂w on each edge into it), then the update. Every number is a small button over the diagram;
 * hovering, focusing or tapping it shows its formula and the numbers it came from (the library's
 * explain/provenance, read off the same trace `backprop explain` prints). A weight can be edited to
 * see how the loss on this point changes; the text trace is a toggle. The view keeps the trace and
 * the stage; the app redraws the diagram with highlight() and then calls drawOverlay().
 */
import {
  explain, lossProvenance, neuronProvenance, paramProvenance, renderText, type DenseNetworkSpec as NetworkSpec, type ParamTrace, type StepTrace, type Trace,
} from '../../../src/index.js';
import { fmt } from '../../../src/explain/format.js';
import { short } from './colors.js';
import type { Highlight, NetworkGeometry } from './network.js';

export interface ExplainInput {
  spec: NetworkSpec;
  index: number;
  /** The point as the network sees it (its features). */
  input: number[];
  label: number;
  /** The label's name (a CSV's class value). */
  className: string;
  learningRate: number;
  optimizer: string;
}

export interface ExplainElements {
  summary: HTMLElement;
  formula: HTMLElement;
  output: HTMLElement;
  overlay: HTMLElement;
  stepper: HTMLElement;
  stage: HTMLElement;
  prev: HTMLButtonElement;
  next: HTMLButtonElement;
  edit: HTMLElement;
  weight: HTMLSelectElement;
  weightValue: HTMLInputElement;
  weightLoss: HTMLOutputElement;
  textToggle: HTMLInputElement;
}

/** One stage of the stepper. Layers count Dense layers from 0 (the first hidden layer). */
type Stage =
  | { kind: 'forward'; layer: number; index: number }
  | { kind: 'loss' }
  | { kind: 'backward'; layer: number; index: number }
  | { kind: 'update' };

interface Tag {
  key: string;
  text: string;
  formula: string;
  x: number;
  y: number;
  back?: boolean;
}

export class ExplainView {
  private input: ExplainInput | null = null;
  /** The spec explained: the snapshot's, or with one weight edited. */
  private spec: NetworkSpec | null = null;
  private trace: Trace | null = null;
  /** The loss on this point with the network's own weights (before any edit). */
  private baseLoss = NaN;
  private stages: Stage[] = [];
  private stage = 0;
  private activeKey = '';

  constructor(private readonly el: ExplainElements, private readonly changed: () => void) {
    el.prev.addEventListener('click', () => this.go(this.stage - 1));
    el.next.addEventListener('click', () => this.go(this.stage + 1));
    el.textToggle.addEventListener('change', () => { el.output.hidden = !el.textToggle.checked; });
    el.weight.addEventListener('change', () => this.showWeight());
    el.weightValue.addEventListener('change', () => this.editWeight());
    const show = (e: Event) => {
      const t = (e.target as HTMLElement).closest<HTMLElement>('.num');
      if (!t) return;
      this.activeKey = t.dataset.key ?? '';
      el.formula.textContent = t.dataset.formula ?? '';
      for (const b of el.overlay.querySelectorAll<HTMLElement>('.num')) b.classList.toggle('active', b === t);
    };
    el.overlay.addEventListener('mouseover', show);
    el.overlay.addEventListener('focusin', show);
    el.overlay.addEventListener('click', show);
  }

  /** Whether a step is being shown. */
  get active(): boolean {
    return this.trace !== null;
  }

  /** Explains a point with the network's current weights, from the first stage. */
  render(v: ExplainInput): void {
    this.input = v;
    this.spec = v.spec;
    this.stage = 0;
    this.activeKey = '';
    this.el.formula.textContent = '';
    this.retrace();
    this.baseLoss = this.trace!.steps[0].loss;
    this.fillWeights();
    this.el.stepper.hidden = false;
    this.el.edit.hidden = false;
    this.el.output.hidden = !this.el.textToggle.checked;
    this.changed();
  }

  /** The same point again with new weights (after training moved them), keeping the stage. */
  refresh(spec: NetworkSpec): void {
    if (!this.input) return;
    const stage = this.stage;
    this.render({ ...this.input, spec });
    this.stage = Math.min(stage, this.stages.length - 1);
    this.showStage();
  }

  clear(message: string): void {
    this.input = null;
    this.trace = null;
    this.spec = null;
    this.stages = [];
    this.el.summary.textContent = message;
    this.el.output.textContent = '';
    this.el.formula.textContent = '';
    this.el.overlay.replaceChildren();
    this.el.stepper.hidden = true;
    this.el.edit.hidden = true;
    this.changed();
  }

  private retrace(): void {
    const v = this.input!;
    // crossEntropy's targets are class indices; the other losses take the label as the target value.
    const trace = explain(this.spec!, v.input, [v.label], { learningRate: v.learningRate });
    this.trace = trace;
    const st = trace.steps[0];
    const L = st.layers.length;
    this.stages = [
      ...st.layers.flatMap((l, k) => l.neurons.map((_, j): Stage => ({ kind: 'forward', layer: k, index: j }))),
      { kind: 'loss' },
      ...[...st.layers].reverse().flatMap((l) => l.neurons.map((_, j): Stage => ({ kind: 'backward', layer: l.index, index: j }))),
      { kind: 'update' },
    ];
    void L;
    const y = st.outputs.map((o) => short(o.y, 4)).join(', ');
    const note = v.optimizer === 'sgd'
      ? ''
      : ` The update shown is the plain gradient step w − η·∂L/∂w; ${v.optimizer} uses the same gradients but scales each step its own way.`;
    this.el.summary.textContent =
      `Training point #${v.index + 1} (${v.input.map((x) => short(x, 4)).join(', ')}), label ${v.label}${v.className !== String(v.label) ? ` (${v.className})` : ''}: output ${y}, loss ${short(st.loss, 4)} → ${short(st.lossAfter, 4)} after one step with η = ${v.learningRate}.${note}`;
    this.el.output.textContent = renderText(trace);
    this.showStage();
  }

  private go(stage: number): void {
    if (!this.trace) return;
    this.stage = Math.max(0, Math.min(this.stages.length - 1, stage));
    this.activeKey = '';
    this.el.formula.textContent = '';
    this.showStage();
    this.changed();
  }

  private showStage(): void {
    const st = this.trace!.steps[0];
    const s = this.stages[this.stage];
    const name = (k: number, j: number) => st.layers[k].neurons[j].name;
    const text = s.kind === 'forward'
      ? `Forward: ${name(s.layer, s.index)}, layer ${s.layer + 1} of ${st.layers.length}: z = Σ w·input + b, a = ${st.layers[s.layer].activation}(z)`
      : s.kind === 'loss' ? `Loss: ${this.trace!.lossFormula}`
        : s.kind === 'backward' ? `Backward: δ of ${name(s.layer, s.index)} and ∂L/∂w on each edge into it`
          : `Update: w ← w − η·∂L/∂w (η = ${fmt(this.trace!.learningRate, 4)}); loss ${fmt(st.loss, 4)} → ${fmt(st.lossAfter, 4)}`;
    this.el.stage.textContent = `${this.stage + 1}/${this.stages.length} ${text}`;
    this.el.stage.dataset.kind = s.kind;
    this.el.prev.disabled = this.stage === 0;
    this.el.next.disabled = this.stage === this.stages.length - 1;
  }

  /** What the diagram lights for the current stage (null when nothing is explained). */
  highlight(): Highlight | null {
    if (!this.trace) return null;
    const st = this.trace.steps[0];
    const s = this.stages[this.stage];
    const neurons = new Set<string>(), edges = new Set<string>();
    if (s.kind === 'forward' || s.kind === 'backward') {
      neurons.add(`${s.layer + 1}:${s.index}`);
      st.layers[s.layer].neurons[s.index].terms.forEach((_, i) => { edges.add(`${s.layer}:${i}:${s.index}`); if (s.kind === 'forward') neurons.add(`${s.layer}:${i}`); });
    } else if (s.kind === 'loss') {
      st.outputs.forEach((_, j) => neurons.add(`${st.layers.length}:${j}`));
    }
    return { neurons, edges, direction: s.kind === 'backward' ? 'backward' : 'forward' };
  }

  /** The numbers of the current stage over the diagram, as buttons carrying their formulas. */
  drawOverlay(g: NetworkGeometry | null): void {
    const overlay = this.el.overlay;
    if (!this.trace || !g) { overlay.replaceChildren(); return; }
    const tr = this.trace, st = tr.steps[0];
    const s = this.stages[this.stage];
    const f = (x: number) => fmt(x, 4);
    const tags: Tag[] = [];
    const at = (c: number, r: number, dy = 0): [number, number] => {
      const [x, y] = g.centres[c]?.[r] ?? [0, 0];
      return [x + g.box / 2 + 4, y + dy];
    };
    // the inputs are always shown
    tr.input.forEach((x, i) => {
      const [px, py] = at(0, i);
      tags.push({ key: `input:${i}`, text: f(x), formula: `${tr.inputNames[i]} = ${f(x)}: this point's input ${i + 1}`, x: px, y: py });
    });
    const order = this.stages.slice(0, this.stage + 1);
    const doneForward = order.filter((o): o is Extract<Stage, { kind: 'forward' }> => o.kind === 'forward');
    const doneBackward = order.filter((o): o is Extract<Stage, { kind: 'backward' }> => o.kind === 'backward');
    const inBackward = s.kind === 'backward' || s.kind === 'update';
    for (const o of doneForward) {
      const p = neuronProvenance(tr, st, o.layer, o.index);
      const n = st.layers[o.layer].neurons[o.index];
      const current = s.kind === 'forward' && s.layer === o.layer && s.index === o.index;
      if (inBackward) continue;
      const [px, py] = at(o.layer + 1, o.index);
      if (current) {
        tags.push({ key: `z:${o.layer}:${o.index}`, text: `z ${f(n.z)}`, formula: p.z, x: px, y: py - 9 });
        tags.push({ key: `a:${o.layer}:${o.index}`, text: `a ${f(n.a)}`, formula: p.a, x: px, y: py + 9 });
      } else tags.push({ key: `a:${o.layer}:${o.index}`, text: f(n.a), formula: p.a, x: px, y: py });
    }
    if (s.kind === 'loss') {
      const [px, py] = at(st.layers.length, 0, 24);
      tags.push({ key: 'loss', text: `L ${f(st.loss)}`, formula: lossProvenance(tr, st), x: px, y: py });
    }
    for (const o of doneBackward) {
      const p = neuronProvenance(tr, st, o.layer, o.index);
      const n = st.layers[o.layer].neurons[o.index];
      const [px, py] = at(o.layer + 1, o.index);
      tags.push({ key: `delta:${o.layer}:${o.index}`, text: `δ ${f(n.delta)}`, formula: p.delta, x: px, y: py, back: true });
      const current = s.kind === 'backward' && s.layer === o.layer && s.index === o.index;
      if (current && p.slope !== null) {
        tags.push({ key: `slope:${o.layer}:${o.index}`, text: `∂a/∂z ${f(n.dadz!)}`, formula: p.slope, x: px, y: py + 17, back: true });
      }
      if (current) {
        // ∂L/∂w on each edge into this neuron, a third of the way from its source (where edges are apart)
        n.terms.forEach((t, i) => {
          const param = st.params.find((q) => q.param === t.param)!;
          const [sx, sy] = g.centres[o.layer][i];
          const [tx, ty] = g.centres[o.layer + 1][o.index];
          const x0 = sx + g.box / 2, x1 = tx - g.box / 2;
          tags.push({ key: `grad:${t.param}`, text: `∂w ${f(param.gradient)}`, formula: paramProvenance(tr, param), x: x0 + (x1 - x0) * 0.38, y: sy + (ty - sy) * 0.2, back: true });
        });
      }
    }
    if (s.kind === 'update') {
      const [px, py] = at(st.layers.length, 0, 24);
      tags.push({ key: 'loss-after', text: `L ${f(st.loss)} → ${f(st.lossAfter)}`, formula: lossProvenance(tr, st), x: px, y: py });
    }
    overlay.replaceChildren(...tags.map((t) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = `num${t.back ? ' back' : ''}${t.key === this.activeKey ? ' active' : ''}`;
      b.dataset.key = t.key;
      b.dataset.formula = t.formula;
      b.setAttribute('aria-label', t.formula);
      b.textContent = t.text;
      // tags sit just right of their neuron (left-aligned there), edge tags centred on the edge
      b.style.left = `${t.x}px`;
      b.style.top = `${t.y}px`;
      b.style.transform = t.key.startsWith('grad:') ? 'translate(-50%, -50%)' : 'translate(0, -50%)';
      return b;
    }));
    if (this.activeKey) {
      const t = tags.find((x) => x.key === this.activeKey);
      this.el.formula.textContent = t?.formula ?? '';
    }
  }

  // ---------------------------------------------------------------- what if this weight were …

  private params(): ParamTrace[] {
    return this.trace?.steps[0].params ?? [];
  }

  private fillWeights(): void {
    const keep = this.el.weight.value;
    this.el.weight.replaceChildren(...this.params().map((p) => new Option(p.label, p.param)));
    if (this.params().some((p) => p.param === keep)) this.el.weight.value = keep;
    this.showWeight();
  }

  private showWeight(): void {
    const p = this.params().find((q) => q.param === this.el.weight.value);
    if (!p) return;
    this.el.weightValue.value = String(Number(p.before.toPrecision(6)));
    this.el.weightLoss.value = `loss on this point ${fmt(this.trace!.steps[0].loss, 4)}`;
  }

  /** Re-explains the point with the chosen weight set to the typed value, and says how the loss moved. */
  private editWeight(): void {
    const value = Number(this.el.weightValue.value);
    const name = this.el.weight.value;
    if (!this.spec || !Number.isFinite(value) || this.el.weightValue.value.trim() === '') {
      this.el.weightValue.setAttribute('aria-invalid', 'true');
      return;
    }
    this.el.weightValue.removeAttribute('aria-invalid');
    const m = /^layers\.(\d+)\.(weight|bias)\[(\d+)\](?:\[(\d+)\])?$/.exec(name)!;
    const spec = JSON.parse(JSON.stringify(this.spec)) as NetworkSpec;
    const layer = spec.layers[Number(m[1])];
    if (m[2] === 'weight') layer.weights![Number(m[3])][Number(m[4])] = value;
    else layer.bias![Number(m[3])] = value;
    this.spec = spec;
    const stage = this.stage;
    this.retrace();
    this.stage = Math.min(stage, this.stages.length - 1);
    this.showStage();
    const st: StepTrace = this.trace!.steps[0];
    const label = this.params().find((q) => q.param === name)?.label ?? name;
    const d = st.loss - this.baseLoss;
    this.el.weightLoss.value = `with ${label} = ${fmt(value, 4)}: loss on this point ${fmt(this.baseLoss, 4)} → ${fmt(st.loss, 4)} (${d >= 0 ? '+' : '−'}${fmt(Math.abs(d), 3)})`;
    this.el.weightLoss.dataset.loss = String(st.loss);
    this.changed();
  }
}
