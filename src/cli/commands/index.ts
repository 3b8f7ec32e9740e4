/** The subcommands, each in its own file; main.ts registers them in this order. */
import type { Command } from 'commander';
import { registerTrain } from './train.js';
import { registerEvaluate } from './evaluate.js';
import { registerPredict } from './predict.js';
import { registerExplain } from './explain.js';
import { registerGradcheck } from './gradcheck.js';
import { registerLandscape } from './landscape.js';
import { registerDemo } from './demo.js';
import { registerExport } from './export.js';
import { registerImport } from './import.js';
import { registerPlayground } from './playground.js';

export type Register = (program: Command) => void;

export const commands: Register[] = [];
commands.push(registerExplain);
commands.push(registerGradcheck);
commands.push(registerLandscape);
commands.push(registerDemo);
commands.push(registerPlayground);
commands.push(registerTrain, registerEvaluate, registerPredict);
commands.push(registerExport, registerImport);
