/**
 * Node only, imported by every Node entry point after the core: large matrix products use both
 * (all, at most 4) cores by default, through the shared-memory worker pool of
 * tensor/kernels/wasm-threads.ts. Workers start only when the first product large enough to gain
 * comes, and a band no worker has claimed is done by the caller, so a busy core never makes a step
 * slower than one thread. `BACKPROP_THREADS=1` (or `setThreads(1)`) keeps everything on one thread.
 */
import './node-flags.js';
import './index.js';
import { startDefaultThreads } from './tensor/kernels/wasm-threads.js';

startDefaultThreads();
