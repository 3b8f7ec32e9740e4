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
  /**
   * Early stopping's patience: the run may end long before `epochs`, so the bar shows the epoch it
   * stops at if the validation loss does not improve, instead of a time estimate to `epochs`.
   */
  patience?: number;
  /** Whether the epochs have validation metrics (default true); false (a refit) labels them as training metrics. */
  validation?: boolean;
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
  private best = { loss: Infinity, epoch: 0 };

  constructor(private readonly o: ProgressOptions) {
    this.stream = o.stream ?? process.stderr;
    this.every = o.every ?? Math.max(1, Math.ceil(o.epochs / 15));
  }

  /** Call once the number of batches per epoch is known. */
  start(batches: number): void {
    this.batches = Math.max(1, batches);
    if (this.o.mode !== 'bar') return;
    const metric = this.o.validation === false ? (this.o.classify ? '  acc {val}' : '') : this.o.classify ? '  val_acc {val}' : '  val_loss {val}';
    // With early stopping the end is not the maximum: say when it stops unless the loss improves.
    const end = this.o.patience !== undefined ? '  {stop}' : '  ETA {eta_formatted}';
    this.bar = new cliProgress.SingleBar(
      {
        format: `${this.o.label ?? ''}epoch {epoch}/${this.o.epochs} {bar} batch {batch}/{batches}  loss {loss}${metric}${end}`,
        stream: this.stream,
        hideCursor: true,
        barsize: 24,
        etaBuffer: 200,
        fps: 10,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(this.o.epochs * this.batches, 0, { epoch: 1, batch: 0, batches: this.batches, loss: '-', val: '-', stop: this.stopText() });
  }

  /** Where early stopping ends the run if the monitored loss does not improve again. */
  private stopText(): string {
    const p = this.o.patience;
    if (p === undefined) return '';
    if (this.best.epoch === 0) return `early stopping: ${p} epochs without a better val_loss`;
    const at = Math.min(this.o.epochs, this.best.epoch + p);
    return `best epoch ${this.best.epoch}; stops at epoch ${at} unless val_loss improves`;
  }

  batch(b: BatchLogs): void {
    if (!this.bar) return;
    this.bar.update((b.epoch - 1) * this.batches + b.batch, { epoch: b.epoch, batch: b.batch, loss: num(b.loss) });
  }

  epoch(e: EpochLogs): void {
    this.lastEpoch = e;
    const monitored = e.valLoss ?? e.loss;
    if (Number.isFinite(monitored) && monitored < this.best.loss) this.best = { loss: monitored, epoch: e.epoch };
    if (this.bar) {
      const val = this.o.classify ? (this.o.validation === false ? e.accuracy : e.valAccuracy ?? e.accuracy) : e.valLoss ?? e.loss;
      this.bar.update(e.epoch * this.batches, { epoch: e.epoch, batch: this.batches, loss: num(e.loss), val: num(val), stop: this.stopText() });
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

  /**
   * A message that must not be drawn over by the bar (e.g. "stopping…"): the bar's line is cleared
   * first (carriage return, erase line), so no half-overwritten bar is left; the bar redraws below.
   */
  note(line: string): void {
    if (this.o.mode === 'quiet') return;
    if (this.bar) this.stream.write('\r\x1b[2K');
    this.stream.write(`${line}\n`);
  }

  /** Before the process exits in the middle of a bar: clears its line and shows the cursor again. */
  abandon(): void {
    if (!this.bar) return;
    this.stream.write('\r\x1b[2K\x1b[?25h');
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
