/**
 * How many ids of each text survive `longest_first` truncation to `target` ids (special tokens excluded): the
 * rule of the Rust tokenizers library (utils/truncation.rs), which transformers' fast tokenizers use. The shorter
 * text is kept whole when it fits in half; otherwise both get half, the odd id going to the longer text (to the
 * second on a tie). The lengths are the ones the library compares: see pairLengths for how 0.23 caps them.
 */
export function longestFirst(lenA: number, lenB: number, target: number): [number, number] {
  if (lenA + lenB <= target) return [lenA, lenB];
  const swap = lenA > lenB;
  let n1 = Math.min(lenA, lenB);
  let n2 = n1 > target ? n1 : Math.max(n1, target - n1);
  if (n1 + n2 > target) {
    n1 = Math.floor(target / 2);
    n2 = n1 + (target % 2);
  }
  const [keepA, keepB] = swap ? [n2, n1] : [n1, n2];
  return [Math.min(lenA, keepA), Math.min(lenB, keepB)];
}
