/**
 * The playground in a real browser: Debian's Chromium driven by playwright-core, the page served by
 * the built CLI (`backprop playground --port 0`). XOR trains to ≥ 95% accuracy, Step changes the
 * loss, an exported model predicts the same in the CLI, a bad CSV upload leaves the data alone, a
 * shared link restores the settings. Screenshots go to test-artifacts/playground/.
 * Needs `npm run build` first (npm test does it) and Chromium (`apt-get install chromium`).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { explain, Network, neuronProvenance, parseModel } from '../../src/index.js';
import { buildData, networkSpec } from '../../web/src/experiment.js';
import { parseHash } from '../../web/src/state.js';

/** The repository root: the nearest folder above this file whose package.json has the backprop command. */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!(existsSync(join(dir, 'package.json')) && JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).bin?.backprop)) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the backprop repository root');
    dir = up;
  }
  return dir;
}

const ROOT = repoRoot();
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const ARTIFACTS = join(ROOT, 'test-artifacts', 'playground');
/** BACKPROP_CHROMIUM names another browser binary (or a missing one, to check the failure message). */
const CHROMIUM = process.env.BACKPROP_CHROMIUM
  ? (existsSync(process.env.BACKPROP_CHROMIUM) ? process.env.BACKPROP_CHROMIUM : undefined)
  : ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const SKIP = process.env.BACKPROP_SKIP_BROWSER === '1' ? 'BACKPROP_SKIP_BROWSER=1' : false;
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Starts `backprop playground --port 0` and resolves with the URL it prints. */
function startServer(): Promise<{ url: string; child: ChildProcess }> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' first`);
  if (!existsSync(join(ROOT, 'web', 'dist', 'index.html'))) throw new Error("web/dist is missing: run 'npm run build' first");
  const child = spawn(process.execPath, [CLI, 'playground', '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '', err = '';
    const timer = setTimeout(() => reject(new Error(`backprop playground printed no URL in 20 s; stdout: ${out} stderr: ${err}`)), 20_000);
    child.stdout!.on('data', (d) => {
      out += String(d);
      const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(out);
      if (m) { clearTimeout(timer); resolve({ url: m[0], child }); }
    });
    child.stderr!.on('data', (d) => { err += String(d); });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`backprop playground exited with ${code}: ${err}`)); });
  });
}

const text = async (page: Page, selector: string): Promise<string> => (await page.textContent(selector))?.trim() ?? '';
const percentOf = (s: string): number => parseFloat(s);

