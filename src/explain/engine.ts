/**
 * The bridge from the explainer's plain numbers to the library's real machinery: the same network as
 * a float64 `Network`, and its loss computed exactly the way Network trains (fused sigmoid + bce and
 * softmax + crossEntropy on the logits). Gradient checks and tests use this to compare the hand
 * calculation and finite differences with the engine's autograd.
 */
import { Tensor, tensor } from '../tensor/tensor.js';
import { Network } from '../train/network.js';
import { normalizeTarget, resolveSpec, toNetworkSpec, type FullSpec, type NetworkLike, type Samples } from './netmath.js';
import type { LossName } from '../spec/index.js';

/** A float64 Network with exactly the spec's weights. @example engineNetwork(spec).forward(x) */
export function engineNetwork(s: FullSpec): Network {
  return new Network({ ...toNetworkSpec(s), dtype: 'float64' });
}

/** Inputs [n, features] and targets [n, outputs] (class indices made one-hot) as float64 tensors. */
export function sampleTensors(s: FullSpec, data: Samples): { x: Tensor; y: Tensor } {
  const x = tensor(data.inputs.map((r) => [...r]), { dtype: 'float64' });
  const y = tensor(data.targets.map((t, r) => normalizeTarget(s, t, `target of row ${r + 1}`)), { dtype: 'float64' });
  return { x, y };
}

/**
 * The batch loss as an engine tensor (with its graph), computed as Network.learn computes it.
 * @example const L = engineLoss(net, x, y); L.backward();
 */
export function engineLoss(net: Network, x: Tensor, y: Tensor): Tensor {
  return net.trainingLoss(x, y);
}

/**
 * The engine's gradient of the batch loss for every parameter, in listParams order (per layer:
 * weights row by row, then biases), and the loss.
 * @example engineGradient(spec, { inputs: [[0.5, -0.5]], targets: [[0.9, 0.1]] }).gradient
 */
export function engineGradient(network: NetworkLike, data: Samples, loss?: LossName): { loss: number; gradient: number[] } {
  const s = resolveSpec('engineGradient', network, loss);
  const net = engineNetwork(s);
  const { x, y } = sampleTensors(s, data);
  const L = engineLoss(net, x, y);
  L.backward();
  const gradient: number[] = [];
  for (const layer of net.layers) {
    gradient.push(...Array.from(layer.weight.grad?.data ?? new Float64Array(layer.weight.size)));
    if (layer.bias) gradient.push(...Array.from(layer.bias.grad?.data ?? new Float64Array(layer.bias.size)));
  }
  return { loss: L.item(), gradient };
}
