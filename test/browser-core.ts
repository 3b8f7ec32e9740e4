/**
 * The core in a real browser, for tests: headless Chromium (through playwright-core) with the core
 * bundled by esbuild as an application would bundle it, loaded into a blank page. Tests skip with
 * CHROMIUM_SKIP where no Chromium is installed (CI installs one).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Page } from 'playwright-core';

export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));
/** The `skip` option of a browser test: false, or why it is skipped. */
export const CHROMIUM_SKIP: false | string = CHROMIUM ? false : 'no Chromium installed (CI installs it)';

/** The core (src/index) bundled for the browser as one script that defines `self.backprop`. */
export async function coreBundle(): Promise<string> {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = fileURLToPath(new URL(fromSource ? '../src/index.ts' : '../src/index.js', import.meta.url));
  // papaparse names Node's 'stream' only inside its Node-stream reader, which the core never calls.
  const bundle = await build({
    entryPoints: [entry], bundle: true, format: 'iife', globalName: 'backprop', platform: 'browser', external: ['stream'], write: false, logLevel: 'silent',
  });
  return bundle.outputFiles[0].text;
}

/**
 * Runs `use` with a page that has the core loaded (`self.backprop`) and the page's uncaught errors
 * collected; the browser is closed afterwards whatever happens.
 * @example await withCorePage(async (page, errors) => { await page.evaluate('backprop.backend().name'); assert.deepEqual(errors, []); });
 */
export async function withCorePage<T>(use: (page: Page, errors: string[], code: string) => Promise<T>): Promise<T> {
  const code = await coreBundle();
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.setContent('<!doctype html><title>backprop</title>');
    await page.addScriptTag({ content: code });
    return await use(page, errors, code);
  } finally {
    await browser.close();
  }
}
