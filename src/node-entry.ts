/**
 * What `import 'backprop-lab'` loads under Node (package.json's "node" export condition): the core,
 * after node-threads.js has enabled relaxed SIMD and the worker pool for large products, plus
 * `setThreads`. Browsers get index.js as is.
 */
import './node-threads.js';

export * from './index.js';
export { setThreads } from './tensor/kernels/wasm-threads.js';
