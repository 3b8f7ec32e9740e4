/**
 * An expression's graph drawn the way micrograd draws it: every value is a box "name | value | grad",
 * every operation a small circle between its inputs and its result. As Graphviz DOT (for `dot -Tpng`)
 * and as a self-contained SVG laid out here (columns by depth, inputs on the left), so no Graphviz
 * is needed. Pure string building: browser-safe.
 */
import { fmt } from './format.js';
import type { ExprTrace } from './expr.js';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function dotEsc(s: string): string {
  return s.replace(/([{}|<>"\\])/g, '\\$1');
}

/**
 * Graphviz DOT of an expression trace: value boxes with value and gradient, operation circles.
 * @example writeFileSync('g.dot', renderDot(traceExpression('x*y + z', { x: 3, y: -4, z: 2 })))
 */
export function renderDot(t: ExprTrace): string {
  const f = (x: number | null): string => (x === null ? '—' : fmt(x, t.digits));
  const lines = [
    `// ${t.expression.replace(/\n/g, ' ')}: each box is name | value | ∂${t.output}/∂name`,
    'digraph expression {',
    '  rankdir=LR;',
    '  node [fontname="Helvetica", fontsize=11];',
    '  edge [color="#555555"];',
  ];
  for (const n of t.nodes) {
    const label = `{ ${dotEsc(n.name)} | value ${dotEsc(f(n.value))} | grad ${dotEsc(f(n.grad))} }`;
    const style = n.kind === 'input' ? ', style=filled, fillcolor="#e8f0fe"' : n.id === t.nodes.length - 1 ? ', style=filled, fillcolor="#fde8e8"' : '';
    lines.push(`  v${n.id} [shape=record, label="${label}"${style}];`);
    if (n.kind === 'op') {
      lines.push(`  op${n.id} [shape=circle, label="${dotEsc(n.op ?? '')}", width=0.4, fixedsize=${(n.op ?? '').length > 2 ? 'false' : 'true'}];`);
      for (const c of n.children) lines.push(`  v${c} -> op${n.id};`);
      lines.push(`  op${n.id} -> v${n.id};`);
    }
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

interface Placed { x: number; y: number }

const BOX_W = 230, BOX_H = 30, COL_W = 330, ROW_H = 62, OP_R = 15, MARGIN = 24;

/**
 * A standalone SVG of an expression trace (micrograd's picture, laid out without Graphviz).
 * @example writeFileSync('g.svg', renderGraphSvg(traceExpression('x*y + z', { x: 3, y: -4, z: 2 })))
 */
export function renderGraphSvg(t: ExprTrace): string {
  const f = (x: number | null): string => (x === null ? '—' : fmt(x, t.digits));
  // Columns: inputs on the left, every other node as late as possible (just before its first use),
  // so long edges are rare; rows: each column ordered by where its inputs sit.
  const parents = t.nodes.map(() => [] as number[]);
  for (const n of t.nodes) for (const c of n.children) parents[c].push(n.id);
  const depth = new Array<number>(t.nodes.length).fill(0);
  for (const n of t.nodes) depth[n.id] = n.children.length ? 1 + Math.max(...n.children.map((c) => depth[c])) : 0;
  const col = [...depth];
  for (let k = t.nodes.length - 1; k >= 0; k--) {
    const n = t.nodes[k];
    if (n.kind !== 'input' && parents[k].length) col[k] = Math.min(...parents[k].map((q) => col[q])) - 1;
  }
  const maxDepth = Math.max(...col);
  const cols = new Map<number, number[]>();
  for (const n of t.nodes) cols.set(col[n.id], [...(cols.get(col[n.id]) ?? []), n.id]);
  const rowOf = new Map<number, number>();
  for (let d = 0; d <= maxDepth; d++) {
    const ids = cols.get(d) ?? [];
    const key = (id: number): number => {
      const ch = t.nodes[id].children.filter((c) => rowOf.has(c));
      return ch.length ? ch.reduce((s, c) => s + rowOf.get(c)!, 0) / ch.length : rowOf.size;
    };
    if (d > 0) ids.sort((a, b) => key(a) - key(b));
    const n = ids.length;
    ids.forEach((id, k) => rowOf.set(id, k - (n - 1) / 2));
  }
  const maxRows = Math.max(...[...cols.values()].map((c) => c.length));
  const height = MARGIN * 2 + maxRows * ROW_H + 20;
  const width = MARGIN * 2 + maxDepth * COL_W + BOX_W;
  const pos = new Map<number, Placed>();
  for (const n of t.nodes) pos.set(n.id, { x: MARGIN + col[n.id] * COL_W, y: height / 2 + 10 + rowOf.get(n.id)! * ROW_H - BOX_H / 2 });
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<title>${esc(t.expression)}</title>`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/></marker></defs>',
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${MARGIN}" y="18" fill="#333">${esc(`${t.output} = ${t.expression.replace(/^\s*[A-Za-z_]\w*\s*=\s*/, '')}`)}; each box: name | value | ∂${esc(t.output)}/∂name</text>`,
  ];
  // edges first, so boxes sit on top
  for (const n of t.nodes) {
    if (n.kind !== 'op') continue;
    const p = pos.get(n.id)!;
    const op = n.op === '·' ? '×' : n.op ?? '';
    const r = Math.max(OP_R, op.length * 3.6 + 6);
    const ox = p.x - 25 - r, oy = p.y + BOX_H / 2;
    for (const c of n.children) {
      const q = pos.get(c)!;
      const sx = q.x + BOX_W, sy = q.y + BOX_H / 2;
      const mx = Math.max(sx + 30, ox - r - 60);
      parts.push(`<path d="M ${sx} ${sy} C ${mx} ${sy}, ${mx} ${oy}, ${ox - r} ${oy}" fill="none" stroke="#555" stroke-width="1.2" marker-end="url(#arrow)"/>`);
    }
    parts.push(`<line x1="${ox + r}" y1="${oy}" x2="${p.x}" y2="${oy}" stroke="#555" stroke-width="1.2" marker-end="url(#arrow)"/>`);
    parts.push(`<circle cx="${ox}" cy="${oy}" r="${r}" fill="#fff7e0" stroke="#b58900"/>`);
    parts.push(`<text x="${ox}" y="${oy + 4}" text-anchor="middle" font-size="${op.length > 2 ? 11 : 15}">${esc(op)}</text>`);
  }
  for (const n of t.nodes) {
    const p = pos.get(n.id)!;
    const fill = n.kind === 'input' ? '#e8f0fe' : n.id === t.nodes.length - 1 ? '#fde8e8' : n.kind === 'constant' ? '#f3f3f3' : '#ffffff';
    const w1 = 40, w2 = 95;
    parts.push(`<g class="node" data-name="${esc(n.name)}" data-value="${n.value}" data-grad="${n.grad ?? ''}">`);
    parts.push(`<rect x="${p.x}" y="${p.y}" width="${BOX_W}" height="${BOX_H}" rx="3" fill="${fill}" stroke="#333"/>`);
    parts.push(`<line x1="${p.x + w1}" y1="${p.y}" x2="${p.x + w1}" y2="${p.y + BOX_H}" stroke="#333"/>`);
    parts.push(`<line x1="${p.x + w1 + w2}" y1="${p.y}" x2="${p.x + w1 + w2}" y2="${p.y + BOX_H}" stroke="#333"/>`);
    parts.push(`<text x="${p.x + w1 / 2}" y="${p.y + 19}" text-anchor="middle" font-weight="bold">${esc(n.name)}</text>`);
    parts.push(`<text x="${p.x + w1 + 6}" y="${p.y + 19}">${esc(`value ${f(n.value)}`)}</text>`);
    parts.push(`<text x="${p.x + w1 + w2 + 6}" y="${p.y + 19}" fill="#a01010">${esc(`grad ${f(n.grad)}`)}</text>`);
    parts.push('</g>');
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
