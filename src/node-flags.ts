/**
 * Node only, imported first by every Node entry point ('backprop-lab' under Node, 'backprop-lab/node', the
 * CLI and its training worker): turns on WebAssembly relaxed SIMD before the kernels compile, so
 * the faster fused-multiply-add build runs on Node 20 too (Node ≥ 22 has it on already; measured
 * on the Fashion-MNIST MLP epoch in the Speed issue: 50,600 vs 37,700 samples/s). The core's loader
 * still validates the build and falls back to plain SIMD where the runtime refuses it.
 * `BACKPROP_RELAXED_SIMD=0` leaves V8's flags alone.
 */
import { setFlagsFromString } from 'node:v8';

if (process.env.BACKPROP_RELAXED_SIMD !== '0' && Number(process.versions.node.split('.')[0]) < 22) {
  try {
    setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    // A runtime without the flag: plain SIMD it is.
  }
}
