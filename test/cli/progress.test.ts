/**
 * The training progress bar on a (fake) terminal: with early stopping it says where the run stops
 * instead of a time estimate to the maximum; a refit labels its metrics as training metrics; a note
 * (Ctrl-C's "stopping…") clears the bar's line before it is printed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TrainingProgress } from '../../src/cli/progress.js';
import type { EpochLogs } from '../../src/train/fit.js';

/** A stream that says it is a terminal and keeps everything written to it. */
function terminal(): { stream: NodeJS.WriteStream; text: () => string } {
  let out = '';
  const stream = {
    isTTY: true, columns: 160, rows: 40,
    write(s: string) { out += s; return true; },
    cursorTo(x: number) { out += `\x1b[${x + 1}G`; return true; },
    clearLine() { out += '\x1b[2K'; return true; },
    moveCursor() { return true; },
    on() { return stream; }, once() { return stream; }, removeListener() { return stream; }, off() { return stream; },
  };
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => out };
}

const epoch = (n: number, valLoss: number): EpochLogs => ({ epoch: n, loss: 0.5, accuracy: 0.8, valLoss, valAccuracy: 0.75, seconds: 0.1 } as EpochLogs);
/** What is on the bar's line after the last carriage return or erase. */
const lastBar = (s: string) => s.split(/\r|\x1b\[2K|\x1b\[1G/).filter((p) => p.includes('epoch')).pop() ?? '';

test('with early stopping the bar shows where the run stops, not a time estimate to the maximum', () => {
  const t = terminal();
  const p = new TrainingProgress({ mode: 'bar', epochs: 300, classify: true, patience: 20, stream: t.stream });
  p.start(4);
  assert.match(lastBar(t.text()), /early stopping: 20 epochs without a better val_loss/);
  p.epoch(epoch(1, 0.9));
  p.epoch(epoch(2, 0.7));
  p.epoch(epoch(3, 0.8));
  p.stop();
  const bar = lastBar(t.text());
  assert.match(bar, /epoch 3\/300/);
  assert.match(bar, /best epoch 2; stops at epoch 22 unless val_loss improves/);
  assert.doesNotMatch(t.text(), /ETA/);
  assert.match(bar, /val_acc 0\.7500/);
});

test('without early stopping the bar keeps its time estimate', () => {
  const t = terminal();
  const p = new TrainingProgress({ mode: 'bar', epochs: 10, classify: false, stream: t.stream });
  p.start(2);
  p.epoch(epoch(1, 0.9));
  p.stop();
  assert.match(lastBar(t.text()), /ETA/);
  assert.match(lastBar(t.text()), /val_loss 0\.9000/);
});

test('a refit (no validation rows) labels its accuracy as training accuracy', () => {
  const t = terminal();
  const p = new TrainingProgress({ mode: 'bar', epochs: 5, classify: true, label: 'refit ', validation: false, stream: t.stream });
  p.start(2);
  p.epoch({ epoch: 1, loss: 0.4, accuracy: 0.9, seconds: 0.1 } as EpochLogs);
  p.stop();
  const bar = lastBar(t.text());
  assert.match(bar, /^refit epoch 1\/5/);
  assert.match(bar, / acc 0\.9000/);
  assert.doesNotMatch(t.text(), /val_acc/);
});

test('a note clears the bar line before it is printed (no half-overwritten bar)', () => {
  const t = terminal();
  const p = new TrainingProgress({ mode: 'bar', epochs: 5, classify: true, patience: 3, stream: t.stream });
  p.start(2);
  p.batch({ epoch: 1, batch: 1, batches: 2, loss: 0.7 } as never);
  const before = t.text().length;
  p.note('backprop: stopping after this batch');
  const written = t.text().slice(before);
  assert.equal(written, '\r\x1b[2Kbackprop: stopping after this batch\n');
  p.abandon();
  assert.ok(t.text().endsWith('\r\x1b[2K\x1b[?25h'), 'the line is cleared and the cursor shown again');
  p.stop();
});
