/**
 * One library, one round: the parent (bench/run.ts) starts this in a fresh Node process with a
 * ChildConfig as its only argument. It runs the requested workloads in a fixed order and prints one
 * line `@@backprop-bench-result {json}`; anything else on stdout (tfjs's banner) is ignored.
 * A workload that throws is reported as an error, not fatal, so the other figures still count.
 */
import {
  PeerMissing, RESULT_MARKER, SIZES, seededRandom, sequenceData, setClock,
  type ChildConfig, type ChildReport, type FashionData, type LibName, type MatmulResult, type Runner, type WorkloadName,
} from './common.js';
import { loadFashion } from './data.js';

async function makeRunner(lib: LibName, build: string): Promise<Runner> {
  switch (lib) {
    case 'backprop': return (await import('./libs/backprop.js')).backpropRunner(build);
    case 'backprop-module': return (await import('./libs/backprop-module.js')).backpropModuleRunner(build);
    case 'tfjs-wasm': return (await import('./libs/tfjs.js')).tfjsRunner('wasm');
    case 'tfjs-cpu': return (await import('./libs/tfjs.js')).tfjsRunner('cpu');
    case 'jaxjs': return (await import('./libs/jaxjs.js')).jaxjsRunner();
    case 'pytorch-1': return (await import('./libs/pytorch.js')).pytorchRunner('one');
    case 'pytorch': return (await import('./libs/pytorch.js')).pytorchRunner('all');
    case 'brain': return (await import('./libs/brain.js')).brainRunner();
    case 'synaptic': return (await import('./libs/synaptic.js')).synapticRunner();
  }
}

function oneLine(e: unknown): string {
  const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return msg.split('\n')[0];
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2]) as ChildConfig;
  // brain.js and synaptic initialise (and tfjs shuffles) with Math.random: seed it so runs repeat.
  Math.random = seededRandom(config.seed);
  setClock(config.clock);
  const sizes = SIZES[config.mode];
  const report: ChildReport = { lib: config.label, detail: config.label, results: {}, unsupported: {}, errors: {} };
  const emit = () => process.stdout.write(`\n${RESULT_MARKER}${JSON.stringify(report)}\n`);
  let runner: Runner;
  try {
    runner = await makeRunner(config.lib, config.build);
    report.detail = runner.detail();
  } catch (e) {
    // A peer that is not installed here is reported as missing (a note), not as a failure.
    if (e instanceof PeerMissing) report.missing = oneLine(e.message);
    else for (const w of config.workloads) report.errors[w] = oneLine(e);
    emit();
    return;
  }
  let data: FashionData | null = null;
  for (const w of config.workloads as WorkloadName[]) {
    const fn = runner[w];
    if (!fn) {
      report.unsupported[w] = `${config.label} has no ${w} workload`;
      continue;
    }
    try {
      switch (w) {
        case 'xor': report.results.xor = await runner.xor!(sizes, config.seed); break;
        case 'fashion':
          data ??= await loadFashion(config.build, config.fashionDir, sizes.fashionTrain, sizes.fashionTest, config.seed);
          report.results.fashion = await runner.fashion!(sizes, data, config.seed);
          break;
        case 'cnn': {
          // Its own subset (smaller than the MLP's in quick mode: the peers take minutes per epoch).
          const cnnData = await loadFashion(config.build, config.fashionDir, sizes.cnnTrain, sizes.cnnTest, config.seed);
          report.results.cnn = await runner.cnn!(sizes, cnnData, config.seed);
          break;
        }
        case 'matmul': {
          // Smallest first; a size that fails ends the workload, keeping the figures before it.
          const results: MatmulResult[] = [];
          report.results.matmul = results;
          for (const n of sizes.matmulSizes) {
            try {
              results.push(await runner.matmul!(sizes, n));
            } catch (e) {
              throw new Error(`${n}³: ${oneLine(e)}`);
            }
          }
          break;
        }
        case 'elementwise': report.results.elementwise = await runner.elementwise!(sizes); break;
        case 'adam': report.results.adam = await runner.adam!(sizes); break;
        case 'memory':
          // Only the images it trains on, and the full set dropped, so that the bytes in use are the training's.
          data = null;
          report.results.memory = await runner.memory!(sizes, await loadFashion(config.build, config.fashionDir, sizes.memorySamples, 1, config.seed), config.seed);
          break;
        case 'lstm': report.results.lstm = await runner.lstm!(sizes, sequenceData(sizes.lstmTrain, sizes.lstmTest, config.seed), config.seed); break;
      }
    } catch (e) {
      report.errors[w] = oneLine(e);
      if (process.env.BENCH_DEBUG) console.error(e);
    }
  }
  emit();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
