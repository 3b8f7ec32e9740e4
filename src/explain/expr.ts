/**
 * Expressions like seed 002's g = x·y + z: a small parser (+ − * / ^, unary minus, parentheses,
 * numbers, variables and the engine's functions), an engine graph built from it, and a trace of
 * every node's forward value, every local gradient, the chain-rule products flowing back and one
 * step of gradient descent on the inputs. The values and gradients come from the engine's own ops
 * and backward(); the trace only records and multiplies them out for display.
 * Syntax errors are ExpressionErrors naming the column (1-based) with a caret under it.
 */
import { Tensor, tensor } from '../tensor/tensor.js';
import { ValueError } from '../tensor/errors.js';
import { backward, noGrad } from '../autograd/graph.js';
import { abs, add, div, exp, leakyRelu, log, mul, neg, pow, relu, sigmoid, sqrt, step, sub, tanh } from '../ops/index.js';
import { checkDigits } from './format.js';

/** A syntax error in an expression; `column` is 1-based. */
export class ExpressionError extends ValueError {
  readonly column: number;
  constructor(source: string, column: number, what: string) {
    super(`expression: column ${column}: ${what}\n  ${source}\n  ${' '.repeat(Math.max(0, column - 1))}^`);
    this.column = column;
  }
}

export type ExprAst =
  | { kind: 'num'; value: number; col: number }
  | { kind: 'var'; name: string; col: number }
  | { kind: 'bin'; op: '+' | '-' | '*' | '/' | '^'; left: ExprAst; right: ExprAst; col: number }
  | { kind: 'neg'; arg: ExprAst; col: number }
  | { kind: 'call'; fn: string; args: ExprAst[]; col: number };

/** The functions an expression may call, with their argument counts. */
export const EXPR_FUNCTIONS: Record<string, { min: number; max: number }> = {
  exp: { min: 1, max: 1 }, log: { min: 1, max: 1 }, ln: { min: 1, max: 1 }, sqrt: { min: 1, max: 1 }, abs: { min: 1, max: 1 },
  sigmoid: { min: 1, max: 1 }, tanh: { min: 1, max: 1 }, relu: { min: 1, max: 1 }, step: { min: 1, max: 1 }, leakyRelu: { min: 1, max: 2 },
};

