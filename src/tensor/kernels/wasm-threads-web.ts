/**
 * Threaded matrix products in a browser: the pool of thread-pool.ts on Web Workers. Needs
 * SharedArrayBuffer, which browsers give only to cross-origin-isolated pages (served with
 * `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy: require-corp`, as
 * `backprop playground` does); elsewhere it resolves null and one thread computes. Call it from a
 * worker (the playground's training worker does): a page's main thread may not block in
 * Atomics.wait, so there the caller spins while it waits for a band.
 */
import type { WasmKernels } from './wasm.js';
import { startedKernels, startPool, workerSource, type Spawn, type WasmThreadsOptions } from './thread-pool.js';

// The slice of the web platform used here (the core's TypeScript libs have no DOM or WebWorker).
interface WebWorker {
  postMessage(message: unknown): void;
  terminate(): void;
  onmessage: ((event: { data: { ready?: boolean } }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}
interface WebGlobals {
  crossOriginIsolated?: boolean;
  Worker?: new (url: string) => WebWorker;
  Blob?: new (parts: string[], options: { type: string }) => object;
  URL?: { createObjectURL(blob: object): string; revokeObjectURL(url: string): void };
  navigator?: { hardwareConcurrency?: number };
  WorkerGlobalScope?: unknown;
}
const web = globalThis as unknown as WebGlobals;

const SOURCE = workerSource(`
const report = (m) => postMessage(m);
onmessage = (e) => { onmessage = null; main(e.data); };
`);

const spawnWeb: Spawn = (data) => {
  const url = web.URL!.createObjectURL(new web.Blob!([SOURCE], { type: 'text/javascript' }));
  const worker = new web.Worker!(url);
  const report = new Promise<boolean>((resolve) => {
    worker.onmessage = (e) => { worker.onmessage = null; web.URL!.revokeObjectURL(url); resolve(e.data.ready === true); };
    worker.onerror = () => resolve(false);
  });
  worker.postMessage(data);
  return { report, terminate: () => worker.terminate() };
};

/**
 * Starts Web Workers sharing one wasm memory for large matrix products (the 'wasm-threads'
 * backend, made active unless setBackend() chose one). Resolves the kernels once the workers are
 * up, or null where the page is not cross-origin isolated or has no workers.
 * @example if (await enableWebThreads()) console.log(backendInfo().threads) // 2 on a 2-core machine
 */
export async function enableWebThreads(options: WasmThreadsOptions = {}): Promise<WasmKernels | null> {
  if (web.crossOriginIsolated !== true || !web.Worker || !web.Blob || !web.URL) return null;
  const cores = web.navigator?.hardwareConcurrency ?? 1;
  const inWorker = web.WorkerGlobalScope !== undefined;
  return startedKernels(startPool(options, 'enableWebThreads', spawnWeb, cores, inWorker),
    'enableWebThreads: no worker could start the kernels (a Content-Security-Policy without worker-src blob:?); threads are off');
}
