/**
 * `backprop demo`: the guided tour through the articles' examples with the real numbers. On a
 * terminal it pauses between chapters (Enter goes on, q stops); piped or with --no-pause it runs
 * straight through. Its pictures go to a folder it names (default ./backprop-demo).
 */
import { mkdirSync } from 'node:fs';
import { writeFileAtomicSync } from '../../io/model-file.js';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { action, parseNumber, UsageError } from '../run.js';
import { demoChapters, demoPages } from '../../explain/demo.js';
import { wrapText } from '../../explain/format.js';
import { svgToPng } from '../png.js';

interface DemoCliOptions {
  out: string;
  pause?: boolean;
  chapter?: string;
  color?: boolean;
}

function ask(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  return new Promise((res) => rl.question(question, (answer) => { rl.close(); res(answer); }));
}

async function runDemo(o: DemoCliOptions): Promise<void> {
  const tty = Boolean(process.stdout.isTTY);
  const interactive = o.pause !== false && tty && Boolean(process.stdin.isTTY);
  const color = o.color !== false && tty && process.env.NO_COLOR === undefined;
  // On a terminal the text fits its width and each pause comes before the screen scrolls; piped, 80 columns.
  const width = tty && process.stdout.columns ? Math.max(60, process.stdout.columns) : 80;
  const rows = tty && process.stdout.rows ? Math.max(12, process.stdout.rows) : 40;
  const chapters = demoChapters({ color, width });
  let pick: number | null = null;
  if (o.chapter !== undefined) {
    pick = parseNumber('--chapter', o.chapter, (n) => Number.isInteger(n) && n >= 1 && n <= chapters.length, `a chapter number from 1 to ${chapters.length}`);
  }
  const dir = resolve(o.out);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new UsageError(`--out ${o.out}: cannot create the folder (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const bold = (s: string): string => (color ? `\x1b[1m${s}\x1b[0m` : s);
  // the introduction is part of the first screen
  let intro = [...wrapText(`${bold('backprop demo')}: backpropagation worked through the articles' examples, with the library's real numbers.`, width), `Pictures go to ${dir}`];
  const written: string[] = [];
  for (const [k, chapter] of chapters.entries()) {
    if (pick !== null && k + 1 !== pick) continue;
    const head = `Chapter ${k + 1} of ${chapters.length}: ${chapter.title}`;
    const { text, files } = chapter.run();
    const lines = [...intro, '', bold(head), '─'.repeat(head.length), ...text.split('\n')];
    intro = [];
    for (const f of files) {
      const path = join(dir, f.name);
      writeFileAtomicSync(path, /\.png$/i.test(f.name) ? await svgToPng(f.content) : f.content);
      written.push(path);
      lines.push(`  → ${path}: ${f.what}`);
    }
    // a page and the prompt under it fit the screen
    const pages = demoPages(lines, { rows: rows - 2, width });
    let quit = false;
    for (const [p, page] of pages.entries()) {
      process.stdout.write(`${page.join('\n')}\n`);
      if (!interactive) continue;
      const last = p === pages.length - 1;
      if (last && (pick !== null || k === chapters.length - 1)) break;
      const answer = await ask(last ? `[Enter: chapter ${k + 2} of ${chapters.length}; q: quit] ` : `[Enter: more of chapter ${k + 1} (${p + 1}/${pages.length}); q: quit] `);
      if (answer.trim().toLowerCase().startsWith('q')) { quit = true; break; }
    }
    if (quit) break;
  }
  process.stdout.write(`\n${wrapText(`Done. ${written.length} picture${written.length === 1 ? '' : 's'} in ${dir}. Next: backprop explain --help, backprop landscape --help, backprop gradcheck --help.`, width).join('\n')}\n`);
}

/** Registers `backprop demo`. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .summary('a guided tour: the articles\' examples worked with real numbers, pictures saved to a folder')
    .description(
      'Six chapters: the OR neuron and its loss landscape, the AND neuron with cross-entropy, the chain rule on ' +
        'g = x·y + z, the line y = 2x and its derivative, one step through a 2-2-2 network, and XOR needing a hidden ' +
        'layer. Pauses between chapters on a terminal (not when piped or with --no-pause).',
    )
    .option('--out <folder>', 'where the pictures go', 'backprop-demo')
    .option('--no-pause', 'run straight through without waiting for Enter')
    .option('--chapter <n>', 'run one chapter only')
    .option('--no-color', 'no colours, even on a terminal')
    .action(action((o: DemoCliOptions) => runDemo(o)));
}
