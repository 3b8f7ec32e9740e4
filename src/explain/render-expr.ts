/**
 * Text and Markdown for expression traces (seed 002's g = x·y + z): the forward values node by node,
 * then the backward pass edge by edge (upstream gradient × local gradient), the inputs' gradients,
 * and one step of gradient descent. Only formatting happens here.
 */
import { fmt, fmtFactor, markdownTable, textTable, wrapText } from './format.js';
import type { ExprTrace } from './expr.js';

interface Block { title: string; header: string[]; rows: string[][]; lines: string[] }

function blocks(t: ExprTrace): Block[] {
  const f = (x: number): string => fmt(x, t.digits);
  const ff = (x: number): string => fmtFactor(x, t.digits);
  const out = t.output;
  const at = t.nodes.filter((n) => n.kind === 'input').map((n) => `${n.name} = ${f(n.value)}`).join(', ');
  const result: Block[] = [];
  result.push({
    title: `Forward pass: ${out} = ${t.expression.replace(/^\s*[A-Za-z_]\w*\s*=\s*/, '')}${at ? ` at ${at}` : ''}`,
    header: ['node', 'computes', 'value'],
    rows: t.nodes.map((n) => [n.name, n.kind === 'op' ? `${n.formula} = ${withValues(t, n)}` : n.kind, f(n.value)]),
    lines: [],
  });
  // Backward: parents before children, one row per edge, plus the sum where a node feeds several.
  const rows: string[][] = [[out, '', `∂${out}/∂${out} = 1`, '', '1']];
  const order = [...t.nodes].reverse().filter((n) => n.kind !== 'constant' && n.id !== t.nodes.length - 1);
  for (const n of order) {
    const edges = t.edges.filter((e) => e.child === n.id);
    edges.forEach((e) => {
      const p = t.nodes[e.parent];
      const local = `∂${p.name}/∂${n.name} = ${e.localFormula}${e.localFormula === fmt(e.local, t.digits) ? '' : ` = ${f(e.local)}`}`;
      rows.push([n.name, p.name, local, `${ff(e.upstream)} · ${ff(e.local)}`, f(e.product)]);
    });
    if (edges.length > 1) rows.push([n.name, 'sum', `gradients add up where ${n.name} feeds ${edges.length} nodes`, edges.map((e) => ff(e.product)).join(' + '), f(n.grad ?? 0)]);
  }
  result.push({
    title: `Backward pass: ∂${out}/∂node = ∂${out}/∂parent · ∂parent/∂node (the chain rule), from ${out} back to the inputs`,
    header: ['node', 'feeds', 'local gradient', `∂${out}/∂parent · local`, `= ∂${out}/∂node`],
    rows,
    lines: [],
  });
  const inputs = t.nodes.filter((n) => n.kind === 'input');
  result.push({
    title: `Gradients of the inputs`,
    header: ['input', 'value', `∂${out}/∂input`],
    rows: inputs.map((n) => [n.name, f(n.value), f(n.grad ?? 0)]),
    lines: [],
  });
  if (t.step) {
    const s = t.step;
    result.push({
      title: `One step down the gradient: v ← v − η·∂${out}/∂v with η = ${f(s.learningRate)}`,
      header: ['input', 'before', `∂${out}/∂v`, 'after'],
      rows: s.inputs.map((i) => [i.name, f(i.before), f(i.gradient), f(i.after)]),
      lines: [`${out}: ${f(s.before)} → ${f(s.after)} (changed by ${f(s.after - s.before)})`],
    });
  }
  return result;
}

/** What an op node computes, with its inputs' values in place of their names: 3·(-4). */
function withValues(t: ExprTrace, n: ExprTrace['nodes'][number]): string {
  const vals = n.children.map((c) => fmtFactor(t.nodes[c].value, t.digits));
  if (n.op === 'neg') return `−${vals[0]}`;
  if (n.op === '^') return `${vals[0]}^${vals[1]}`;
  if (n.op !== undefined && /^[a-z]/i.test(n.op)) return `${n.op}(${vals.join(', ')})`;
  return `${vals[0]} ${n.op} ${vals[1]}`;
}

/**
 * An expression trace as aligned text.
 * @example console.log(renderExpressionText(traceExpression('x*y + z', { x: 3, y: -4, z: 2 }, { learningRate: 0.1 })))
 */
export function renderExpressionText(t: ExprTrace, options: { width?: number } = {}): string {
  // with a width, prose lines wrap at spaces (the tables are narrow: one row per node)
  const prose = (s: string, hang = '  '): string[] => (options.width === undefined ? [s] : wrapText(s, options.width, hang));
  const lines: string[] = [...prose(`Backpropagation through ${t.expression} (numbers rounded to ${t.digits} significant digits)`)];
  for (const b of blocks(t)) {
    lines.push('', ...prose(b.title), textTable(b.header, b.rows, '  '), ...b.lines.flatMap((l) => prose(`  ${l}`)));
  }
  return `${lines.join('\n')}\n`;
}

/** An expression trace as Markdown. */
export function renderExpressionMarkdown(t: ExprTrace): string {
  const lines: string[] = [`# Backpropagation through \`${t.expression}\``, '', `Numbers are rounded to ${t.digits} significant digits.`];
  for (const b of blocks(t)) {
    lines.push('', `## ${b.title}`, '', markdownTable(b.header, b.rows), ...b.lines.map((l) => `\n${l}`));
  }
  return `${lines.join('\n')}\n`;
}
