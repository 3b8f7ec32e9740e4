/** The subcommands, each in its own file; main.ts registers them in this order. */
import type { Command } from 'commander';

export type Register = (program: Command) => void;

export const commands: Register[] = [];
