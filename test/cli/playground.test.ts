/**
 * `backprop playground`'s static server: serves only the files under its folder (no path traversal,
 * no dotfiles, no listings, GET/HEAD only), with the right content types, on 127.0.0.1; the command
 * prints its URL, rejects bad --port values, and stops cleanly on Ctrl-C (SIGINT).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveRequest, startPlaygroundServer, type PlaygroundServer } from '../../src/cli/commands/playground.js';

/** A raw GET (no URL normalisation, unlike fetch) → status, content type and body. */
function get(port: number, path: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('playground server', () => {
  let dir = '';
  let root = '';
  let server: PlaygroundServer | null = null;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'backprop-playground-'));
    root = join(dir, 'dist');
    mkdirSync(join(root, 'sub'), { recursive: true });
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>ok</title>');
    writeFileSync(join(root, 'app.js'), 'console.log(1)');
    writeFileSync(join(root, 'styles.css'), 'body{}');
    writeFileSync(join(root, 'sub', 'index.html'), 'sub');
    writeFileSync(join(root, '.secret'), 'hidden');
    writeFileSync(join(dir, 'outside.txt'), 'SECRET OUTSIDE');
    symlinkSync(join(dir, 'outside.txt'), join(root, 'link.txt'));
    server = await startPlaygroundServer({ port: 0, root });
  });

  after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('serves the app on 127.0.0.1 with content types', async () => {
    assert.match(server!.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const index = await get(server!.port, '/');
    assert.equal(index.status, 200);
    assert.equal(index.type, 'text/html; charset=utf-8');
    assert.equal(index.body, '<!doctype html><title>ok</title>');
    assert.equal((await get(server!.port, '/app.js')).type, 'text/javascript; charset=utf-8');
    assert.equal((await get(server!.port, '/styles.css?v=1')).type, 'text/css; charset=utf-8');
    assert.equal((await get(server!.port, '/sub/')).body, 'sub');
    const head = await get(server!.port, '/app.js', 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
  });

  test('never serves anything outside its folder, hidden files, or other methods', async () => {
    for (const path of ['/../outside.txt', '/%2e%2e/outside.txt', '/..%2foutside.txt', '/sub/../../outside.txt', '/%2e%2e%5coutside.txt',
      '/link.txt', '/.secret', '/missing.js', '/app.js%00.html', '/%E0%A4%A']) {
      const r = await get(server!.port, path);
      assert.equal(r.status, 404, `${path} → ${r.status}`);
      assert.ok(!r.body.includes('SECRET'), path);
    }
    assert.equal((await get(server!.port, '/', 'POST')).status, 405);
    assert.equal(resolveRequest(root, '/../outside.txt'), null);
    assert.equal(resolveRequest(root, '/index.html'), join(root, 'index.html'));
  });

  test('explains a missing build, a taken port and unknown options', async () => {
    await assert.rejects(startPlaygroundServer({ port: 0, root: join(dir, 'nothing') }), /not built .*run 'npm run build'/);
    await assert.rejects(startPlaygroundServer({ port: server!.port, root }), new RegExp(`port ${server!.port} on 127.0.0.1 is in use; pick another with --port`));
    await assert.rejects(startPlaygroundServer({ root, colour: 'red' } as never), /unknown option 'colour'/);
  });
});

describe('backprop playground command', () => {
  let cli = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(cli, 'package.json'))) cli = dirname(cli);
  const main = join(cli, 'dist', 'src', 'cli', 'main.js');
  const built = existsSync(main) && existsSync(join(cli, 'web', 'dist', 'index.html'));

  test('prints its URL, serves the built app, and stops on SIGINT', { skip: built ? false : "needs 'npm run build'" }, async () => {
    const child = spawn(process.execPath, [main, 'playground', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += String(d);
        const m = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
        if (m) resolve(m[0]);
      });
      child.on('exit', (code) => reject(new Error(`exited with ${code} before printing a URL`)));
    });
    const port = Number(new URL(url).port);
    const page = await get(port, '/');
    assert.equal(page.status, 200);
    assert.match(page.body, /backprop playground/);
    assert.equal((await get(port, '/worker.js')).status, 200);
    assert.equal((await get(port, '/../package.json')).status, 404);
    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', (c) => resolve(c));
      child.kill('SIGINT');
    });
    assert.equal(code, 0);
    assert.ok(readFileSync(join(cli, 'web', 'dist', 'index.html'), 'utf8').includes('id="train"'));
  });

  test('rejects a bad --port with one line', { skip: built ? false : "needs 'npm run build'" }, () => {
    const r = spawnSync(process.execPath, [main, 'playground', '--port', 'abc'], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.equal(r.stderr, "backprop: --port must be a whole number from 0 to 65535, got 'abc'\n");
  });
});
