/**
 * The "How to load" section of a model card. Each export writes its card beside its files, so the snippets name
 * paths relative to the folder that holds the card ("." is that folder) and a base model that a user outside the
 * studio can load: a copy shipped in the export (`base-model/`, for the bundled default model) or the base
 * folder's absolute path (a model the user brought).
 */
import type { ExportFormat } from './export.ts';

/** Where an export's card sits and what its snippets load. */
export interface CardTarget {
  /** The export the card is written into (the Export page previews the bundle's card). */
  format: ExportFormat;
  /** What snippets pass to `from_pretrained` for the base model: a folder in the export or an absolute path. */
  baseLoad: string;
  /** True when `baseLoad` is a copy of the base shipped inside the export (relative to the card's folder). */
  baseShipped: boolean;
  /** Classification labels in class-index order; empty for other tasks. */
  labels: readonly string[];
  /** The transformers Auto class for the run's task, e.g. AutoModelForSequenceClassification. */
  autoClass: string;
}

/** The folder, inside an export, that holds a copy of the base model when the base is the bundled default. */
export const SHIPPED_BASE_DIR = 'base-model';

/** A Python string literal (JSON strings are valid Python literals). */
const py = (s: string): string => JSON.stringify(s);

/** `num_labels=2, id2label={0: "neg", 1: "pos"}, label2id={"neg": 0, "pos": 1}` or '' when not classifying. */
function labelArgs(labels: readonly string[]): string {
  if (labels.length === 0) return '';
  const id2 = labels.map((l, i) => `${i}: ${py(l)}`).join(', ');
  const toId = labels.map((l, i) => `${py(l)}: ${i}`).join(', ');
  return `, num_labels=${labels.length}, id2label={${id2}}, label2id={${toId}}`;
}

function baseNote(t: CardTarget): string {
  return t.baseShipped
    ? `The base model travels in \`${t.baseLoad}/\` (a copy of the studio's bundled default model, float16 weights; \`dtype=torch.float32\` computes as the studio does).`
    : `The base model is the folder \`${t.baseLoad}\` (check its weights hash above if you copy it elsewhere).`;
}

function peftSnippet(t: CardTarget, adapterDir: string): string[] {
  return [
    '```python',
    'import torch',
    'from peft import PeftModel',
    `from transformers import ${t.autoClass}, AutoTokenizer`,
    `base = ${t.autoClass}.from_pretrained(${py(t.baseLoad)}, dtype=torch.float32${labelArgs(t.labels)})`,
    `model = PeftModel.from_pretrained(base, ${py(adapterDir)}).eval()`,
    `tokenizer = AutoTokenizer.from_pretrained(${py(t.baseLoad)})`,
    '```',
  ];
}

/** The snippets for the card of `t.format`, for a run trained with `method`. */
export function howToLoad(method: string, t: CardTarget): string[] {
  const here =
    'Run this from the folder that holds this README.md (or replace the relative paths with its path).';
  switch (t.format) {
    case 'merged':
      return [
        '### In transformers',
        '',
        `${here} The adapter is folded into the weights (float32); no PEFT needed.`,
        '',
        '```python',
        `from transformers import ${t.autoClass}, AutoTokenizer`,
        `model = ${t.autoClass}.from_pretrained(".").eval()`,
        'tokenizer = AutoTokenizer.from_pretrained(".")',
        '```',
        '',
        '### In Adapter Studio',
        '',
        '```sh',
        'studio predict --model THIS_FOLDER --inputs IN.safetensors --output OUT.safetensors',
        '```',
        '',
      ];
    case 'peft':
      return ['### In PEFT', '', `${here} ${baseNote(t)}`, '', ...peftSnippet(t, '.'), ''];
    case 'adapterhub':
      return [
        '### In AdapterHub (`adapters`)',
        '',
        `${here} ${baseNote(t)}`,
        '',
        '```python',
        'from adapters import AutoAdapterModel',
        `model = AutoAdapterModel.from_pretrained(${py(t.baseLoad)})`,
        '# loads the adapter and, for classification runs, its head',
        'name = model.load_adapter(".")',
        'model.set_active_adapters(name)',
        '```',
        '',
      ];
    case 'bundle': {
      const out = [
        '### In Adapter Studio',
        '',
        '```sh',
        'studio import --project MY_PROJECT this-bundle.zip',
        '```',
        '',
      ];
      if (method === 'lora' || method === 'ia3' || method === 'prompt')
        out.push(
          '### In PEFT',
          '',
          `Unzip the bundle and run this from the unzipped folder: \`adapter/\` holds PEFT files. ${baseNote(t)} \`studio export --format peft\` writes a folder that needs nothing else.`,
          '',
          ...peftSnippet(t, 'adapter'),
          '',
        );
      if (method === 'bottleneck')
        out.push(
          '### In AdapterHub (`adapters`)',
          '',
          'Export the AdapterHub folder (`studio export --format adapterhub --out ADAPTER_DIR`); its README.md says how to load it.',
          '',
        );
      return out;
    }
    case 'accelerate':
      // The Accelerate folder writes its own README (export/accelerate-files.ts), not a model card.
      return [
        '### Train it elsewhere',
        '',
        'Its README.md gives the `accelerate launch` commands; `studio import-run FOLDER` brings the result back.',
        '',
      ];
  }
}
