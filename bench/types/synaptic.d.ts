/** The slice of synaptic 1.1.4's API the bench uses (the package ships no types). */
declare module 'synaptic' {
  export interface TrainingPair { input: number[]; output: number[] }
  export class Network {
    activate(input: number[]): number[];
    propagate(rate: number, target: number[]): void;
  }
  export namespace Architect {
    class Perceptron extends Network {
      constructor(...layerSizes: number[]);
    }
  }
  export type Cost = (target: number[], output: number[]) => number;
  export class Trainer {
    static cost: { MSE: Cost; CROSS_ENTROPY: Cost; BINARY: Cost };
    constructor(network: Network, options?: object);
    train(set: TrainingPair[], options?: { rate?: number; iterations?: number; error?: number; shuffle?: boolean; cost?: Cost; log?: number }): { error: number; iterations: number; time: number };
  }
}
