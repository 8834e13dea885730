/**
 * The model card (README.md) of an exported run: what was trained, on what, with which method, how many
 * parameters, its metrics and how to load it. Pure, so the bundle export and the Export page's preview show the
 * same text.
 */
import { methodDefinition } from './methods.ts';
import { howToLoad } from './model-card-load.ts';
import type { CardTarget } from './model-card-load.ts';

export interface ModelCardInput {
  name: string;
  method: string;
  config: Record<string, unknown>;
  metrics: Record<string, number>;
  trainableParams: number | null;
  totalParams: number | null;
  baseModel: { architecture: string; contentHash: string | null; pathHint: string };
  /** Dataset name and content hash, when the run's dataset is recorded. */
  dataset?: { name: string; contentHash: string } | null;
  finishedAt: string | null;
  /** The export the card goes into and what its snippets load; without it, a bundle's card loading the base by its path hint. */
  target?: CardTarget;
}

const METRIC_LABELS: Record<string, string> = {
  accuracy: 'Accuracy',
  macroF1: 'Macro F1',
  loss: 'Loss',
  perplexity: 'Perplexity',
};

function datasetLine(config: Record<string, unknown>): string {
  const d = config.dataset as Record<string, unknown> | undefined;
  if (!d) return 'not recorded';
  if (typeof d.sample === 'string') return `built-in sample \`${d.sample}\``;
  if (typeof d.path === 'string') {
    const file = d.path.split(/[\\/]/).at(-1) ?? d.path;
    const cols = ['text', 'textPair', 'label']
      .filter((k) => typeof d[k] === 'string')
      .map((k) => `${k}: \`${String(d[k])}\``);
    return `\`${file}\`${cols.length ? ` (${cols.join(', ')})` : ''}`;
  }
  return 'not recorded';
}

/** "0.52%" with enough digits to tell tiny adapters apart. */
export function percentTrainable(trainable: number | null, total: number | null): string | null {
  if (trainable === null || total === null || total <= 0) return null;
  const p = (100 * trainable) / total;
  return `${p >= 1 ? p.toFixed(2) : p.toPrecision(2)}%`;
}

/** The model card as markdown. */
export function modelCard(c: ModelCardInput): string {
  const desc = methodDefinition(c.method)?.info;
  const { type: _t, ...options } = (c.config.method ?? {}) as Record<string, unknown>;
  const optionText = Object.entries(options)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ');
  const pct = percentTrainable(c.trainableParams, c.totalParams);
  const train = (c.config.train ?? {}) as Record<string, unknown>;
  const trainText = ['epochs', 'batchSize', 'lr', 'maxLength', 'seed']
    .filter((k) => train[k] !== undefined)
    .map((k) => `${k}=${JSON.stringify(train[k])}`)
    .join(', ');
  const metricRows = Object.entries(c.metrics)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `| ${METRIC_LABELS[k] ?? k} | ${Number.isFinite(v) ? v.toFixed(4) : String(v)} |`);
  const lines = [
    `# ${c.name}`,
    '',
    `Trained with Adapter Studio using **${desc?.label ?? c.method}**${c.finishedAt ? ` (finished ${c.finishedAt.slice(0, 10)})` : ''}.`,
    '',
    '## What was trained',
    '',
    `- **Method:** ${desc ? `${desc.label}: ${desc.trains}` : c.method}${optionText ? ` (${optionText})` : ''}`,
    `- **Base model:** ${c.baseModel.architecture} \`${c.baseModel.pathHint}\`${c.baseModel.contentHash ? `, weights sha256 \`${c.baseModel.contentHash}\`` : ''}`,
    `- **Dataset:** ${datasetLine(c.config)}${c.dataset ? `, content sha256 \`${c.dataset.contentHash}\`` : ''}`,
    `- **Trainable parameters:** ${
      c.trainableParams === null
        ? 'not recorded'
        : `${c.trainableParams.toLocaleString('en-US')}${c.totalParams !== null ? ` of ${c.totalParams.toLocaleString('en-US')}` : ''}${pct ? ` (${pct})` : ''}`
    }`,
    ...(trainText ? [`- **Training:** ${trainText}`] : []),
    '',
    '## Validation metrics',
    '',
    ...(metricRows.length
      ? ['| Metric | Value |', '| --- | --- |', ...metricRows]
      : ['No metrics recorded.']),
    '',
    '## How to load',
    '',
    ...howToLoad(
      c.method,
      c.target ?? {
        format: 'bundle',
        baseLoad: c.baseModel.pathHint,
        baseShipped: false,
        labels: [],
        autoClass: 'AutoModelForSequenceClassification',
      },
    ),
  ];
  return `${lines.join('\n').trimEnd()}\n`;
}
