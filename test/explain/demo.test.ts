import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../../src/index.js';
import { demoChapters, demoPages } from '../../src/explain/demo.js';

test('the demo\'s six chapters carry each article\'s numbers and draw their pictures', () => {
  const chapters = demoChapters({ color: false });
  assert.deepEqual(chapters.map((c) => c.title), [
    'One neuron learns OR (seed 000)',
    'AND with cross-entropy (seed 001)',
    'The chain rule on g = x·y + z (seed 002)',
    'The line y = 2x and its derivative (seed 003)',
    'One step through a 2-2-2 network, by hand (seed 004)',
    'XOR needs a hidden layer',
  ]);
  const runs = chapters.map((c) => c.run());
  const expect: string[][] = [
    ['y = σ(-4) = 0.01799', 'loss 0.7945', 'Output: 0.080867', 'Output: 0.999756', 'O start (-4, -4)'],
    ['∂L/∂b = 0.25', '0.040', '0.945', 'bias -9.24'],
    ['x · y = 3 · (-4)', '∂f/∂x = y = -4', 'g: -10 → -12.72'],
    ['30.006', '= 60.003', 'W: 3 → 2.4 → 2.16'],
    ['0.5399', '0.4638', '0.7165', '0.5239', '-0.1835 · 0.2031 · 0.5399', '0.37 → 0.3941', '0.1 → 0.1055'],
    ['3 of 4 (its best)', 'one neuron, epoch 2000', '0.500 (?)', 'loss 0.6931 = ln 2', 'all 4 rows are right', 'O the network (0, 0)'],
  ];
  runs.forEach((r, k) => {
    for (const s of expect[k]) assert.ok(r.text.includes(s), `chapter ${k + 1} lacks ${s}`);
    assert.ok(!r.text.includes('\x1b['), 'no colour codes when color is false');
  });
  const files = runs.flatMap((r) => r.files);
  assert.deepEqual(files.map((f) => f.name), ['or-landscape.png', 'or-landscape.svg', 'and-landscape.png', 'xyz-graph.svg', 'xyz-graph.dot', 'line-landscape.png', 'xor-one-neuron.png']);
  // .png files are SVGs the CLI renders to PNG (src/cli/png.ts); the rest are written as they are
  for (const f of files) assert.ok(f.content.startsWith('<svg') || f.content.startsWith('//'), f.name);
});

test('on an 80×40 terminal every page of every chapter fits: at most 36 lines between pauses, none wider than 80', () => {
  const chapters = demoChapters({ color: false, width: 80 });
  const runs = chapters.map((c) => c.run());
  runs.forEach((r, k) => {
    const lines = ['', `Chapter ${k + 1} of 6: ${chapters[k].title}`, '─'.repeat(20), ...r.text.split('\n'), ...r.files.map((f) => `  → backprop-demo/${f.name}: ${f.what}`)];
    const pages = demoPages(lines, { rows: 36, width: 80 });
    assert.deepEqual(pages.flat().filter((l) => l.trim() !== '').join(' ').split(/\s+/), lines.filter((l) => l.trim() !== '').join(' ').split(/\s+/), 'paging only breaks lines');
    for (const page of pages.slice(1)) assert.notEqual(page[0].trim(), '', 'a page starts with text');
    for (const page of pages) {
      assert.ok(page.length <= 36, `chapter ${k + 1}: a page of ${page.length} lines`);
      for (const line of page) assert.ok([...line].length <= 80, `chapter ${k + 1}: ${[...line].length} columns: ${line}`);
    }
  });
  // the single neuron's best is an honest 3 of 4, reached early; the trained one answers 0.5 everywhere
  const xor = runs[5].text;
  assert.match(xor, /The neuron's best, 3 of 4, is at epoch 11;/);
  assert.doesNotMatch(xor, /75%/);
});
