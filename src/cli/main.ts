#!/usr/bin/env node
/**
 * The `backprop` command. Each subcommand lives in src/cli/commands/ and registers itself with
 * commander; this file only wires the global flags and error handling.
 */
import '../node-flags.js';
import { Command } from 'commander';
import '../index.js';
import { commands } from './commands/index.js';
import { setDebug } from './run.js';
import { packageInfo } from './package-info.js';

export function buildProgram(): Command {
  const program = new Command('backprop');
  program
    .description('Build, train and understand neural networks trained by backpropagation.')
    .version(packageInfo().version, '-V, --version', 'print the version')
    .option('--debug', 'print stack traces on errors')
    .showHelpAfterError('(run with --help for usage)')
    .hook('preAction', (cmd) => setDebug(Boolean(cmd.opts().debug)));
  for (const register of commands) register(program);
  return program;
}

const program = buildProgram();
program.parseAsync(process.argv).catch((err: Error) => {
  process.stderr.write(`backprop: ${err.message}\n`);
  process.exitCode = 1;
});
