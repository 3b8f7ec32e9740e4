/**
 * Training progress on stderr (stdout stays free for --json): on a terminal a live cli-progress bar
 * (epoch, batch, loss, validation metric, time left); elsewhere (a pipe, a log file, CI) one plain
 * line per epoch, or every N epochs when there are many, so logs stay short; nothing with --quiet.
 */
import cliProgress from 'cli-progress';
import type { BatchLogs, EpochLogs } from '../train/fit.js';

export type ProgressMode = 'bar' | 'lines' | 'quiet';

export interface ProgressOptions {
  mode: ProgressMode;
  /** Maximum epochs (the bar's length; early stopping may end sooner). */
  epochs: number;
  /** Show accuracy columns (classification). */
  classify: boolean;
  /** Lines mode: print every this many epochs (default: so that about 15 lines cover the run). */
  every?: number;
  stream?: NodeJS.WriteStream;
  /** Put before each line and the bar, e.g. 'refit '. */
  label?: string;
}

/** 'bar' on a terminal, 'lines' otherwise, 'quiet' when asked. @example progressMode(false, process.stderr) */
export function progressMode(quiet: boolean, stream: NodeJS.WriteStream = process.stderr): ProgressMode {
  if (quiet) return 'quiet';
  return stream.isTTY && process.env.TERM !== 'dumb' ? 'bar' : 'lines';
}

function num(x: number | undefined, digits = 4): string {
  if (x === undefined || !Number.isFinite(x)) return '-';
  return Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(2) : x.toFixed(digits);
}

/**
 * Formats one epoch as a log line.
 * @example epochLine({ epoch: 3, loss: 0.41, valLoss: 0.45, valAccuracy: 0.87, … }, 200, true)
 * // 'epoch 3/200  loss 0.4100  val_loss 0.4500  val_acc 0.8700  0.2s'
 */
export function epochLine(e: EpochLogs, epochs: number, classify: boolean): string {
  const parts = [`epoch ${e.epoch}/${epochs}`, `loss ${num(e.loss)}`];
  if (classify && e.accuracy !== undefined) parts.push(`acc ${num(e.accuracy)}`);
  if (e.valLoss !== undefined) parts.push(`val_loss ${num(e.valLoss)}`);
  if (classify && e.valAccuracy !== undefined) parts.push(`val_acc ${num(e.valAccuracy)}`);
  parts.push(`${e.seconds.toFixed(1)}s`);
  return parts.join('  ');
}

/** Receives fit's batch and epoch logs and shows them the chosen way. */
export class TrainingProgress {
  private bar: cliProgress.SingleBar | null = null;
  private batches = 1;
  private lastEpoch: EpochLogs | null = null;
  private lastPrinted = 0;
  private lastPrintTime = Date.now();
  private readonly stream: NodeJS.WriteStream;
  private readonly every: number;

  constructor(private readonly o: ProgressOptions) {
    this.stream = o.stream ?? process.stderr;
    this.every = o.every ?? Math.max(1, Math.ceil(o.epochs / 15));
  }

  /** Call once the number of batches per epoch is known. */
  start(batches: number): void {
    this.batches = Math.max(1, batches);
    if (this.o.mode !== 'bar') return;
    const val = this.o.classify ? 'val_acc {val}' : 'val_loss {val}';
    this.bar = new cliProgress.SingleBar(
      {
        format: `${this.o.label ?? ''}epoch {epoch}/${this.o.epochs} {bar} batch {batch}/{batches}  loss {loss}  ${val}  ETA {eta_formatted}`,
        stream: this.stream,
        hideCursor: true,
        barsize: 24,
        etaBuffer: 200,
        fps: 10,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(this.o.epochs * this.batches, 0, { epoch: 1, batch: 0, batches: this.batches, loss: '-', val: '-' });
  }

  batch(b: BatchLogs): void {
    if (!this.bar) return;
    this.bar.update((b.epoch - 1) * this.batches + b.batch, { epoch: b.epoch, batch: b.batch, loss: num(b.loss) });
  }

  epoch(e: EpochLogs): void {
    this.lastEpoch = e;
    if (this.bar) {
      const val = this.o.classify ? e.valAccuracy ?? e.accuracy : e.valLoss ?? e.loss;
      this.bar.update(e.epoch * this.batches, { epoch: e.epoch, batch: this.batches, loss: num(e.loss), val: num(val) });
      return;
    }
    if (this.o.mode !== 'lines') return;
    const due = e.epoch === 1 || e.epoch % this.every === 0 || e.epoch === this.o.epochs || Date.now() - this.lastPrintTime > 10_000;
    if (due) this.print(e);
  }

  private print(e: EpochLogs): void {
    this.stream.write(`${this.o.label ?? ''}${epochLine(e, this.o.epochs, this.o.classify)}\n`);
    this.lastPrinted = e.epoch;
    this.lastPrintTime = Date.now();
  }

  /** A message that must not be drawn over by the bar (e.g. "stopping…"). */
  note(line: string): void {
    if (this.o.mode === 'quiet') return;
    if (this.bar) this.stream.write('\n');
    this.stream.write(`${line}\n`);
  }

  /** Ends the bar; in lines mode prints the last epoch if it was skipped. */
  stop(): void {
    if (this.bar) {
      this.bar.stop();
      this.bar = null;
      return;
    }
    if (this.o.mode === 'lines' && this.lastEpoch && this.lastPrinted !== this.lastEpoch.epoch) this.print(this.lastEpoch);
  }
}
