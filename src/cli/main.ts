#!/usr/bin/env node
/**
 * The `backprop` command. Each subcommand lives in src/cli/commands/ and registers itself with
 * commander; this file only wires the global flags and error handling.
 */
import '../node-threads.js';
import { Command } from 'commander';
import '../index.js';
import { commands } from './commands/index.js';
import { totalmem } from 'node:os';
import { parseSize, reportError, setDebug } from './run.js';
import { packageInfo } from './package-info.js';
import { setMemoryLimit, formatBytes } from '../train/size.js';

// A closed pipe (`backprop predict m.json d.csv | head`) ends the command quietly: the reader has
// all it wanted. Errors writing to stderr are never worth a second error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  process.exitCode = reportError(err);
});
process.stderr.on('error', () => { /* nowhere left to report it */ });

export function buildProgram(): Command {
  const program = new Command('backprop');
  program
    .description('Build, train and understand neural networks trained by backpropagation.')
    .version(packageInfo().version, '-V, --version', 'print the version')
    .option('--debug', 'print stack traces on errors')
    .option('--max-memory <size>', `refuse networks whose training would need more memory than this, e.g. 16G (default: half this machine's memory, ${formatBytes(totalmem() / 2)})`)
    .showHelpAfterError('(run with --help for usage)')
    .hook('preAction', (cmd) => {
      setDebug(Boolean(cmd.opts().debug));
      const max = cmd.opts().maxMemory as string | undefined;
      setMemoryLimit(max === undefined ? totalmem() / 2 : parseSize('--max-memory', max), '--max-memory');
    });
  for (const register of commands) register(program);
  return program;
}

const program = buildProgram();
if (process.argv.includes('--debug')) setDebug(true);
program.parseAsync(process.argv).catch((err: Error) => {
  process.exitCode = reportError(err);
});
