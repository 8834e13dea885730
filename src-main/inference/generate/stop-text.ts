/**
 * The text of a generation as it grows token by token: decoded from all ids so far (a token may complete a
 * character another began), cut before the first stop sequence, and streamed in pieces that never need taking
 * back: a trailing incomplete character, or a tail that may be the start of a stop sequence, waits for the next
 * token.
 */
export class StopText {
  #shown = 0;
  #text = '';
  #stopped = false;

  constructor(
    private readonly decodeIds: (ids: readonly number[]) => string,
    private readonly stops: readonly string[],
  ) {}

  /** The text so far (cut before a stop sequence once one appeared). */
  get text(): string {
    return this.#text;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Takes every id generated so far; returns the new piece to show (possibly empty). */
  update(ids: readonly number[]): string {
    let text = this.decodeIds(ids);
    const hits = this.stops.map((s) => (s ? text.indexOf(s) : -1)).filter((i) => i >= 0);
    if (hits.length > 0) {
      text = text.slice(0, Math.min(...hits));
      this.#stopped = true;
    }
    this.#text = text;
    const safe = this.#stopped ? text.length : this.#safeLength(text);
    if (safe <= this.#shown) return '';
    const piece = text.slice(this.#shown, safe);
    this.#shown = safe;
    return piece;
  }

  /** Whatever was held back, at the end of generation. */
  flush(): string {
    const piece = this.#text.slice(this.#shown);
    this.#shown = this.#text.length;
    return piece;
  }

  /** How much of `text` can be shown without being taken back by a later token. */
  #safeLength(text: string): number {
    let end = text.length;
    // A byte-level tokenizer decodes half a character as U+FFFD until the rest of its bytes arrive.
    while (end > this.#shown && text[end - 1] === '\uFFFD') end--;
    // The longest tail that begins some stop sequence.
    let held = 0;
    for (const s of this.stops) {
      for (let k = Math.min(s.length - 1, end); k > held; k--) {
        if (text.slice(end - k, end) === s.slice(0, k)) {
          held = k;
          break;
        }
      }
    }
    return end - held;
  }
}
