// Each article's worked example runs and meets its own target (the examples check themselves).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as seed000 from '../../examples/seed000-or-neuron.js';
import * as seed001 from '../../examples/seed001-and-neuron.js';
import * as seed004 from '../../examples/seed004-two-two-two.js';
import * as xor from '../../examples/xor.js';
// issue 12: recurrent layers
import * as charLstm from '../../examples/char-lstm.js';
import * as sequenceMemory from '../../examples/sequence-memory.js';

for (const [name, example] of Object.entries({ seed000, seed001, seed004, xor, charLstm, sequenceMemory })) {
  test(`example ${name} meets its own checks`, () => {
    const { checks, report } = example.main();
    assert.ok(report.length > 0);
    for (const [what, ok] of checks) assert.ok(ok, `${name}: ${what}\n${report.join('\n')}`);
  });
}

test('seed 004 prints the article numbers', () => {
  const text = seed004.main().report.join('\n');
  for (const n of ['0.5399', '0.4638', '0.7165', '0.5239', '0.3941', '0.1055']) assert.ok(text.includes(n), n);
});

test('char-lstm prints its loss and the text\'s unigram entropy side by side, in nats per character', () => {
  const entropy = charLstm.unigramEntropy([0, 0, 1, 2], 3); // p = ½, ¼, ¼
  assert.ok(Math.abs(entropy - 1.5 * Math.LN2) < 1e-12, `${entropy}`);
  assert.ok(charLstm.loadText().startsWith('The River and the Mill'));
});