describe('playground in Chromium', { skip: SKIP, timeout: 120_000 }, () => {
  let server: { url: string; child: ChildProcess } | null = null;
  let browser: Browser | null = null;

  before(async () => {
    if (!CHROMIUM) {
      throw new Error(`Chromium is not installed (${process.env.BACKPROP_CHROMIUM ?? '/usr/bin/chromium'}): the playground browser tests need it. Install it with \`apt-get install chromium\`, or set BACKPROP_SKIP_BROWSER=1 to skip these tests.`);
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    server = await startServer();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });

  after(async () => {
    await browser?.close();
    server?.child.kill('SIGINT');
  });

  /** A fresh page at the playground, once the first snapshot has arrived. */
  async function open(hash = '', viewport = { width: 1280, height: 800 }, deviceScaleFactor = 1): Promise<{ page: Page; errors: string[] }> {
    const context = await browser!.newContext({ viewport, acceptDownloads: true, deviceScaleFactor });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.goto(server!.url + hash);
    await page.waitForFunction(`document.querySelector('#loss-train').textContent !== '–'`, undefined, { timeout: 15_000 });
    return { page, errors };
  }

  test('XOR trains to at least 95% accuracy; Explain shows the trace; an exported model predicts the same in the CLI', async () => {
    const { page, errors } = await open();
    await page.selectOption('#dataset', 'xor');
    await page.waitForFunction(`document.querySelector('#data-summary').textContent.startsWith('xor')`);
    await page.click('#train');
    assert.equal(await text(page, '#train'), 'Pause');
    await page.waitForFunction(
      `parseFloat(document.querySelector('#accuracy-test').textContent) >= 95 && parseFloat(document.querySelector('#accuracy-train').textContent) >= 95`,
      undefined, { timeout: 30_000, polling: 100 },
    );
    await page.click('#train');
    assert.equal(await text(page, '#train'), 'Train');
    // aria-pressed follows the worker's snapshots: false again once the paused snapshot has arrived.
    await page.waitForSelector('#train[aria-pressed="false"]');
    const epoch = Number(await text(page, '#epoch'));
    assert.ok(epoch >= 1, `epoch ${epoch}`);
    assert.ok(percentOf(await text(page, '#accuracy-test')) >= 95);
    assert.ok(percentOf(await text(page, '#accuracy-train')) >= 95);

    // Explain a step: the library's trace for training point 1.
    await page.fill('#explain-point', '1');
    await page.click('#explain');
    const trace = await text(page, '#explain-output');
    assert.match(trace, /Forward, layer 1 of 3 \(hidden, tanh\)/);
    assert.match(trace, /Backward/i);
    assert.match(await text(page, '#explain-summary'), /^Training point #1 /);

    // The landscape is recomputed when training pauses; wait for it, then take the pictures.
    await page.waitForFunction(`document.querySelector('#landscape-note').textContent.includes('epoch ${epoch}')`, undefined, { timeout: 15_000 });
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: join(ARTIFACTS, 'xor-1280x800.png') });
    await page.screenshot({ path: join(ARTIFACTS, 'xor-full-page.png'), fullPage: true });
    await page.locator('#boundary').screenshot({ path: join(ARTIFACTS, 'xor-boundary.png') });
    await page.locator('#landscape').screenshot({ path: join(ARTIFACTS, 'xor-landscape.png') });
    await page.locator('#network').screenshot({ path: join(ARTIFACTS, 'xor-network.png') });

    // The page's predictions (from the worker's Network) at a few points.
    const points = [[0.5, -0.5], [0.6, 0.7], [-0.8, -0.3], [0.05, 0.9]];
    const pageOutputs: number[] = [];
    for (const [x1, x2] of points) {
      await page.fill('#probe-x1', String(x1));
      await page.fill('#probe-x2', String(x2));
      const before = await page.getAttribute('#probe-output', 'data-outputs');
      await page.click('#probe');
      await page.waitForFunction(`document.querySelector('#probe-output').dataset.outputs !== ${JSON.stringify(before ?? undefined)}`);
      pageOutputs.push((JSON.parse((await page.getAttribute('#probe-output', 'data-outputs'))!) as number[][])[0][0]);
    }
    // XOR quadrants: class 1 where x1·x2 ≥ 0.
    assert.deepEqual(pageOutputs.map((p) => (p > 0.5 ? 1 : 0)), [0, 1, 1, 1]);

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-model')]);
    const modelPath = join(ARTIFACTS, 'xor-model.json');
    await download.saveAs(modelPath);
    const modelText = readFileSync(modelPath, 'utf8');

    // The library reads it back and predicts the same numbers.
    const model = parseModel(modelText, modelPath);
    const libOutputs = model.network.predict(points).map((r) => r[0]);
    libOutputs.forEach((v, i) => assert.ok(Math.abs(v - pageOutputs[i]) < 1e-6, `point ${i}: library ${v} vs page ${pageOutputs[i]}`));

    // And so does the CLI: backprop predict on a CSV of the same points.
    const csvPath = join(ARTIFACTS, 'xor-points.csv');
    writeFileSync(csvPath, `x1,x2\n${points.map((p) => p.join(',')).join('\n')}\n`);
    const run = spawnSync(process.execPath, [CLI, 'predict', modelPath, csvPath], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const lines = run.stdout.trim().split('\n');
    const header = lines[0].split(',');
    const col = header.indexOf('probability_1');
    assert.ok(col >= 0, `no probability_1 column in ${lines[0]}`);
    lines.slice(1).forEach((line, i) => {
      const v = Number(line.split(',')[col]);
      assert.ok(Math.abs(v - pageOutputs[i]) <= 5e-6 * Math.max(1, Math.abs(v)), `point ${i}: CLI ${v} vs page ${pageOutputs[i]}`);
      assert.equal(line.split(',')[header.indexOf('predicted_label')], pageOutputs[i] > 0.5 ? '1' : '0');
    });

    // Imported into a fresh page, the model predicts the same there too.
    const fresh = await open();
    await fresh.page.setInputFiles('#import-model', modelPath);
    await fresh.page.waitForFunction(`document.querySelector('#status').textContent.startsWith('Imported')`);
    await fresh.page.waitForFunction(`document.querySelector('#updates').textContent.startsWith('0 updates')`);
    await fresh.page.fill('#probe-x1', String(points[1][0]));
    await fresh.page.fill('#probe-x2', String(points[1][1]));
    await fresh.page.click('#probe');
    await fresh.page.waitForFunction(`document.querySelector('#probe-output').dataset.outputs !== undefined`);
    const imported = (JSON.parse((await fresh.page.getAttribute('#probe-output', 'data-outputs'))!) as number[][])[0][0];
    assert.equal(imported, pageOutputs[1]);
    assert.deepEqual([...errors, ...fresh.errors], []);
    await fresh.page.context().close();
    await page.context().close();
  });

  test('the page is cross-origin isolated, so the training worker splits large products over the cores', async () => {
    const { page, errors } = await open();
    assert.equal(await page.evaluate('self.crossOriginIsolated'), true);
    const cores = Math.min(4, Number(await page.evaluate('navigator.hardwareConcurrency')));
    const status = await text(page, '#updates');
    if (cores > 1) assert.match(status, new RegExp(`backend wasm-threads \\((relaxed SIMD|SIMD), ${cores} threads\\)$`));
    else assert.match(status, /backend wasm/);
    assert.deepEqual(errors, []);
    await page.context().close();
  });

  test('Step makes one update and changes the loss (also from the keyboard)', async () => {
    const { page, errors } = await open();
    const loss0 = await text(page, '#loss-train');
    assert.match(await text(page, '#updates'), /^0 updates/);
    await page.click('#step');
    await page.waitForFunction(`document.querySelector('#updates').textContent.startsWith('1 updates')`);
    const loss1 = await text(page, '#loss-train');
    assert.notEqual(loss1, loss0, 'the loss changed after one step');
    await page.focus('#step');
    await page.keyboard.press('Enter');
    await page.waitForFunction(`document.querySelector('#updates').textContent.startsWith('2 updates')`);
    assert.notEqual(await text(page, '#loss-train'), loss1);
    await page.keyboard.press('Space');
    await page.waitForFunction(`document.querySelector('#updates').textContent.startsWith('3 updates')`);
    assert.equal(await text(page, '#train'), 'Train', 'Step leaves training paused');
    // Reset goes back to the same starting network (same seed): the same starting loss.
    await page.click('#reset');
    await page.waitForFunction(`document.querySelector('#updates').textContent.startsWith('0 updates')`);
    assert.equal(await text(page, '#loss-train'), loss0);
    assert.deepEqual(errors, []);
    await page.context().close();
  });

  test('a bad CSV upload shows an error and leaves the previous data intact', async () => {
    const { page, errors } = await open();
    const summary = await text(page, '#data-summary');
    const hash = new URL(page.url()).hash;
    await page.setInputFiles('#csv-file', { name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from('x1,x2,label\n0.5,0.5,1\n0.1,oops\n') });
    await page.waitForFunction(`document.querySelector('#data-error').textContent !== ''`);
    const message = await text(page, '#data-error');
    assert.match(message, /bad\.csv/);
    assert.match(message, /line 3/);
    assert.match(message, /previous data are still in use/);
    assert.equal(await text(page, '#data-summary'), summary);
    assert.equal(await page.inputValue('#dataset'), 'circle');
    assert.equal(new URL(page.url()).hash, hash);
    await page.click('#step');
    await page.waitForFunction(`document.querySelector('#updates').textContent.startsWith('1 updates')`);

    // A good CSV replaces the data; a later bad one (three classes) keeps it.
    const rows = ['a,b,kind', ...Array.from({ length: 40 }, (_, i) => `${(i % 7) - 3},${(i % 5) * 10},${i % 7 > 3 ? 'yes' : 'no'}`)];
    await page.setInputFiles('#csv-file', { name: 'good.csv', mimeType: 'text/csv', buffer: Buffer.from(rows.join('\n')) });
    await page.waitForFunction(`document.querySelector('#data-summary').textContent.startsWith('CSV:')`);
    assert.equal(await text(page, '#data-error'), '');
    assert.equal(await page.inputValue('#dataset'), 'csv');
    const csvSummary = await text(page, '#data-summary');
    assert.match(csvSummary, /classes no \/ yes/);
    await page.setInputFiles('#csv-file', { name: 'three.csv', mimeType: 'text/csv', buffer: Buffer.from('a,b,kind\n1,2,x\n3,4,y\n5,6,z\n') });
    await page.waitForFunction(`document.querySelector('#data-error').textContent.includes('three.csv')`);
    assert.match(await text(page, '#data-error'), /3 different values/);
    assert.equal(await text(page, '#data-summary'), csvSummary);
    assert.equal(await page.inputValue('#dataset'), 'csv');
    assert.deepEqual(errors, []);
    await page.context().close();
  });

  test('a shared URL restores the same settings and the same starting network', async () => {
    const { page, errors } = await open();
    await page.selectOption('#dataset', 'spirals');
    await page.evaluate(`(() => { const n = document.querySelector('#noise'); n.value = '0.2'; n.dispatchEvent(new Event('change')); })()`);
    await page.click('#add-layer');
    await page.selectOption('#layer-0-activation', 'relu');
    await page.click('#layer-1-more');
    await page.selectOption('#optimizer', 'sgd');
    await page.fill('#learning-rate', '0.01');
    await page.dispatchEvent('#learning-rate', 'change');
    await page.check('input[name="batch-mode"][value="online"]');
    await page.fill('#seed', '42');
    await page.dispatchEvent('#seed', 'change');
    await page.waitForFunction(`document.querySelector('#updates').textContent.startsWith('0 updates') && location.hash.includes('seed=42')`);
    const startLoss = await text(page, '#loss-train');
    const link = await page.inputValue('#share-link');
    assert.equal(link, page.url());
    await page.click('#step');
    await page.waitForFunction(`document.querySelector('#updates').textContent.startsWith('1 updates')`);

    const settings = async (p: Page) => ({
      dataset: await p.inputValue('#dataset'),
      noise: await p.inputValue('#noise'),
      layers: await p.locator('#layers li').count(),
      act0: await p.inputValue('#layer-0-activation'),
      units1: await p.inputValue('#layer-1-units'),
      act2: await p.inputValue('#layer-2-activation'),
      optimizer: await p.inputValue('#optimizer'),
      lr: await p.inputValue('#learning-rate'),
      online: await p.isChecked('input[name="batch-mode"][value="online"]'),
      seed: await p.inputValue('#seed'),
      loss: await p.inputValue('#loss'),
      landscapeX: await p.inputValue('#landscape-x'),
      landscapeY: await p.inputValue('#landscape-y'),
    });
    const original = await settings(page);
    assert.deepEqual(original, {
      dataset: 'spirals', noise: '0.2', layers: 3, act0: 'relu', units1: '5', act2: 'tanh', optimizer: 'sgd', lr: '0.01', online: true, seed: '42',
      loss: 'bce', landscapeX: 'layers.0.weight[0][0]', landscapeY: 'layers.0.weight[0][1]',
    });
    const shared = await open(new URL(link).hash);
    assert.deepEqual(await settings(shared.page), original);
    assert.equal(await text(shared.page, '#loss-train'), startLoss, 'same seed, same data and weights: the same starting loss');
    assert.equal(await text(shared.page, '#data-summary'), await text(page, '#data-summary'));
    // A link with a bad value says so and uses the default for that field.
    const bad = await open('#data=xor&lr=banana&colour=red');
    assert.match(await text(bad.page, '#status'), /lr="banana" is not a learning rate/);
    assert.match(await text(bad.page, '#status'), /unknown setting 'colour'/);
    assert.equal(await bad.page.inputValue('#dataset'), 'xor');
    assert.equal(await bad.page.inputValue('#learning-rate'), '0.01', "Adam's default learning rate");
    assert.deepEqual([...errors, ...shared.errors, ...bad.errors], []);
    for (const p of [page, shared.page, bad.page]) await p.context().close();
  });

  /** Each element's box in the viewport. */
  const boxes = (page: Page, ids: string[]) => page.evaluate(`(${JSON.stringify(ids)}).map((id) => {
    const r = document.getElementById(id).getBoundingClientRect();
    return { id, top: r.top, bottom: r.bottom, left: r.left, right: r.right };
  })`) as Promise<{ id: string; top: number; bottom: number; left: number; right: number }[]>;

  /** Every canvas's backing store against its CSS box × devicePixelRatio, and whether it fits its parent's content box. */
  const canvases = (page: Page) => page.evaluate(`[...document.querySelectorAll('canvas')].map((c) => {
    const r = c.getBoundingClientRect(), p = c.parentElement, pr = p.getBoundingClientRect(), cs = getComputedStyle(p);
    return { id: c.id, width: c.width, height: c.height, cssWidth: r.width, cssHeight: r.height, dpr: devicePixelRatio,
      overflow: r.right - (pr.right - parseFloat(cs.paddingRight) - parseFloat(cs.borderRightWidth)) };
  })`) as Promise<{ id: string; width: number; height: number; cssWidth: number; cssHeight: number; dpr: number; overflow: number }[]>;

  const checkCanvases = async (page: Page, label: string) => {
    const all = await canvases(page);
    assert.deepEqual(all.map((c) => c.id).sort(), ['boundary', 'landscape', 'loss-chart', 'network']);
    for (const c of all) {
      assert.ok(Math.abs(c.width - c.cssWidth * c.dpr) <= 1, `${label} #${c.id}: backing width ${c.width} for ${c.cssWidth} CSS px × ${c.dpr}`);
      assert.ok(Math.abs(c.height - c.cssHeight * c.dpr) <= 1, `${label} #${c.id}: backing height ${c.height} for ${c.cssHeight} CSS px × ${c.dpr}`);
      assert.ok(c.overflow <= 0.5, `${label} #${c.id} sticks out of its panel by ${c.overflow} px`);
    }
  };

  test('one screen at 1280×800: data, Train/Pause/Step/Reset, the readouts and the whole decision boundary without scrolling', async () => {
    const { page, errors } = await open('', { width: 1280, height: 800 }, 1.5);
    await page.waitForFunction(`document.querySelector('#landscape-note').textContent !== ''`, undefined, { timeout: 15_000 });
    for (const b of await boxes(page, ['dataset', 'train', 'step', 'reset', 'speed', 'epoch', 'loss-train', 'loss-test', 'accuracy-train', 'accuracy-test', 'boundary', 'network'])) {
      assert.ok(b.top >= 0 && b.bottom <= 800 && b.left >= 0 && b.right <= 1280, `#${b.id} at ${JSON.stringify(b)} is not in the first 1280×800 screen`);
    }
    const [boundary] = await boxes(page, ['boundary']);
    assert.ok(boundary.right - boundary.left >= 380, `the boundary is ${boundary.right - boundary.left} px wide`);
    await checkCanvases(page, '1280×800');
    await page.screenshot({ path: join(ARTIFACTS, 'layout-1280x800.png') });
    assert.deepEqual(errors, []);
    await page.context().close();
  });

  test('a 390×844 phone: the boundary and a sticky Train/Step bar in the first screen; the bar stays when scrolling', async () => {
    const { page, errors } = await open('', { width: 390, height: 844 }, 2);
    await page.waitForFunction(`document.querySelector('#landscape-note').textContent !== ''`, undefined, { timeout: 15_000 });
    for (const b of await boxes(page, ['train', 'step', 'epoch', 'accuracy-test', 'boundary'])) {
      assert.ok(b.top >= 0 && b.bottom <= 844 && b.left >= 0 && b.right <= 390, `#${b.id} at ${JSON.stringify(b)} is not in the first 390×844 screen`);
    }
    await checkCanvases(page, '390×844');
    await page.screenshot({ path: join(ARTIFACTS, 'layout-390x844.png') });
    await page.evaluate('window.scrollTo(0, 1600)');
    await page.waitForFunction('window.scrollY > 1000');
    for (const b of await boxes(page, ['train', 'step'])) assert.ok(b.top >= 0 && b.bottom <= 844, `#${b.id} scrolled away: ${JSON.stringify(b)}`);
    await page.screenshot({ path: join(ARTIFACTS, 'layout-390x844-scrolled.png') });
    await page.click('#step');
    await page.waitForFunction(`document.querySelector('#updates').textContent.startsWith('1 updates')`);
    assert.deepEqual(errors, []);
    await page.context().close();
  });

  test('explain a step on the diagram: forward, loss, backward; a hovered number shows its formula; an edited weight changes the loss', async () => {
    const hash = '#data=xor&layers=3:sigmoid&loss=mse&out=sigmoid&seed=5';
    const { page, errors } = await open(hash);
    await page.click('#explain');
    await page.waitForSelector('#stepper:not([hidden])');
    const stage = () => text(page, '#explain-stage');
    assert.match(await stage(), /^1\/\d+ Forward: h1, layer 1 of 2/);
    const total = Number(/^1\/(\d+)/.exec(await stage())![1]);
    assert.equal(total, 3 + 1 + 1 + 4 + 1, 'three hidden and one output neuron forward, the loss, back through all four, the update');
    await page.waitForSelector('.num[data-key="z:0:0"]');
    await page.hover('.num[data-key="z:0:0"]');
    assert.match(await text(page, '#explain-formula'), /^z\(h1\) = Σ w·input \+ b = .+ = -?\d/);
    for (let k = 1; k < 5; k++) await page.click('#explain-next');
    assert.match(await stage(), /^5\/10 Loss: L = /);
    await page.waitForSelector('.num[data-key="loss"]');
    await page.click('#explain-next');
    assert.match(await stage(), /^6\/10 Backward: δ of y1/);
    await page.click('#explain-next');
    assert.match(await stage(), /^7\/10 Backward: δ of h1/);
    // the edges into h1 carry ∂L/∂w; h1's slope says where it comes from, exactly as the library computes it
    await page.waitForSelector('.num[data-key="slope:0:0"]');
    assert.equal(await page.locator('.num[data-key^="grad:layers.0.weight[0]"]').count(), 2);
    await page.hover('.num[data-key="slope:0:0"]');
    const formula = await text(page, '#explain-formula');
    assert.match(formula, /^\d\.\d+ = σ\(z\)\(1 − σ\(z\)\) at z = -?\d/);
    const state = parseHash(hash).state;
    const data = buildData(state);
    const spec = new Network(networkSpec(state)).toJSON();
    const trace = explain(spec, data.train.x[0], [data.train.label[0]], { learningRate: state.learningRate });
    assert.equal(formula, neuronProvenance(trace, trace.steps[0], 0, 0).slope);
    await page.click('.num[data-key="delta:0:0"]');
    assert.equal(await text(page, '#explain-formula'), neuronProvenance(trace, trace.steps[0], 0, 0).delta);
    // what if w(h1→y1) were 3?
    await page.selectOption('#explain-weight', 'layers.1.weight[0][0]');
    await page.fill('#explain-weight-value', '3');
    await page.dispatchEvent('#explain-weight-value', 'change');
    await page.waitForFunction(`document.querySelector('#explain-weight-loss').textContent.startsWith('with w(h1→y1) = 3')`);
    const edited = JSON.parse(JSON.stringify(spec));
    edited.layers[1].weights[0][0] = 3;
    const expected = explain(edited, data.train.x[0], [data.train.label[0]]).steps[0].loss;
    assert.ok(Math.abs(Number(await page.getAttribute('#explain-weight-loss', 'data-loss')) - expected) < 1e-12);
    assert.notEqual(expected, trace.steps[0].loss);
    assert.match(await text(page, '#explain-weight-loss'), new RegExp(`loss on this point ${trace.steps[0].loss.toPrecision(4).replace('.', '\\.')}`));
    // the text trace is a toggle
    assert.equal(await page.isVisible('#explain-output'), false);
    await page.check('#explain-text');
    assert.ok(await page.isVisible('#explain-output'));
    assert.match(await text(page, '#explain-output'), /Forward, layer 1 of 2 \(hidden, sigmoid\)/);
    await page.locator('#neurons-h').scrollIntoViewIfNeeded();
    await page.locator('.network-wrap').screenshot({ path: join(ARTIFACTS, 'explain-on-diagram.png') });
    assert.deepEqual(errors, []);
    await page.context().close();
  });

  test('the speed control: 1 epoch per second, 2 updates per second, and as fast as possible', async () => {
    const { page, errors } = await open('#data=xor');
    const setSpeed = (v: number) => page.evaluate(`(() => { const s = document.querySelector('#speed'); s.value = '${v}'; s.dispatchEvent(new Event('input')); })()`);
    const epoch = async () => Number(await text(page, '#epoch'));
    const updates = async () => Number((await text(page, '#updates')).split(' ')[0]);
    await setSpeed(1);
    assert.equal(await text(page, '#speed-value'), '1 epoch/s');
    assert.match(page.url(), /speed=1/);
    await page.click('#train');
    await page.waitForTimeout(2300);
    await page.click('#train');
    await page.waitForSelector('#train[aria-pressed="false"]');
    const slow = await epoch();
    assert.ok(slow >= 2 && slow <= 4, `${slow} epochs in 2.3 s at 1 epoch/s`);
    await page.click('#reset');
    await page.waitForFunction(`document.querySelector('#updates').textContent.startsWith('0 updates')`);
    await setSpeed(0);
    await page.click('#train');
    await page.waitForTimeout(1700);
    await page.click('#train');
    await page.waitForSelector('#train[aria-pressed="false"]');
    const steps = await updates();
    assert.ok(steps >= 3 && steps <= 5, `${steps} updates in 1.7 s at 2 updates/s`);
    await setSpeed(6);
    assert.equal(await text(page, '#speed-value'), 'as fast as possible');
    const before = await epoch();
    await page.click('#train');
    await page.waitForTimeout(1500);
    await page.click('#train');
    await page.waitForSelector('#train[aria-pressed="false"]');
    assert.ok((await epoch()) - before > 10, `only ${(await epoch()) - before} epochs in 1.5 s at full speed`);
    assert.deepEqual(errors, []);
    await page.context().close();
  });

  test('a regression set trains in the page: the loss falls, there is no accuracy, the probe predicts a value', async () => {
    const { page, errors } = await open('#data=reg-bumps&layers=8:tanh,8:tanh');
    assert.equal(await page.inputValue('#loss'), 'mse');
    assert.ok(await page.isDisabled('#loss'));
    await page.click('#train');
    await page.waitForFunction(`parseFloat(document.querySelector('#loss-test').textContent) < 0.05`, undefined, { timeout: 30_000, polling: 100 });
    await page.click('#train');
    await page.waitForSelector('#train[aria-pressed="false"]');
    assert.equal(await text(page, '#accuracy-test'), '–');
    await page.click('#probe');
    await page.waitForFunction(`document.querySelector('#probe-output').textContent.startsWith('predicted value')`);
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: join(ARTIFACTS, 'regression-1280x800.png') });
    assert.deepEqual(errors, []);
    await page.context().close();
  });

  test('readable on a phone: no sideways scrolling, every input labelled', async () => {
    const { page, errors } = await open('', { width: 390, height: 844 });
    await page.waitForFunction(`document.querySelector('#landscape-note').textContent !== ''`, undefined, { timeout: 15_000 });
    const overflow = Number(await page.evaluate('document.documentElement.scrollWidth'));
    assert.ok(overflow <= 391, `page is ${overflow}px wide on a 390px screen`);
    const unlabelled = await page.evaluate(`[...document.querySelectorAll('input, select, textarea')]
      .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.closest('label'))
      .map((el) => el.id || el.name)`) as string[];
    assert.deepEqual(unlabelled, []);
    await page.screenshot({ path: join(ARTIFACTS, 'phone-390.png'), fullPage: true });
    assert.deepEqual(errors, []);
    await page.context().close();
  });
});
