import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The content hash of a model folder's weights (sha256 over its *.safetensors files in name order, the rule the
 * base_models table uses), remembered per folder until a weights file changes size or modification time, so
 * the playground can key its loaded models by content without re-reading gigabytes on every request.
 */
export class ContentHashes {
  readonly #known = new Map<string, { stamp: string; hash: string }>();

  of(dir: string): string {
    const files = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.safetensors'))
      .sort();
    const stamp = files
      .map((f) => {
        const s = fs.statSync(path.join(dir, f));
        return `${f}:${s.size}:${s.mtimeMs}`;
      })
      .join('|');
    const known = this.#known.get(dir);
    if (known?.stamp === stamp) return known.hash;
    const h = crypto.createHash('sha256');
    for (const f of files) h.update(fs.readFileSync(path.join(dir, f)));
    const hash = h.digest('hex');
    this.#known.set(dir, { stamp, hash });
    return hash;
  }
}
