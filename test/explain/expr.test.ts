import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../../src/index.js';
import { ExpressionError, evaluateExpression, parseAssignments, parseExpression, traceExpression } from '../../src/explain/expr.js';
import { renderExpressionMarkdown, renderExpressionText } from '../../src/explain/render-expr.js';
import { renderDot, renderGraphSvg } from '../../src/explain/graph.js';
import { gradcheck } from '../../src/autograd/gradcheck.js';
import { tensor } from '../../src/tensor/tensor.js';

test('seed 002: g = x·y + z at (3, −4, 2): forward, local gradients, chain rule, one step', () => {
  const t = traceExpression('x*y + z', { x: 3, y: -4, z: 2 }, { learningRate: 0.1 });
  const byName = Object.fromEntries(t.nodes.map((n) => [n.name, n]));
  assert.equal(byName.f.value, -12);
  assert.equal(byName.f.formula, 'x · y');
  assert.equal(byName.g.value, -10);
  assert.equal(t.value, -10);
  assert.deepEqual([byName.x.grad, byName.y.grad, byName.z.grad, byName.f.grad, byName.g.grad], [-4, 3, 1, 1, 1]);
  const edge = (c: string, p: string) => t.edges.find((e) => t.nodes[e.child].name === c && t.nodes[e.parent].name === p)!;
  assert.equal(edge('x', 'f').local, -4); // ∂(x·y)/∂x = y
  assert.equal(edge('x', 'f').localFormula, 'y');
  assert.equal(edge('y', 'f').local, 3);
  assert.equal(edge('z', 'g').local, 1);
  assert.equal(edge('f', 'g').product, 1);
  // one step with learning rate 0.1: x 3 → 3.4, y −4 → −4.3, z 2 → 1.9, g −10 → −12.72 (down by 2.72)
  assert.deepEqual(t.step!.inputs.map((i) => Number(i.after.toFixed(10))), [3.4, -4.3, 1.9]);
  assert.equal(Number(t.step!.after.toFixed(10)), -12.72);
});

test('seed 002: the rendered text, Markdown and JSON carry the numbers', () => {
  const t = traceExpression('x*y + z', { x: 3, y: -4, z: 2 }, { learningRate: 0.1 });
  const text = renderExpressionText(t);
  for (const s of ['x · y = 3 · (-4)', '-12', '∂f/∂x = y = -4', '∂f/∂y = x = 3', '∂g/∂z = 1', 'g: -10 → -12.72', '3.4', '-4.3', '1.9']) {
    assert.ok(text.includes(s), `text lacks ${s}:\n${text}`);
  }
  const md = renderExpressionMarkdown(t);
  assert.ok(md.includes('| x | 3 | -4 |'));
  assert.ok(md.includes('g: -10 → -12.72'));
  const json = JSON.parse(JSON.stringify(t));
  assert.equal(json.value, -10);
  assert.equal(Number(json.step.after.toFixed(10)), -12.72);
});

test('a variable used twice sums its gradients (fan-out), and the sum matches the engine', () => {
  const t = traceExpression('x*x + 3*x', { x: 2 });
  const x = t.nodes.find((n) => n.name === 'x')!;
  assert.equal(x.grad, 7); // 2x + 3
  const parts = t.edges.filter((e) => e.child === x.id).map((e) => e.product);
  assert.equal(parts.length, 3);
  assert.equal(parts.reduce((a, b) => a + b, 0), 7);
  assert.ok(renderExpressionText(t).includes('gradients add up where x feeds 3 nodes'));
});

