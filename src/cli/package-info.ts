/**
 * The installed package's own package.json, found by walking up from this file: the folder whose
 * package.json declares the `backprop` command (the npm name is backprop-lab; see README). Used for
 * `backprop --version` and to find the built playground.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from './run.js';

export interface PackageInfo {
  root: string;
  name: string;
  version: string;
}

let cached: PackageInfo | null = null;

/** @example packageInfo().version // '0.1.0' */
export function packageInfo(): PackageInfo {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        const json = JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string; version?: string; bin?: Record<string, string> };
        if (json.bin && typeof json.bin === 'object' && 'backprop' in json.bin && typeof json.version === 'string') {
          cached = { root: dir, name: json.name ?? 'backprop-lab', version: json.version };
          return cached;
        }
      } catch {
        // an unreadable package.json is not ours; keep walking up
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new UsageError('cannot find the package folder (a package.json with the backprop command) above the CLI');
    dir = up;
  }
}
