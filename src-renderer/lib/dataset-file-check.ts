/** The checks main makes on an import, made before a large file is read into the page's memory. */
import type { DatasetLimits } from '../../src-shared/datasets.ts';
import { formatBytes } from './format.ts';

/** A message naming the file when main would refuse it, else null. */
export function checkDatasetFile(file: { name: string; size: number }, limits: DatasetLimits): string | null {
  const dot = file.name.lastIndexOf('.');
  const ext = dot < 0 ? '' : file.name.slice(dot).toLowerCase();
  if (!limits.extensions.includes(ext))
    return `${file.name}: unsupported file type "${ext || '(no extension)'}"; import ${limits.extensions.join(', ')}`;
  if (file.size > limits.maxBytes)
    return `${file.name} is ${formatBytes(file.size)}; the Datasets page imports files up to ${formatBytes(limits.maxBytes)} (train on a bigger file from the CLI with "dataset": {"path": ...})`;
  return null;
}
