import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * sha256 of a model folder's weights as adapters record their base (model.safetensors alone when present, else
 * every .safetensors in name order): the training worker writes it, export and import compare against it.
 */
export function modelContentHash(dir: string): string {
  const h = crypto.createHash('sha256');
  const single = path.join(dir, 'model.safetensors');
  if (fs.existsSync(single)) return h.update(fs.readFileSync(single)).digest('hex');
  for (const f of fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.safetensors'))
    .sort())
    h.update(fs.readFileSync(path.join(dir, f)));
  return h.digest('hex');
}
