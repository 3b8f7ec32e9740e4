/**
 * Finding a Python that has PyTorch, for the tests that run the exported model.py and train.py:
 * Debian's /usr/bin/python3 (where .ci/run installs python3-torch), then python3 on PATH. The tests
 * that need it skip, with this reason, only when neither has torch.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const CANDIDATES = ['/usr/bin/python3', 'python3'];

function hasTorch(python: string): string | null {
  const r = spawnSync(python, ['-c', 'import torch, sys; print(torch.__version__)'], { encoding: 'utf8', timeout: 60_000 });
  return r.status === 0 ? r.stdout.trim() : null;
}

let found: { python: string; version: string } | null | undefined;

/** The first candidate Python with torch, and torch's version; null when none has it. */
export function torchPython(): { python: string; version: string } | null {
  if (found !== undefined) return found;
  found = null;
  for (const python of CANDIDATES) {
    const version = hasTorch(python);
    if (version) { found = { python, version }; break; }
  }
  return found;
}

/** node:test's skip option: false when torch is there, else the reason. */
export function skipWithoutTorch(): false | string {
  return torchPython() ? false : `no Python with PyTorch (tried ${CANDIDATES.join(', ')}); install it (Debian: apt-get install python3-torch, as .ci/run does)`;
}

/** The torchrun that belongs to that Python (beside it, or on PATH), else python -m torch.distributed.run (what torchrun runs). */
export function torchrunCommand(): string[] {
  const { python } = torchPython()!;
  const beside = python.includes('/') ? join(dirname(python), 'torchrun') : null;
  if (beside && existsSync(beside)) return [beside];
  if (spawnSync('torchrun', ['--help'], { encoding: 'utf8', timeout: 60_000 }).status === 0) return ['torchrun'];
  return [python, '-m', 'torch.distributed.run'];
}

/** Runs python with a script on stdin (or args) in `cwd`. */
export function runPython(args: string[], options: { cwd?: string; input?: string; timeout?: number } = {}): SpawnSyncReturns<string> {
  const { python } = torchPython()!;
  return spawnSync(python, args, { cwd: options.cwd, input: options.input, encoding: 'utf8', timeout: options.timeout ?? 300_000, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', OMP_NUM_THREADS: '1' } });
}
