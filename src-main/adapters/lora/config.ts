/** LoRA's options (PEFT LoraConfig's subset we support), checked in one place. */
export interface LoraConfig {
  /** Rank of the update B·A. */
  r: number;
  /** Scaling numerator: the update is multiplied by alpha / r (alpha / sqrt(r) with rsLoRA). */
  alpha: number;
  /** Dropout on the LoRA branch's input while training. */
  dropout: number;
  /** Module names (suffix match) or one regular expression; default: the architecture's usual targets. */
  targets?: readonly string[] | string;
  /** Rank-stabilised scaling (Kalajdzievski 2023). */
  rslora: boolean;
}

export const loraScaling = (c: LoraConfig): number => (c.rslora ? c.alpha / Math.sqrt(c.r) : c.alpha / c.r);

export function checkLoraConfig(c: LoraConfig): void {
  if (!Number.isInteger(c.r) || c.r <= 0) throw new Error(`lora.r must be a positive integer, got ${c.r}`);
  if (!(c.alpha > 0)) throw new Error(`lora.alpha must be positive, got ${c.alpha}`);
  if (!(c.dropout >= 0 && c.dropout < 1)) throw new Error(`lora.dropout must be in [0, 1), got ${c.dropout}`);
}
