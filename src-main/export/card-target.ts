/**
 * What an export's model card tells a user outside the studio to load, and the base-model copy that makes it
 * true: a run on the bundled default model (`"default"`, a name only the studio knows) ships a copy of that model
 * in the export as `base-model/` (11 MB) and names it relatively; a run on a user's own folder names that folder
 * by its absolute path, which exists on the machine that exported it.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ExportFormat, ExportedFile } from '../../src-shared/export.ts';
import { SHIPPED_BASE_DIR } from '../../src-shared/model-card-load.ts';
import type { CardTarget } from '../../src-shared/model-card-load.ts';
import { modelCard } from '../../src-shared/model-card.ts';
import { STUDIO_ADAPTER_FILE } from '../node-shared/adapter-folder.ts';
import { DEFAULT_MODEL, resolveModelDir } from '../models/default-model.ts';
import { cardInput } from './run-source.ts';
import type { RunSource } from './run-source.ts';

export { SHIPPED_BASE_DIR };
/** The card's file name in every export. */
export const CARD_FILE = 'README.md';

/** Files of the default model folder that make it loadable (its training log stays behind). */
const BASE_FILES = /^(config\.json|model\.safetensors|tokenizer(_config)?\.json|README\.md)$/;
const IMAGE_TYPES = new Set(['vit', 'resnet']);

/** The labels and task recorded in the run's adapter folder (ours records them; a PEFT import does not). */
function adapterTask(adapterDir: string): { labels: string[]; task: string } {
  const file = path.join(adapterDir, STUDIO_ADAPTER_FILE);
  if (!fs.existsSync(file)) return { labels: [], task: 'classification' };
  const meta = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    config?: { labels?: unknown; task?: unknown };
  };
  const labels = Array.isArray(meta.config?.labels) ? meta.config.labels.map(String) : [];
  return { labels, task: String(meta.config?.task ?? 'classification') };
}

/** Whether an export of this format ships the base model (only adapter-only folders need one). */
export const shipsBase = (s: RunSource, format: ExportFormat): boolean =>
  s.model === DEFAULT_MODEL && (format === 'peft' || format === 'adapterhub');

/** What the card of a `format` export of this run loads. */
export function cardTarget(s: RunSource, format: ExportFormat): CardTarget {
  const { labels, task } = adapterTask(s.adapterDir);
  const shipped = shipsBase(s, format);
  const image = IMAGE_TYPES.has(s.base.architecture);
  return {
    format,
    baseLoad: shipped ? SHIPPED_BASE_DIR : path.resolve(resolveModelDir(s.model)),
    baseShipped: shipped,
    labels: task === 'classification' ? labels : [],
    autoClass:
      task !== 'classification'
        ? 'AutoModelForCausalLM'
        : image
          ? 'AutoModelForImageClassification'
          : 'AutoModelForSequenceClassification',
  };
}

/** The model card of a `format` export of this run. */
export const exportCard = (s: RunSource, format: ExportFormat): string =>
  modelCard({ ...cardInput(s), target: cardTarget(s, format) });

/**
 * Writes the card (README.md) into a folder export and, when the card names a shipped base, the base model's
 * files under `base-model/`; returns what it wrote, names relative to `outDir`.
 */
export function writeCardAndBase(s: RunSource, format: ExportFormat, outDir: string): ExportedFile[] {
  const written: ExportedFile[] = [];
  const card = exportCard(s, format);
  fs.writeFileSync(path.join(outDir, CARD_FILE), card);
  written.push({ name: CARD_FILE, bytes: Buffer.byteLength(card) });
  if (!shipsBase(s, format)) return written;
  return [...written, ...copyBaseModel(resolveModelDir(s.model), path.join(outDir, SHIPPED_BASE_DIR))];
}

/** Copies the files that make a model folder loadable into `dst`; names in the result start with its base name. */
export function copyBaseModel(src: string, dst: string): ExportedFile[] {
  const written: ExportedFile[] = [];
  fs.mkdirSync(dst, { recursive: true });
  for (const f of fs.readdirSync(src).sort()) {
    if (!BASE_FILES.test(f)) continue;
    fs.copyFileSync(path.join(src, f), path.join(dst, f));
    written.push({ name: `${path.basename(dst)}/${f}`, bytes: fs.statSync(path.join(dst, f)).size });
  }
  return written;
}
