/**
 * An image dataset from a table (CSV, TSV or JSONL) of image paths and labels: each row names an image file, relative
 * to the table's folder, and its label, which may be a caption (caption-as-label: each distinct caption a class, as
 * the studio's generated captions.csv has them) or any concept column (shape, colour).
 */
import path from 'node:path';
import { readTable } from './columns.ts';
import { readBytes } from './decode.ts';
import { DatasetError } from './errors.ts';
import { hashFiles, sha256 } from './hash.ts';
import { decodeImageBytes, IMAGE_EXTENSIONS } from './images.ts';
import type { ImageItem } from './types.ts';

/** The rows of `file` as image items, read (for the hash) and optionally decoded, as an image folder's are. */
export function readImageTable(
  file: string,
  columns: { image: string; label?: string },
  checkImages: boolean,
): {
  items: ImageItem[];
  labels: string[];
  ignored: string[];
  files: { file: string; bytes: Buffer }[];
  hash: string;
} {
  const { table, bytes } = readTable(file);
  const list = table.columns.map((c) => `"${c}"`).join(', ');
  const label = columns.label ?? (table.columns.includes('label') ? 'label' : undefined);
  if (label === undefined) throw new DatasetError(file, `name the label column; columns are: ${list}`);
  for (const col of [columns.image, label])
    if (!table.columns.includes(col))
      throw new DatasetError(file, `column "${col}" not found; columns are: ${list}`);
  const dir = path.dirname(file);
  const items: ImageItem[] = [];
  const files: { file: string; bytes: Buffer }[] = [];
  for (const r of table.records) {
    const where = `${file}:${r.line}`;
    const rel = r.values[columns.image];
    const value = r.values[label];
    if (typeof rel !== 'string' || !rel.trim())
      throw new DatasetError(where, `no image path in "${columns.image}"`);
    if (value === undefined || value === null || String(value).trim() === '')
      throw new DatasetError(where, `no label in "${label}"`);
    const image = path.resolve(dir, rel.trim());
    if (!IMAGE_EXTENSIONS.includes(path.extname(image).toLowerCase()))
      throw new DatasetError(where, `${rel} is not a .png or .jpg image`);
    const data = readBytes(image);
    if (checkImages) decodeImageBytes(image, data);
    items.push({ file: image, label: String(value).trim() });
    files.push({ file: image, bytes: data });
  }
  if (items.length === 0) throw new DatasetError(file, 'has no rows');
  const labels = [...new Set(items.map((i) => i.label))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (labels.length < 2)
    throw new DatasetError(file, `an image dataset needs at least two labels (found ${labels.length})`);
  // The table's bytes are part of the identity: the same images relabelled are another dataset.
  return { items, labels, ignored: [], files, hash: sha256(`${hashFiles(dir, files)}\n${sha256(bytes)}`) };
}
