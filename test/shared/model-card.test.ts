import { describe, expect, it } from 'vitest';
import { EXPORT_FORMATS, unavailableReason } from '../../src-shared/export.ts';
import { methodDefinitions, methodTypes } from '../../src-shared/methods.ts';
import '../../src-main/adapters/schemas.ts';
import { modelCard, percentTrainable } from '../../src-shared/model-card.ts';
import type { ModelCardInput } from '../../src-shared/model-card.ts';
import { SHIPPED_BASE_DIR } from '../../src-shared/model-card-load.ts';
import type { CardTarget } from '../../src-shared/model-card-load.ts';

const input = (over: Partial<ModelCardInput> = {}): ModelCardInput => ({
  name: 'sentiment lora',
  method: 'lora',
  config: {
    model: 'default',
    dataset: { path: '/data/reviews.csv', text: 'review', label: 'stars' },
    method: { type: 'lora', r: 8, alpha: 16 },
    train: { epochs: 3, batchSize: 16, lr: 0.001 },
  },
  metrics: { accuracy: 0.91234, macroF1: 0.9, loss: 0.25 },
  trainableParams: 12_345,
  totalParams: 5_400_000,
  baseModel: { architecture: 'bert', contentHash: 'ab'.repeat(32), pathHint: 'default' },
  dataset: { name: 'reviews', contentHash: 'cd'.repeat(32) },
  finishedAt: '2026-11-29T01:00:00.000Z',
  ...over,
});

describe('modelCard', () => {
  it('says what was trained, on what, how much of the model, its metrics and how to load it', () => {
    const card = modelCard(input());
    expect(card.split('\n')[0]).toBe('# sentiment lora');
    expect(card).toContain('using **LoRA** (finished 2026-11-29)');
    expect(card).toContain('(r=8, alpha=16)');
    expect(card).toContain('bert `default`, weights sha256 `' + 'ab'.repeat(32) + '`');
    expect(card).toContain(
      '`reviews.csv` (text: `review`, label: `stars`), content sha256 `' + 'cd'.repeat(32),
    );
    // 12345 / 5.4M = 0.2286...%
    expect(card).toContain('12,345 of 5,400,000 (0.23%)');
    expect(card).toContain('| Accuracy | 0.9123 |');
    expect(card).toContain('| Macro F1 | 0.9000 |');
    expect(card).toContain('PeftModel.from_pretrained');
    expect(card).not.toContain('load_adapter');
    expect(card.endsWith('\n')).toBe(true);
  });

  it('shows the AdapterHub snippet for bottleneck adapters and says when nothing is recorded', () => {
    const card = modelCard(
      input({
        method: 'bottleneck',
        config: { method: { type: 'bottleneck' } },
        metrics: {},
        trainableParams: null,
        dataset: null,
      }),
    );
    expect(card).toContain('studio export --format adapterhub --out ADAPTER_DIR');
    expect(card).not.toContain('PeftModel');
    expect(card).toContain('No metrics recorded.');
    expect(card).toContain('**Trainable parameters:** not recorded');
    expect(card).toContain('**Dataset:** not recorded');
  });

  it('formats the trainable share with enough digits for tiny adapters', () => {
    expect(percentTrainable(1, 1_000_000)).toBe('0.00010%');
    expect(percentTrainable(25, 100)).toBe('25.00%');
    expect(percentTrainable(null, 100)).toBeNull();
    expect(percentTrainable(5, 0)).toBeNull();
  });
});

describe('unavailableReason', () => {
  it('allows every method a bundle and only the right methods the other formats', () => {
    // The first eight methods; a method added later declares its own capabilities (checked below).
    const first = ['bottleneck', 'lora', 'ia3', 'prompt', 'prefix', 'conv', 'full', 'head'];
    const allowed = Object.fromEntries(
      EXPORT_FORMATS.map((f) => [f, first.filter((m) => unavailableReason(m, f) === null)]),
    );
    expect(allowed).toEqual({
      peft: ['lora', 'ia3', 'prompt'],
      adapterhub: ['bottleneck'],
      merged: ['lora', 'ia3'],
      bundle: first,
      accelerate: ['bottleneck', 'lora', 'ia3', 'prompt'],
    });
    expect(unavailableReason('dora', 'accelerate')).toBeNull();
    expect(unavailableReason('conv', 'accelerate')).toMatch(/an Accelerate folder trains lora, dora, ia3/);
    expect(methodTypes()).toEqual(expect.arrayContaining(first));
    expect(unavailableReason('conv', 'peft')).toMatch(/PEFT has no Conv-Adapter: export a bundle/);
    expect(unavailableReason('full', 'merged')).toMatch(
      /cannot be merged into the weights \(only LoRA, .*IA3/,
    );
  });

  it('says a method merges exactly when the merged export accepts it (one capability for both)', () => {
    for (const d of methodDefinitions())
      expect([d.type, unavailableReason(d.type, 'merged') === null]).toEqual([d.type, d.capabilities.merges]);
  });
});

describe('modelCard for an export (its snippets load what the export holds)', () => {
  const target = (format: CardTarget['format'], baseShipped: boolean): CardTarget => ({
    format,
    baseLoad: baseShipped ? SHIPPED_BASE_DIR : '/models/mine',
    baseShipped,
    labels: ['neg', 'pos'],
    autoClass: 'AutoModelForSequenceClassification',
  });

  it('peft: loads the shipped base with its labels in float32, then the adapter from the card folder', () => {
    const card = modelCard(input({ target: target('peft', true) }));
    expect(card).toContain(
      'base = AutoModelForSequenceClassification.from_pretrained("base-model", dtype=torch.float32, num_labels=2, id2label={0: "neg", 1: "pos"}, label2id={"neg": 0, "pos": 1})',
    );
    expect(card).toContain('model = PeftModel.from_pretrained(base, ".").eval()');
    expect(card).not.toContain('"default"');
  });

  it('merged: transformers alone, from the card folder; bundle: the base by its path and adapter/', () => {
    const merged = modelCard(input({ target: target('merged', false) }));
    expect(merged).toContain('model = AutoModelForSequenceClassification.from_pretrained(".").eval()');
    expect(merged).not.toContain('PeftModel');
    const bundle = modelCard(input({ target: target('bundle', false) }));
    expect(bundle).toContain('from_pretrained("/models/mine", dtype=torch.float32');
    expect(bundle).toContain('PeftModel.from_pretrained(base, "adapter")');
    expect(bundle).toContain('studio import --project MY_PROJECT this-bundle.zip');
  });
});
