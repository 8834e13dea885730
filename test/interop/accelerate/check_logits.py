#!/usr/bin/env python3
"""Loads the adapter that train.py trained (FOLDER/output/adapter) outside the studio and writes its logits on the
first ROWS rows of the folder's validation split: a LoRA (any PEFT) adapter in PEFT, the way the studio's model
cards load a PEFT export; a bottleneck adapter with the folder's own studio_bottleneck.py. It writes
FOLDER/output/check-inputs.safetensors (the token ids transformers' tokenizer made: input_ids, attention_mask,
token_type_ids) and FOLDER/output/torch-logits.safetensors (`logits`, float32). Back in the studio,
import-and-compare.sh imports the run and runs `studio predict` on the same inputs; the logits must agree within 1e-4.

  python3 check_logits.py FOLDER [ROWS]      (ROWS: default 64)
"""
import json
import sys
from pathlib import Path

import torch
from peft import PeftModel
from safetensors.torch import save_file
from transformers import AutoModelForSequenceClassification, AutoTokenizer


def main():
    folder = Path(sys.argv[1]).resolve()
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 64
    cfg = json.loads((folder / "run_config.json").read_text())
    base = str((folder / cfg["baseModel"]["path"]).resolve())
    labels = cfg["labels"]
    model = AutoModelForSequenceClassification.from_pretrained(
        base,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
        dtype=torch.float32,
    )
    adapter = folder / "output" / "adapter"
    if cfg["method"]["type"] == "bottleneck":
        sys.path.insert(0, str(folder))
        import studio_bottleneck

        model = studio_bottleneck.load(model, cfg["method"], adapter).eval()
    else:
        model = PeftModel.from_pretrained(model, str(adapter)).eval()
    tokenizer = AutoTokenizer.from_pretrained(base)
    with open(folder / "data" / "validation.jsonl", encoding="utf-8") as f:
        data = [json.loads(line) for line in f if line.strip()][:rows]
    pairs = [r["text_pair"] for r in data] if "text_pair" in data[0] else None
    enc = tokenizer(
        [r["text"] for r in data],
        pairs,
        truncation=True,
        max_length=cfg["train"]["maxLength"],
        padding=True,
        return_tensors="pt",
    )
    with torch.no_grad():
        logits = model(**enc).logits.float()
    out = folder / "output"
    save_file({k: v.to(torch.int64).contiguous() for k, v in enc.items()}, str(out / "check-inputs.safetensors"))
    save_file({"logits": logits.contiguous()}, str(out / "torch-logits.safetensors"))
    index = {label: i for i, label in enumerate(labels)}
    hits = sum(int(p == index[r["label"]]) for p, r in zip(logits.argmax(-1).tolist(), data))
    print(f"{folder.name}: {cfg['method']['type']} logits of {len(data)} validation rows written; accuracy on them {hits / len(data):.4f}")


if __name__ == "__main__":
    main()