test('every function and operator: gradients match central differences', () => {
  const expr = 'sigmoid(a*b) + tanh(a - b) + relu(a) + exp(b/2) + log(a^2 + 1) + sqrt(abs(b) + 1) - -a + leakyRelu(b, 0.1) + step(a)';
  const at = { a: 0.7, b: -1.3 };
  const t = traceExpression(expr, at);
  const { ast } = parseExpression(expr);
  for (const v of ['a', 'b'] as const) {
    const h = 1e-6;
    const num = (evaluateExpression(ast, { ...at, [v]: at[v] + h }) - evaluateExpression(ast, { ...at, [v]: at[v] - h })) / (2 * h);
    const got = t.nodes.find((n) => n.name === v)!.grad!;
    assert.ok(Math.abs(got - num) < 1e-7, `${v}: ${got} vs ${num}`);
  }
  // and the engine's gradcheck agrees on a composed piece
  assert.ok(gradcheck((a) => a.mul(a).sigmoid(), [tensor([0.3])]).ok);
});

test('precedence: ^ binds tighter than unary minus, and is right-associative', () => {
  const v = (s: string, at: Record<string, number> = {}) => evaluateExpression(parseExpression(s).ast, at);
  assert.equal(v('-2^2'), -4);
  assert.equal(v('2^3^2'), 512);
  assert.equal(v('2^-1'), 0.5);
  assert.equal(v('1 - 2 - 3'), -4);
  assert.equal(v('8 / 4 / 2'), 1);
  assert.equal(v('2 + 3 * 4'), 14);
  assert.equal(v('(2 + 3) * 4'), 20);
  assert.equal(v('2 ** 3'), 8);
  assert.equal(parseExpression('g = x*y + z').name, 'g');
});

test('syntax errors name the column and point at it with a caret', () => {
  const cases: [string, number, RegExp][] = [
    ['x*(y + ', 8, /ends too early/],
    ['x + * y', 5, /unexpected '\*'/],
    ['3x', 2, /unexpected 'x'/],
    ['foo(x)', 1, /unknown function 'foo'/],
    ['x $ y', 3, /unexpected character '\$'/],
    ['(x + y))', 8, /has no '\('/],
    ['sigmoid x', 9, /expected '\(' after the function sigmoid/],
    ['exp(x, y)', 9, /exp takes 1 argument, got 2/],
  ];
  for (const [src, col, re] of cases) {
    assert.throws(() => parseExpression(src), (e: unknown) => {
      assert.ok(e instanceof ExpressionError, `${src}: not an ExpressionError`);
      assert.equal(e.column, col, `${src}: column`);
      assert.match(e.message, re);
      assert.match(e.message, new RegExp(`^expression: column ${col}: `));
      const lines = e.message.split('\n');
      assert.equal(lines[1], `  ${src}`);
      assert.equal(lines[2].indexOf('^'), col + 1, `${src}: caret under column ${col}`);
      return true;
    });
  }
  assert.throws(() => parseExpression('   '), /the expression is empty/);
});

test('missing or unused variables and bad --at lists are errors', () => {
  assert.throws(() => traceExpression('x*y', { x: 1 }), /no value for 'y'/);
  assert.throws(() => traceExpression('x*y', { x: 1, y: 2, q: 3 }), /'q' is not used/);
  assert.deepEqual(parseAssignments('x=3, y=-4,z=2'), { x: 3, y: -4, z: 2 });
  assert.throws(() => parseAssignments('x=3,y'), /item 2 \('y'\) must look like name=number/);
  assert.throws(() => parseAssignments('x=3,x=4'), /given twice/);
});

test('DOT and SVG show each node\'s value and gradient', () => {
  const t = traceExpression('x*y + z', { x: 3, y: -4, z: 2 });
  const dot = renderDot(t);
  assert.match(dot, /^\/\/ .*\ndigraph expression \{/);
  assert.ok(dot.includes('label="{ x | value 3 | grad -4 }"'));
  assert.ok(dot.includes('label="{ g | value -10 | grad 1 }"'));
  assert.equal((dot.match(/->/g) ?? []).length, 6);
  const svg = renderGraphSvg(t);
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="\d+" height="\d+"/);
  assert.ok(svg.trim().endsWith('</svg>'));
  assert.ok(svg.includes('data-name="f" data-value="-12" data-grad="1"'));
  assert.ok(svg.includes('grad -4'));
  assert.equal((svg.match(/<g class="node"/g) ?? []).length, 5);
});
