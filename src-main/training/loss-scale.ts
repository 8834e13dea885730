/**
 * A run's precision and, with mixed precision, its dynamic loss scale. Mixed precision rounds every product's
 * operands to f16 (engine/webgpu/mixed-precision.ts), whose smallest values are ~6e-8: a step's small gradients
 * would round to zero. So the loss is multiplied by a scale before the backward pass and the gradients divided by it
 * after, as torch.amp.GradScaler does with the same defaults: start at 2^16; a step whose gradients overflowed
 * (not finite) changes no weight and halves the scale; 2,000 finite steps in a row double it. Skipped steps are
 * written to the run log.
 */
import {
  mixedPrecisionUnavailable,
  mixedPrecisionWhere,
  setMixedPrecision,
} from '../engine/webgpu/mixed-precision.ts';

export const LOSS_SCALE = { initial: 2 ** 16, growth: 2, backoff: 0.5, interval: 2000 } as const;
/** Skipped steps written to the run log one by one; later ones are only counted (in the closing line). */
const LOGGED_SKIPS = 20;

export class LossScaler {
  scale: number;
  skipped = 0;
  #good = 0;

  constructor(
    private readonly log: (message: string) => void,
    initial: number = LOSS_SCALE.initial,
  ) {
    this.scale = initial;
  }

  /**
   * Records step `step`, made with loss scale `used`, whose gradients were finite or not; returns false when the
   * step was skipped. Steps are pipelined on a GPU, so the step after an overflow may have used the old scale too:
   * each overflow halves the scale that step used, not the current one twice.
   */
  record(step: number, used: number, finite: boolean): boolean {
    if (finite) {
      if (++this.#good >= LOSS_SCALE.interval) {
        this.scale *= LOSS_SCALE.growth;
        this.#good = 0;
      }
      return true;
    }
    this.#good = 0;
    this.skipped++;
    this.scale = Math.min(this.scale, used * LOSS_SCALE.backoff);
    if (this.skipped <= LOGGED_SKIPS)
      this.log(
        `step ${step} skipped: its gradients overflowed f16 at loss scale ${used}; loss scale now ${this.scale}` +
          (this.skipped === LOGGED_SKIPS ? ' (further skipped steps are only counted)' : ''),
      );
    return false;
  }

  /** Whether the scale has fallen so far that overflow is not the scale's doing (the run diverged). */
  exhausted(): boolean {
    return this.scale < 1;
  }

  summary(): string {
    return `mixed precision: ${this.skipped} step${this.skipped === 1 ? '' : 's'} skipped for f16 overflow; loss scale at the end ${this.scale}`;
  }
}

/**
 * Turns the run's precision on: for 'mixed', f16 products and a loss scaler, or, where they cannot run (not webgpu,
 * no shader-f16), fp32 with the reason in the run log. Returns the scaler, or null for an fp32 run.
 */
export function startPrecision(
  precision: 'fp32' | 'mixed',
  log: (message: string) => void,
): LossScaler | null {
  if (precision !== 'mixed') return null;
  const why = mixedPrecisionUnavailable();
  if (why) {
    log(`mixed precision asked for, but ${why}: this run trains in fp32`);
    return null;
  }
  setMixedPrecision(true);
  // STUDIO_LOSS_SCALE sets the first scale (torch's init_scale), e.g. for a model whose gradients are tiny.
  const initial =
    Number(process.env.STUDIO_LOSS_SCALE) > 0 ? Number(process.env.STUDIO_LOSS_SCALE) : LOSS_SCALE.initial;
  log(
    `mixed precision: products' operands in f16 with f32 sums ${mixedPrecisionWhere()}; weights, optimizer ` +
      `state and every other op in f32; loss scale from ${initial}`,
  );
  return new LossScaler(log, initial);
}

/** Turns mixed precision off again at the run's end (the process may train another run). */
export function stopPrecision(scaler: LossScaler | null, log: (message: string) => void): void {
  if (!scaler) return;
  setMixedPrecision(false);
  log(scaler.summary());
}
