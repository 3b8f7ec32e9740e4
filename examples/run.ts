/**
 * Shared by the examples: run main() when the file is executed directly (not when a test imports
 * it), print its report, and exit non-zero when the example missed its own target.
 */
import { pathToFileURL } from 'node:url';

export interface ExampleResult {
  /** Lines to print. */
  report: string[];
  /** The checks the example makes on its own result: [what, passed]. */
  checks: [string, boolean][];
}

export function runIfMain(url: string, main: () => ExampleResult): void {
  if (process.argv[1] === undefined || url !== pathToFileURL(process.argv[1]).href) return;
  const { report, checks } = main();
  for (const line of report) console.log(line);
  const failed = checks.filter(([, ok]) => !ok);
  for (const [what, ok] of checks) console.log(`${ok ? '✓' : '✗'} ${what}`);
  if (failed.length) process.exitCode = 1;
}

export const fmt = (x: number, digits = 4): string => x.toFixed(digits);
