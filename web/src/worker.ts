/**
 * The training worker: receives the page's commands, runs a Trainer (web/src/trainer.ts) in time
 * slices so Pause and other messages get through between them, and posts snapshots back with their
 * typed arrays transferred. The page never freezes because all training happens here.
 */
import { enableWebThreads, initWasmBackend } from '../../src/index.js';
import { Pacer, speedOf, Trainer } from './trainer.js';
import type { FromWorker, ToWorker } from './protocol.js';

/** The slice of the worker global this file uses (the page's TypeScript lib is DOM, not WebWorker). */
interface WorkerScope {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
}
const scope = self as unknown as WorkerScope;

/** Time per training slice before a snapshot is sent and messages (Pause) are read. */
const SLICE_MS = 40;

/** The worker's one piece of state: the current trainer and whether it is running. */
class Session {
  private trainer: Trainer | null = null;
  private running = false;
  private seq = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private speed = speedOf(undefined);
  private pacer: Pacer | null = null;

  handle(msg: ToWorker): void {
    const t = this.trainer;
    try {
      switch (msg.type) {
        case 'reset':
          this.stop();
          this.trainer = new Trainer(msg.generation, msg.config);
          this.speed = speedOf(msg.config.speed);
          this.send(false);
          return;
        case 'train':
          this.seq = msg.seq;
          if (!t) return;
          if (this.running) { this.send(true); return; }
          this.running = true;
          this.pacer = new Pacer(this.speed, () => performance.now());
          this.loop();
          return;
        case 'pause':
          this.seq = msg.seq;
          this.stop();
          if (t) this.send(false);
          return;
        case 'step':
          this.seq = msg.seq;
          if (!t) return;
          this.stop();
          t.batchStep();
          this.send(false);
          return;
        case 'learningRate':
          if (t) t.learningRate = msg.value;
          return;
        case 'speed':
          this.speed = speedOf(msg.value);
          if (this.running) {
            this.pacer = new Pacer(this.speed, () => performance.now());
            if (this.timer !== null) clearTimeout(this.timer);
            this.loop();
          }
          return;
        case 'landscape': {
          if (!t) return;
          try {
            const result = t.landscape(msg.params, msg.size);
            scope.postMessage({ type: 'landscape', result }, [result.loss.buffer, result.path.buffer]);
          } catch (err) {
            // A picture that cannot be drawn must not stop training.
            scope.postMessage({ type: 'error', generation: t.generation, message: `loss landscape: ${(err as Error).message}` });
          }
          return;
        }
        case 'probe':
          if (t) scope.postMessage({ type: 'probe', generation: t.generation, id: msg.id, outputs: t.probe(msg.points) });
          return;
      }
    } catch (err) {
      this.stop();
      scope.postMessage({ type: 'error', generation: t?.generation ?? -1, message: (err as Error).message });
      if (t) this.send(false);
    }
  }

  private stop(): void {
    this.running = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private send(running: boolean): void {
    const { snapshot, transfer } = this.trainer!.snapshot(running, this.seq);
    scope.postMessage({ type: 'snapshot', snapshot }, transfer as Transferable[]);
  }

  /**
   * A slice of training, a snapshot, then a yield so Pause and other messages get through. At a paced
   * speed the slice is what the Pacer says is due (epochs, or single updates), then a wait until the next.
   */
  private loop(): void {
    if (!this.running || !this.trainer || !this.pacer) return;
    const t = this.trainer, pacer = this.pacer;
    try {
      if (this.speed.unit === 'max') t.trainFor(SLICE_MS);
      else {
        const t0 = performance.now();
        let n = pacer.due();
        let ran = 0;
        while (n > 0 && performance.now() - t0 < SLICE_MS) {
          if (this.speed.unit === 'update') t.batchStep();
          else if (t.position !== 0) { while (t.position !== 0) t.batchStep(); } // finish an epoch Step left part-done
          else t.epochStep();
          pacer.did(1);
          ran++;
          n--;
        }
        if (ran === 0) { this.timer = setTimeout(() => this.loop(), pacer.wait()); return; }
      }
      this.send(true);
      this.timer = setTimeout(() => this.loop(), this.speed.unit === 'max' ? 0 : pacer.wait());
    } catch (err) {
      this.stop();
      scope.postMessage({ type: 'error', generation: t.generation, message: (err as Error).message });
      this.send(false);
    }
  }
}

const session = new Session();
// The import already tried the wasm kernels synchronously (allowed in workers); this covers runtimes
// that refuse, and the first message waits for it. Served cross-origin isolated (backprop
// playground sends the headers), large products also use the other cores; elsewhere one thread.
const ready = initWasmBackend().then(() => enableWebThreads()).catch(() => null);
scope.onmessage = (event) => {
  void ready.then(() => session.handle(event.data));
};

