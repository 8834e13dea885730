/**
 * Export files read back the way transformers and PEFT read them, without Python: the weight names and shapes a
 * transformers class expects from its config, the adapter_config keys PEFT 0.21 needs, and the paths a model
 * card's Python snippet loads.
 */
import fs from 'node:fs';
import path from 'node:path';

/**
 * The state dict of transformers' BertForSequenceClassification for `config` (persistent tensors: the
 * position_ids buffer is not saved), name -> torch shape.
 */
export function bertForSequenceClassificationWeights(config: {
  vocab_size: number;
  hidden_size: number;
  num_hidden_layers: number;
  intermediate_size: number;
  max_position_embeddings: number;
  type_vocab_size: number;
  num_labels: number;
}): Map<string, number[]> {
  const h = config.hidden_size;
  const ff = config.intermediate_size;
  const w = new Map<string, number[]>([
    ['bert.embeddings.word_embeddings.weight', [config.vocab_size, h]],
    ['bert.embeddings.position_embeddings.weight', [config.max_position_embeddings, h]],
    ['bert.embeddings.token_type_embeddings.weight', [config.type_vocab_size, h]],
    ['bert.embeddings.LayerNorm.weight', [h]],
    ['bert.embeddings.LayerNorm.bias', [h]],
  ]);
  const linear = (name: string, out: number, inp: number) => {
    w.set(`${name}.weight`, [out, inp]);
    w.set(`${name}.bias`, [out]);
  };
  for (let i = 0; i < config.num_hidden_layers; i++) {
    const l = `bert.encoder.layer.${i}`;
    for (const p of ['query', 'key', 'value']) linear(`${l}.attention.self.${p}`, h, h);
    linear(`${l}.attention.output.dense`, h, h);
    linear(`${l}.intermediate.dense`, ff, h);
    linear(`${l}.output.dense`, h, ff);
    for (const ln of [`${l}.attention.output.LayerNorm`, `${l}.output.LayerNorm`]) {
      w.set(`${ln}.weight`, [h]);
      w.set(`${ln}.bias`, [h]);
    }
  }
  linear('bert.pooler.dense', h, h);
  linear('classifier', config.num_labels, h);
  return w;
}

/** transformers' PretrainedConfig: num_labels follows id2label when given. */
export function numLabelsOf(config: { id2label?: Record<string, string>; num_labels?: number }): number {
  return config.id2label ? Object.keys(config.id2label).length : (config.num_labels ?? 2);
}

/** The fenced code blocks of one language in a markdown text. */
export function codeBlocks(markdown: string, lang: string): string[] {
  const re = new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g');
  return [...markdown.matchAll(re)].map((m) => m[1] as string);
}

/**
 * Every path a Python snippet loads: the first string argument of `from_pretrained(...)`, the second of
 * `PeftModel.from_pretrained(base, ...)` and the argument of `load_adapter(...)`.
 */
export function loadedPaths(snippet: string): string[] {
  const out: string[] = [];
  for (const m of snippet.matchAll(/(\w+)\.from_pretrained\(([^)]*)\)/g)) {
    const args = m[2] as string;
    const strings = [...args.matchAll(/"([^"]*)"/g)].map((s) => s[1] as string);
    // PeftModel.from_pretrained(base, "dir"): the folder is the first string, after the model variable.
    if (strings[0] !== undefined) out.push(strings[0]);
  }
  for (const m of snippet.matchAll(/load_adapter\("([^"]*)"\)/g)) out.push(m[1] as string);
  return out;
}

/** A snippet's path as Python resolves it when run from `cwd`. */
export const resolveFrom = (cwd: string, p: string): string => (path.isAbsolute(p) ? p : path.join(cwd, p));

export const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, 'utf8')) as T;
