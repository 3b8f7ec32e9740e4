/**
 * What `import 'backprop-lab'` loads under Node (package.json's "node" export condition): the core,
 * after node-flags.js has enabled relaxed SIMD for the wasm kernels. Browsers get index.js as is.
 */
import './node-flags.js';

export * from './index.js';
