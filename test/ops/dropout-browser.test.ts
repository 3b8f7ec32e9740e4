/**
 * Dropout's seeded masks in a real browser (headless Chromium through playwright-core, the core
 * bundled by esbuild as an application would): the same seed gives bit for bit the mask Node gives,
 * eagerly and compiled. Skipped, saying why, only where no Chromium is installed (CI installs one).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHROMIUM_SKIP, withCorePage } from '../browser-core.js';
import { dropout, jit, ones, type Tensor } from '../../src/index.js';

/** The masks both runtimes compute: eager for three seeds (one above 2³²), and through jit. */
const PROBE = `
  (() => {
    const b = self.backprop;
    const x = b.ones([3, 500]);
    const eager = [0, 7, 2 ** 40 + 3].map((seed) => Array.from(b.dropout(x, 0.3, { seed }).data));
    const step = b.jit((v) => b.dropout(v, 0.6, { seed: 11 }));
    step(x);
    const compiled = Array.from(step(x).data);
    return { eager, compiled };
  })()
`;

function inNode(): { eager: number[][]; compiled: number[] } {
  const x = ones([3, 500]);
  const eager = [0, 7, 2 ** 40 + 3].map((seed) => Array.from(dropout(x, 0.3, { seed }).data));
  const step = jit((v: Tensor) => dropout(v, 0.6, { seed: 11 }));
  step(x);
  return { eager, compiled: Array.from(step(x).data) };
}

test('browser: dropout with a seed draws the same mask as in Node, eager and compiled', { skip: CHROMIUM_SKIP, timeout: 60_000 }, async () => {
  await withCorePage(async (page, errors) => {
    const there = await page.evaluate(PROBE) as { eager: number[][]; compiled: number[] };
    assert.deepEqual(errors, []);
    const here = inNode();
    here.eager.forEach((mask, i) => {
      assert.ok(mask.some((v) => v === 0) && mask.some((v) => v !== 0), `seed ${i}: a real mask`);
      assert.deepEqual(there.eager[i], mask, `eager mask ${i}`);
    });
    assert.deepEqual(there.compiled, here.compiled, 'compiled mask');
  });
});
