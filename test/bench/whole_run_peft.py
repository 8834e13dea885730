"""The PyTorch + PEFT side of the whole-run comparison (issue #19; test/bench/whole-run.sh runs both sides).

The same work `studio train` does for a LoRA run on a shipped sample: load the model folder, read and tokenize
the sample, split a stratified validation share with a seed, train with AdamW (weight decay, linear schedule
with warm-up, gradient clipping), evaluate on the validation split at each epoch end, save the adapter. Timed
from the start of the process's work (imports excluded, as the studio's CLI start-up is excluded on its side)
to the saved adapter, GPU work finished. Usage:
  python3 test/bench/whole_run_peft.py --model models/studio-bert-small --sample resources/samples/moby-questions.jsonl.gz \
    --epochs 5 --batch-size 16 --lr 1e-3 --max-length 128 --out /tmp/peft-run
"""

import argparse
import gzip
import json
import random
import time

import torch
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForSequenceClassification, AutoTokenizer, get_linear_schedule_with_warmup

p = argparse.ArgumentParser()
p.add_argument("--model", required=True)
p.add_argument("--sample", required=True)
p.add_argument("--epochs", type=int, default=5)
p.add_argument("--batch-size", type=int, default=16)
p.add_argument("--lr", type=float, default=1e-3)
p.add_argument("--max-length", type=int, default=128)
p.add_argument("--r", type=int, default=8)
p.add_argument("--alpha", type=float, default=16)
p.add_argument("--validation-fraction", type=float, default=0.2)
p.add_argument("--out", default="/tmp/peft-whole-run")
p.add_argument("--seed", type=int, default=0)
a = p.parse_args()

dev = "cuda" if torch.cuda.is_available() else "cpu"
torch.backends.cuda.matmul.allow_tf32 = False  # fp32 products, as the studio's webgpu path computes them
torch.manual_seed(a.seed)
t0 = time.perf_counter()

rows = [json.loads(line) for line in gzip.open(a.sample, "rt") if line.strip()]
labels = sorted({r[1] for r in rows})
by_label = {label: [r for r in rows if r[1] == label] for label in labels}
rng = random.Random(a.seed)
train, val = [], []
for label, rs in by_label.items():  # stratified split, as the studio draws its validation share
    rs = rs[:]
    rng.shuffle(rs)
    k = round(len(rs) * a.validation_fraction)
    val += rs[:k]
    train += rs[k:]

tok = AutoTokenizer.from_pretrained(a.model)
model = AutoModelForSequenceClassification.from_pretrained(a.model, num_labels=len(labels), dtype=torch.float32)
model = get_peft_model(
    model, LoraConfig(r=a.r, lora_alpha=a.alpha, target_modules=["query", "value"], task_type="SEQ_CLS")
).to(dev)
lid = {label: i for i, label in enumerate(labels)}


def encode(batch):
    enc = tok([r[0] for r in batch], truncation=True, max_length=a.max_length, padding=True, return_tensors="pt")
    enc = {k: v.to(dev) for k, v in enc.items()}
    return enc, torch.tensor([lid[r[1]] for r in batch], device=dev)


steps_per_epoch = (len(train) + a.batch_size - 1) // a.batch_size
total = steps_per_epoch * a.epochs
params = [q for q in model.parameters() if q.requires_grad]
opt = torch.optim.AdamW(params, lr=a.lr, weight_decay=0.01)
sched = get_linear_schedule_with_warmup(opt, int(0.06 * total), total)
accs = []
for epoch in range(a.epochs):
    model.train()
    order = train[:]
    rng.shuffle(order)
    for i in range(0, len(order), a.batch_size):
        enc, y = encode(order[i : i + a.batch_size])
        loss = torch.nn.functional.cross_entropy(model(**enc).logits, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(val), 64):
            enc, y = encode(val[i : i + 64])
            correct += int((model(**enc).logits.argmax(-1) == y).sum())
    accs.append(correct / len(val))
model.save_pretrained(a.out)
if dev == "cuda":
    torch.cuda.synchronize()
secs = time.perf_counter() - t0
print(
    json.dumps(
        {
            "side": "pytorch+peft",
            "device": torch.cuda.get_device_name(0) if dev == "cuda" else "cpu",
            "seconds": round(secs, 2),
            "steps": total,
            "train": len(train),
            "validation": len(val),
            "accuracy_per_epoch": [round(x, 4) for x in accs],
        }
    )
)