interface Token { type: 'num' | 'id' | 'op' | 'end'; text: string; col: number; value?: number }

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) { i++; continue; }
    const rest = src.slice(i);
    const num = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(rest);
    if (num) {
      out.push({ type: 'num', text: num[0], col: i + 1, value: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    if (id) {
      out.push({ type: 'id', text: id[0], col: i + 1 });
      i += id[0].length;
      continue;
    }
    if (rest.startsWith('**')) { out.push({ type: 'op', text: '^', col: i + 1 }); i += 2; continue; }
    if ('+-*/^(),='.includes(c)) { out.push({ type: 'op', text: c, col: i + 1 }); i++; continue; }
    if (c === '·' || c === '×') { out.push({ type: 'op', text: '*', col: i + 1 }); i++; continue; }
    if (c === '−') { out.push({ type: 'op', text: '-', col: i + 1 }); i++; continue; }
    throw new ExpressionError(src, i + 1, `unexpected character '${c}'`);
  }
  out.push({ type: 'end', text: 'the end', col: src.length + 1 });
  return out;
}

/**
 * Parses an expression, optionally named (`g = x*y + z`). Precedence: ^ (right-associative) over
 * unary minus over * / over + −, so -x^2 is −(x²) and 2^-1 is ½.
 * @example parseExpression('x*y + z').ast.kind // 'bin'
 * @example parseExpression('x*(y + ') // throws ExpressionError: … at column 8
 */
export function parseExpression(source: string): { name: string | null; ast: ExprAst } {
  if (typeof source !== 'string' || source.trim() === '') throw new ValueError('expression: the expression is empty; write one like "x*y + z"');
  const toks = tokenize(source);
  let p = 0;
  let name: string | null = null;
  if (toks.length > 2 && toks[0].type === 'id' && toks[1].text === '=' && !(toks[0].text in EXPR_FUNCTIONS)) {
    name = toks[0].text;
    p = 2;
  }
  const peek = (): Token => toks[p];
  const fail = (t: Token, expected: string): never => {
    throw new ExpressionError(source, t.col, `${t.type === 'end' ? 'the expression ends too early' : `unexpected '${t.text}'`}; expected ${expected}`);
  };
  const expect = (text: string, what: string): Token => {
    const t = peek();
    if (t.text !== text || t.type !== 'op') fail(t, what);
    p++;
    return t;
  };
  const operand = 'a number, a variable, a function call or \'(\'';
  const primary = (): ExprAst => {
    const t = peek();
    if (t.type === 'num') { p++; return { kind: 'num', value: t.value!, col: t.col }; }
    if (t.type === 'id') {
      p++;
      if (peek().text === '(' && peek().type === 'op') {
        const spec = EXPR_FUNCTIONS[t.text];
        if (!spec) throw new ExpressionError(source, t.col, `unknown function '${t.text}' (known: ${Object.keys(EXPR_FUNCTIONS).join(', ')})`);
        p++;
        const args: ExprAst[] = [];
        if (!(peek().text === ')' && peek().type === 'op')) {
          args.push(sum());
          while (peek().text === ',' && peek().type === 'op') { p++; args.push(sum()); }
        }
        const close = peek();
        expect(')', `')' to close ${t.text}(`);
        if (args.length < spec.min || args.length > spec.max) {
          throw new ExpressionError(source, close.col, `${t.text} takes ${spec.min === spec.max ? spec.min : `${spec.min} or ${spec.max}`} argument${spec.max > 1 ? 's' : ''}, got ${args.length}`);
        }
        if (t.text === 'leakyRelu' && args.length === 2 && args[1].kind !== 'num' && !(args[1].kind === 'neg' && args[1].arg.kind === 'num')) {
          throw new ExpressionError(source, args[1].col, 'leakyRelu\'s slope must be a number');
        }
        return { kind: 'call', fn: t.text === 'ln' ? 'log' : t.text, args, col: t.col };
      }
      if (t.text in EXPR_FUNCTIONS) throw new ExpressionError(source, peek().col, `expected '(' after the function ${t.text}`);
      return { kind: 'var', name: t.text, col: t.col };
    }
    if (t.text === '(' && t.type === 'op') {
      p++;
      const inner = sum();
      expect(')', '\')\' to close the \'(\' at column ' + t.col);
      return inner;
    }
    return fail(t, operand);
  };
  const power = (): ExprAst => {
    const base = primary();
    const t = peek();
    if (t.text === '^' && t.type === 'op') {
      p++;
      return { kind: 'bin', op: '^', left: base, right: unary(), col: t.col };
    }
    return base;
  };
  const unary = (): ExprAst => {
    const t = peek();
    if (t.type === 'op' && (t.text === '-' || t.text === '+')) {
      p++;
      const arg = unary();
      return t.text === '-' ? { kind: 'neg', arg, col: t.col } : arg;
    }
    return power();
  };
  const product = (): ExprAst => {
    let left = unary();
    for (let t = peek(); t.type === 'op' && (t.text === '*' || t.text === '/'); t = peek()) {
      p++;
      left = { kind: 'bin', op: t.text as '*' | '/', left, right: unary(), col: t.col };
    }
    return left;
  };
  const sum = (): ExprAst => {
    let left = product();
    for (let t = peek(); t.type === 'op' && (t.text === '+' || t.text === '-'); t = peek()) {
      p++;
      left = { kind: 'bin', op: t.text as '+' | '-', left, right: product(), col: t.col };
    }
    return left;
  };
  const ast = sum();
  const t = peek();
  if (t.type !== 'end') fail(t, t.text === ')' ? 'an operator (this \')\' has no \'(\')' : 'an operator (+ − * / ^) or the end');
  return { name, ast };
}

/** The variables an expression uses, in order of first appearance. */
export function expressionVariables(ast: ExprAst): string[] {
  const out: string[] = [];
  const walk = (n: ExprAst): void => {
    if (n.kind === 'var') { if (!out.includes(n.name)) out.push(n.name); }
    else if (n.kind === 'bin') { walk(n.left); walk(n.right); }
    else if (n.kind === 'neg') walk(n.arg);
    else if (n.kind === 'call') n.args.forEach(walk);
  };
  walk(ast);
  return out;
}

/** One node of the expression graph. */
export interface ExprNodeTrace {
  id: number;
  /** x, y for inputs; f, f1, f2 … for intermediate results; g (or the given name) for the output. */
  name: string;
  kind: 'input' | 'constant' | 'op';
  /** The operation ('+', '−', '·', '/', '^', 'neg', 'sigmoid', …); absent for inputs and constants. */
  op?: string;
  /** What the node computes in terms of its children's names, e.g. 'x·y'. */
  formula: string;
  children: number[];
  value: number;
  /** ∂output/∂node from the engine's backward(); null for constants. */
  grad: number | null;
}

/** One edge child → parent, carrying a gradient back. */
export interface ExprEdgeTrace {
  child: number;
  parent: number;
  /** ∂parent/∂child, computed by the engine at the current values. */
  local: number;
  /** The derivative rule in the children's names, e.g. 'y' for ∂(x·y)/∂x. */
  localFormula: string;
  /** ∂output/∂parent. */
  upstream: number;
  /** upstream · local: what this edge adds to ∂output/∂child. */
  product: number;
}

export interface ExprStep {
  learningRate: number;
  inputs: { name: string; before: number; gradient: number; after: number }[];
  before: number;
  after: number;
}

export interface ExprTrace {
  kind: 'backprop-expression';
  version: 1;
  expression: string;
  output: string;
  at: Record<string, number>;
  /** Children before parents; the output is last. */
  nodes: ExprNodeTrace[];
  edges: ExprEdgeTrace[];
  value: number;
  step: ExprStep | null;
  digits: number;
}

const OP_SYMBOL: Record<string, string> = { '+': '+', '-': '−', '*': '·', '/': '/', '^': '^' };

function applyOp(node: ExprAst, args: Tensor[]): Tensor {
  switch (node.kind) {
    case 'bin':
      switch (node.op) {
        case '+': return add(args[0], args[1]);
        case '-': return sub(args[0], args[1]);
        case '*': return mul(args[0], args[1]);
        case '/': return div(args[0], args[1]);
        case '^': return pow(args[0], args[1]);
      }
      break;
    case 'neg': return neg(args[0]);
    case 'call':
      switch (node.fn) {
        case 'exp': return exp(args[0]);
        case 'log': return log(args[0]);
        case 'sqrt': return sqrt(args[0]);
        case 'abs': return abs(args[0]);
        case 'sigmoid': return sigmoid(args[0]);
        case 'tanh': return tanh(args[0]);
        case 'relu': return relu(args[0]);
        case 'step': return step(args[0]);
        case 'leakyRelu': return leakyRelu(args[0], args.length > 1 ? args[1].item() : undefined);
      }
  }
  throw new ValueError(`expression: cannot evaluate a ${node.kind} node`);
}

/** The derivative rule of ∂node/∂(argument k), written with the arguments' names a and b. */
function localRule(node: ExprAst, k: number, a: string, b: string): string {
  if (node.kind === 'bin') {
    switch (node.op) {
      case '+': return '1';
      case '-': return k === 0 ? '1' : '-1';
      case '*': return k === 0 ? b : a;
      case '/': return k === 0 ? `1/${b}` : `−${a}/${b}²`;
      case '^': return k === 0 ? `${b}·${a}^(${b} − 1)` : `${a}^${b}·ln ${a}`;
    }
  }
  if (node.kind === 'neg') return '-1';
  if (node.kind === 'call') {
    switch (node.fn) {
      case 'exp': return `exp(${a})`;
      case 'log': return `1/${a}`;
      case 'sqrt': return `1/(2·sqrt(${a}))`;
      case 'abs': return `sign(${a})`;
      case 'sigmoid': return `σ(${a})·(1 − σ(${a}))`;
      case 'tanh': return `1 − tanh(${a})²`;
      case 'relu': return `${a} > 0 ? 1 : 0`;
      case 'step': return '0';
      case 'leakyRelu': return k === 0 ? `${a} > 0 ? 1 : ${b || 'α'}` : '0';
    }
  }
  return '?';
}

function nodeFormula(node: ExprAst, names: string[]): string {
  if (node.kind === 'bin') {
    const [a, b] = names;
    return node.op === '^' ? `${a}^${b}` : `${a} ${OP_SYMBOL[node.op]} ${b}`;
  }
  if (node.kind === 'neg') return `−${names[0]}`;
  if (node.kind === 'call') return `${node.fn}(${names.join(', ')})`;
  return '';
}

export interface ExprOptions {
  /** Take one step v ← v − η·∂out/∂v on every input and report the new output. */
  learningRate?: number;
  /** Significant digits for the renderings (default 4). */
  digits?: number;
}

/**
 * Parses `expression`, evaluates it with the engine at `at`, runs backward() and records every node.
 * @example
 * const t = traceExpression('x*y + z', { x: 3, y: -4, z: 2 }, { learningRate: 0.1 });
 * t.value // -10;  t.step.after // -12.72
 */
export function traceExpression(expression: string, at: Record<string, number>, options: ExprOptions = {}): ExprTrace {
  const unknown = Object.keys(options).filter((k) => !['learningRate', 'digits'].includes(k));
  if (unknown.length) throw new ValueError(`traceExpression: unknown option '${unknown[0]}' (known: learningRate, digits)`);
  const digits = checkDigits('traceExpression', options.digits ?? 4);
  const eta = options.learningRate;
  if (eta !== undefined && !(Number.isFinite(eta) && eta >= 0)) throw new ValueError(`traceExpression: learningRate must be a finite number ≥ 0, got ${eta}`);
  const { name, ast } = parseExpression(expression);
  const vars = expressionVariables(ast);
  const missing = vars.filter((v) => !(v in at));
  if (missing.length) throw new ValueError(`expression: no value for ${missing.map((m) => `'${m}'`).join(', ')}; give one with --at ${vars.map((v) => `${v}=…`).join(',')}`);
  const extra = Object.keys(at).filter((k) => !vars.includes(k));
  if (extra.length) throw new ValueError(`expression: '${extra[0]}' is not used by the expression (its variables: ${vars.join(', ') || 'none'})`);
  for (const v of vars) if (!Number.isFinite(at[v])) throw new ValueError(`expression: ${v} must be a finite number, got ${at[v]}`);

  // Intermediate results are f (or f1, f2, …) and the output g, as in seed 002, unless taken.
  const taken = new Set(vars);
  const outName = name ?? (taken.has('g') ? 'out' : 'g');
  taken.add(outName);
  const opCount = Math.max(0, countOps(ast) - 1);
  const namesFor = (p: string): string[] => (opCount === 1 ? [p] : Array.from({ length: opCount }, (_, k) => `${p}${k + 1}`));
  const prefix = ['f', 'h', 'n'].find((p) => namesFor(p).every((n) => !taken.has(n))) ?? 'node_';
  let nextOp = 1;

  const nodes: ExprNodeTrace[] = [];
  const tensors: Tensor[] = [];
  const asts: (ExprAst | null)[] = [];
  const varIds = new Map<string, number>();
  const leaf = (kind: 'input' | 'constant', label: string, value: number): number => {
    const t = tensor(value, { dtype: 'float64', requiresGrad: kind === 'input' });
    nodes.push({ id: nodes.length, name: label, kind, formula: kind === 'input' ? 'input' : 'constant', children: [], value, grad: null });
    tensors.push(t);
    asts.push(null);
    return nodes.length - 1;
  };
  const build = (n: ExprAst, isRoot: boolean): number => {
    if (n.kind === 'num') return leaf('constant', String(n.value), n.value);
    if (n.kind === 'var') {
      if (!varIds.has(n.name)) varIds.set(n.name, leaf('input', n.name, at[n.name]));
      return varIds.get(n.name)!;
    }
    const argsAst = n.kind === 'bin' ? [n.left, n.right] : n.kind === 'neg' ? [n.arg] : n.args;
    const children = argsAst.map((c) => build(c, false));
    const t = applyOp(n, children.map((c) => tensors[c]));
    t.retainGrad();
    const label = isRoot ? outName : opCount === 1 ? prefix : `${prefix}${nextOp++}`;
    nodes.push({
      id: nodes.length, name: label, kind: 'op', op: opLabel(n), formula: nodeFormula(n, children.map((c) => nodes[c].name)),
      children, value: t.item(), grad: null,
    });
    tensors.push(t);
    asts.push(n);
    return nodes.length - 1;
  };
  const root = build(ast, true);
  const out = tensors[root];
  if (out.requiresGrad) backward(out);
  nodes.forEach((n, k) => {
    if (n.kind === 'constant') return;
    n.grad = k === root ? 1 : tensors[k].grad ? tensors[k].grad!.item() : 0;
  });

  // Local gradients by the engine: the node's op applied to fresh leaves holding its inputs' values.
  const edges: ExprEdgeTrace[] = [];
  nodes.forEach((n, k) => {
    const node = asts[k];
    if (!node) return;
    const leaves = n.children.map((c) => tensor(nodes[c].value, { dtype: 'float64', requiresGrad: true }));
    const y = applyOp(node, leaves);
    if (y.requiresGrad) backward(y);
    const [a, b] = n.children.map((c) => nodes[c].name);
    n.children.forEach((c, j) => {
      const local = leaves[j].grad ? leaves[j].grad!.item() : 0;
      const upstream = n.grad ?? 0;
      edges.push({ child: c, parent: k, local, localFormula: localRule(node, j, a, b ?? ''), upstream, product: upstream * local });
    });
  });

  let stepTrace: ExprStep | null = null;
  if (eta !== undefined) {
    const inputs = vars.map((v) => {
      const id = varIds.get(v)!;
      const g = nodes[id].grad ?? 0;
      return { name: v, before: at[v], gradient: g, after: at[v] - eta * g };
    });
    const moved = Object.fromEntries(inputs.map((i) => [i.name, i.after]));
    stepTrace = { learningRate: eta, inputs, before: out.item(), after: evaluateExpression(ast, moved) };
  }
  return {
    kind: 'backprop-expression', version: 1, expression: expression.trim(), output: nodes[root].kind === 'op' ? outName : nodes[root].name, at: Object.fromEntries(vars.map((v) => [v, at[v]])),
    nodes, edges, value: out.item(), step: stepTrace, digits,
  };
}

function countOps(n: ExprAst): number {
  if (n.kind === 'bin') return 1 + countOps(n.left) + countOps(n.right);
  if (n.kind === 'neg') return 1 + countOps(n.arg);
  if (n.kind === 'call') return 1 + n.args.reduce((s, a) => s + countOps(a), 0);
  return 0;
}

function opLabel(n: ExprAst): string {
  if (n.kind === 'bin') return OP_SYMBOL[n.op];
  if (n.kind === 'neg') return 'neg';
  if (n.kind === 'call') return n.fn;
  return '';
}

/**
 * The value of a parsed expression at `at`, through the engine without recording a graph.
 * @example evaluateExpression(parseExpression('x*y + z').ast, { x: 3.4, y: -4.3, z: 1.9 }) // -12.72
 */
export function evaluateExpression(ast: ExprAst, at: Record<string, number>): number {
  return noGrad(() => {
    const ev = (n: ExprAst): Tensor => {
      if (n.kind === 'num') return tensor(n.value, { dtype: 'float64' });
      if (n.kind === 'var') {
        if (!(n.name in at)) throw new ValueError(`expression: no value for '${n.name}'`);
        return tensor(at[n.name], { dtype: 'float64' });
      }
      const args = n.kind === 'bin' ? [n.left, n.right] : n.kind === 'neg' ? [n.arg] : n.args;
      return applyOp(n, args.map(ev));
    };
    return ev(ast).item();
  });
}

/** Parses "x=3,y=-4,z=2" into { x: 3, y: -4, z: 2 }. @example parseAssignments('x=3, y=-4') */
export function parseAssignments(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, part] of text.split(',').entries()) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(\S+)\s*$/.exec(part);
    const v = m ? Number(m[2]) : NaN;
    if (!m || !Number.isFinite(v)) throw new ValueError(`--at: item ${k + 1} ('${part.trim()}') must look like name=number, e.g. x=3`);
    if (m[1] in out) throw new ValueError(`--at: '${m[1]}' is given twice`);
    out[m[1]] = v;
  }
  return out;
}
