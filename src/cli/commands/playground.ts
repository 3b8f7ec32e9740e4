/**
 * `backprop playground [--port N] [--host H]`: serves the built web app (web/dist, made by
 * `npm run build`) over plain HTTP and prints its URL. Only files inside web/dist are ever served
 * (decoded paths are resolved and checked against the folder; no directory listings, no dotfiles);
 * it listens on 127.0.0.1 unless told otherwise. Ctrl-C stops it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { action, parseNumber, UsageError } from '../run.js';
import { packageInfo } from '../package-info.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
};

/** Where the built app lives (web/dist under the package root). @example defaultWebRoot() // '/…/backprop/web/dist' */
export function defaultWebRoot(): string {
  return join(packageInfo().root, 'web', 'dist');
}

export interface PlaygroundServerOptions {
  /** TCP port; 0 picks any free port (default 8080). */
  port?: number;
  /** Interface to listen on (default '127.0.0.1'). */
  host?: string;
  /** The folder to serve (default web/dist of this package). */
  root?: string;
}

export interface PlaygroundServer {
  /** e.g. 'http://127.0.0.1:8080/'. */
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

/**
 * Maps a request path to a file inside `root`, or null when it is outside it, hidden, malformed or
 * missing. '/' and folders map to their index.html.
 * @example resolveRequest('/work/web/dist', '/app.js') // '/work/web/dist/app.js'
 */
export function resolveRequest(root: string, urlPath: string): string | null {
  let path: string;
  try {
    path = decodeURIComponent(urlPath.split('?')[0].split('#')[0]);
  } catch {
    return null; // malformed percent-encoding
  }
  if (path.includes('\0') || path.includes('\\')) return null;
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..' || p.startsWith('.'))) return null;
  const base = resolve(root);
  let file = resolve(base, ...parts);
  if (file !== base && !file.startsWith(base + sep)) return null;
  try {
    if (statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!statSync(file).isFile()) return null;
    // A symbolic link inside the folder must not lead outside it either.
    const real = realpathSync(file);
    const realBase = realpathSync(base);
    if (real !== realBase && !real.startsWith(realBase + sep)) return null;
    return real;
  } catch {
    return null;
  }
}

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
  res.end(body);
}

function handle(root: string, req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    send(res, 405, 'method not allowed: the playground serves files only (GET)\n');
    return;
  }
  const file = resolveRequest(root, req.url ?? '/');
  if (file === null) {
    send(res, 404, 'not found\n');
    return;
  }
  const body = readFileSync(file);
  res.writeHead(200, {
    'Content-Type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': body.length,
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
    // Cross-origin isolation: what browsers require before they give a page SharedArrayBuffer,
    // so the training worker can split large products across Web Workers (enableWebThreads).
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/**
 * Starts the static server. Rejects with a UsageError when the app is not built or the port is taken.
 * @example const { url, close } = await startPlaygroundServer({ port: 0 }); console.log(url); await close();
 */
export async function startPlaygroundServer(options: PlaygroundServerOptions = {}): Promise<PlaygroundServer> {
  for (const k of Object.keys(options)) {
    if (!['port', 'host', 'root'].includes(k)) throw new UsageError(`startPlaygroundServer: unknown option '${k}' (known: port, host, root)`);
  }
  const root = options.root ?? defaultWebRoot();
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8080;
  if (!existsSync(join(root, 'index.html'))) {
    throw new UsageError(`playground: the web app is not built (${join(root, 'index.html')} is missing); run 'npm run build' first`);
  }
  const server = createServer((req, res) => {
    try {
      handle(root, req, res);
    } catch (err) {
      if (!res.headersSent) send(res, 500, `internal error: ${(err as Error).message}\n`);
      else res.destroy();
    }
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') reject(new UsageError(`playground: port ${port} on ${host} is in use; pick another with --port N (0 = any free port)`));
      else if (err.code === 'EACCES') reject(new UsageError(`playground: no permission to listen on port ${port}; use a port above 1023 (--port 8080) or 0 for any free port`));
      else reject(err);
    });
    server.listen(port, host, () => resolveListen());
  });
  const address = server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${actual}/`,
    port: actual,
    server,
    close: () => new Promise<void>((done) => {
      server.closeAllConnections();
      server.close(() => done());
    }),
  };
}

interface PlaygroundCliOptions {
  port: string;
  host: string;
}

export function registerPlayground(program: Command): void {
  program
    .command('playground')
    .description('serve the browser playground (train and see a network) and print its URL; Ctrl-C stops it')
    .option('--port <n>', 'port to listen on (0 = any free port)', '8080')
    .option('--host <address>', 'interface to listen on', '127.0.0.1')
    .action(action(async (opts: PlaygroundCliOptions) => {
      const port = parseNumber('--port', opts.port, (n) => Number.isInteger(n) && n >= 0 && n <= 65535, 'a whole number from 0 to 65535');
      const running = await startPlaygroundServer({ port, host: opts.host });
      process.stdout.write(`backprop playground: ${running.url}\n(Ctrl-C stops it)\n`);
      // Closing the server leaves nothing in the event loop, so the process then ends with code 0.
      const stop = (): void => void running.close();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    }));
}
