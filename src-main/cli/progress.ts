/**
 * Training progress for the terminal: a redrawn bar on a TTY, plain lines otherwise (logs, CI, pipes), always on
 * stderr so stdout stays clean for the JSON summary.
 */
import type { TrainingProgress } from '../../src-shared/domain.ts';

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(sec).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export function progressLine(u: TrainingProgress): string {
  return (
    `step ${u.step}/${u.totalSteps} epoch ${u.epoch.toFixed(2)} loss ${u.loss.toFixed(4)} ` +
    `lr ${u.lr.toExponential(2)} ${u.throughput.toFixed(0)} tok/s eta ${formatDuration(u.etaSeconds)}`
  );
}

export function progressBar(u: TrainingProgress, width = 28): string {
  const frac = u.totalSteps > 0 ? Math.min(1, u.step / u.totalSteps) : 0;
  const filled = Math.round(frac * width);
  const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
  return `${bar} ${(frac * 100).toFixed(0).padStart(3)}% ${progressLine(u)}`;
}

/** Writes progress to a stream: redraws one line on a TTY, prints at most one line every `everyMs` otherwise. */
export class ProgressReporter {
  #last = 0;
  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly everyMs = 2000,
  ) {}

  update(u: TrainingProgress): void {
    if (this.out.isTTY) {
      this.out.write(`\r\x1b[2K${progressBar(u)}`);
      return;
    }
    const now = Date.now();
    if (now - this.#last < this.everyMs && u.step < u.totalSteps) return;
    this.#last = now;
    this.out.write(`${progressLine(u)}\n`);
  }

  /** Ends the bar's line before other output. */
  end(): void {
    if (this.out.isTTY) this.out.write('\n');
  }

  message(line: string): void {
    if (this.out.isTTY) this.out.write('\r\x1b[2K');
    this.out.write(`${line}\n`);
  }
}
