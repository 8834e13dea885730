#!/usr/bin/env python3
"""Trains the Adapter Studio run that run_config.json describes, under Hugging Face Accelerate.

Written by `studio export --format accelerate`. LoRA, DoRA, IA3 and prompt tuning train with transformers + PEFT
and are saved as a PEFT adapter; bottleneck adapters, which PEFT lacks, train with studio_bottleneck.py (beside
this file) and are saved in the studio's own folder format. Either way `studio import-run FOLDER` brings the run
back: the adapter from output/adapter/, the curves from output/metrics.jsonl, the final validation metrics from
output/final_metrics.json.

The loop follows the studio's own (src-main/training/trainer.ts): AdamW with no decay on biases and norms, linear
or cosine decay after a linear warm-up, gradient clipping and accumulation, an evaluation every `evalEvery` steps
and at each epoch end, early stopping, and the same validation metrics (loss, accuracy, macro-F1) on the same
validation examples (data/validation.jsonl is the studio's split, already capped to `maxEvalExamples`).

  accelerate launch --num_processes 1 train.py            # one GPU
  accelerate launch --config_file accelerate/multi_gpu.yaml --num_processes 2 train.py
"""
import argparse
import datetime
import hashlib
import json
import math
import os
import re
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from accelerate import Accelerator
from torch.utils.data import DataLoader, Sampler
from transformers import AutoModelForSequenceClassification, AutoTokenizer

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import studio_bottleneck  # noqa: E402  (beside this file)
from studio_loop import accuracy, decays, learning_rate, macro_f1  # noqa: E402

PEFT_METHODS = ("lora", "dora", "ia3", "prompt")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--config", default=str(HERE / "run_config.json"), help="the run's settings (run_config.json)")
    p.add_argument("--base-model", default=None, help="the base model folder (default: the one run_config.json names)")
    p.add_argument("--output-dir", default=str(HERE / "output"), help="where the adapter and the metrics go")
    p.add_argument("--max-steps", type=int, default=None, help="stop after this many optimizer steps (smoke tests)")
    p.add_argument("--cpu", action="store_true", help="train on the CPU even when a GPU is present")
    return p.parse_args(argv)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_split(cfg, name):
    """The split's rows, refused when the file is not the one the export wrote (its sha256 is in the config)."""
    spec = cfg["dataset"]["files"][name]
    path = HERE / spec["path"]
    digest = sha256_file(path)
    if digest != spec["sha256"]:
        raise SystemExit(f"{path}: sha256 {digest[:12]}... differs from run_config.json ({spec['sha256'][:12]}...)")
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def encode(tokenizer, rows, labels, max_length):
    index = {label: i for i, label in enumerate(labels)}
    out = []
    for r in rows:
        enc = tokenizer(r["text"], r.get("text_pair"), truncation=True, max_length=max_length)
        out.append({"input_ids": enc["input_ids"], "token_type_ids": enc.get("token_type_ids"), "label": index[r["label"]]})
    return out


def collate(pad_id):
    """Pads a batch to its longest row, as the studio does (padding is masked, so the loss is the same)."""

    def fn(batch):
        n = max(2, max(len(e["input_ids"]) for e in batch))
        ids = torch.full((len(batch), n), pad_id, dtype=torch.long)
        mask = torch.zeros((len(batch), n), dtype=torch.long)
        types = torch.zeros((len(batch), n), dtype=torch.long)
        for i, e in enumerate(batch):
            k = len(e["input_ids"])
            ids[i, :k] = torch.tensor(e["input_ids"])
            mask[i, :k] = 1
            if e["token_type_ids"] is not None:
                types[i, :k] = torch.tensor(e["token_type_ids"])
        out = {"input_ids": ids, "attention_mask": mask, "labels": torch.tensor([e["label"] for e in batch])}
        if batch[0]["token_type_ids"] is not None:
            out["token_type_ids"] = types
        return out

    return fn


class EpochShuffle(Sampler):
    """A permutation drawn from (seed, epoch) alone, so every process and every restart sees the same order."""

    def __init__(self, n, seed):
        self.n, self.seed, self.epoch = n, seed, 0

    def __len__(self):
        return self.n

    def __iter__(self):
        g = torch.Generator()
        g.manual_seed(self.seed * 100003 + self.epoch)
        return iter(torch.randperm(self.n, generator=g).tolist())


@torch.no_grad()
def evaluate(model, examples, batch_size, pad_id, num_labels, device):
    """Validation loss (mean over examples), accuracy and macro-F1, in eval mode (no dropout)."""
    was_training = model.training
    model.eval()
    loss_sum, pred, gold = 0.0, [], []
    fn = collate(pad_id)
    for s in range(0, len(examples), batch_size):
        b = fn(examples[s : s + batch_size])
        labels = b.pop("labels").to(device)
        logits = model(**{k: v.to(device) for k, v in b.items()}).logits.float()
        loss_sum += F.cross_entropy(logits, labels, reduction="sum").item()
        pred += logits.argmax(-1).tolist()
        gold += labels.tolist()
    model.train(was_training)
    if not gold:
        return {}
    return {"loss": loss_sum / len(gold), "accuracy": accuracy(pred, gold), "macroF1": macro_f1(pred, gold, num_labels)}


def fresh_modules(missing_keys):
    """Modules the base lacked and transformers initialised (a new classifier; BERT's pooler on a masked-LM base)."""
    return sorted({k.rsplit(".", 1)[0] for k in missing_keys})


def head_modules(model, missing_keys):
    """What trains beside the adapter, as the studio's head: the classifier, and any other module the base lacked."""
    names = [n for n, _ in model.named_modules()]
    head = [n for n in names if re.fullmatch(r"(classifier|score)(\..*)?", n) and n.count(".") == 0]
    return head + [m for m in fresh_modules(missing_keys) if m.split(".")[0] not in ("classifier", "score")]


def peft_config(cfg, head):
    import peft

    m, d = cfg["method"], cfg["defaults"]
    task = peft.TaskType.SEQ_CLS
    if m["type"] in ("lora", "dora"):
        return peft.LoraConfig(
            task_type=task,
            r=m.get("r", 8),
            lora_alpha=m.get("alpha", 16),
            lora_dropout=m.get("dropout", 0.0),
            use_rslora=m.get("rslora", False),
            use_dora=m["type"] == "dora",
            target_modules=m.get("targets") or d["loraTargets"],
        )
    if m["type"] == "ia3":
        return peft.IA3Config(
            task_type=task,
            target_modules=m.get("targets") or d["ia3"]["targets"],
            feedforward_modules=m.get("feedforward") or d["ia3"]["feedforward"],
        )
    if m["type"] == "prompt":
        return peft.PromptTuningConfig(task_type=task, num_virtual_tokens=m.get("virtualTokens", 20))
    raise SystemExit(f"run_config.json: method {m['type']} is not one PEFT trains here")


def build_model(cfg, base_dir):
    labels = cfg["labels"]
    model, info = AutoModelForSequenceClassification.from_pretrained(
        base_dir,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
        dtype=torch.float32,
        output_loading_info=True,
        ignore_mismatched_sizes=True,
    )
    if not cfg["train"].get("dropout", True):
        for mod in model.modules():
            if isinstance(mod, torch.nn.Dropout):
                mod.p = 0.0
    # Mismatched keys (a classifier for another label count) come as names or as (name, shapes) tuples.
    mismatched = [k if isinstance(k, str) else k[0] for k in info.get("mismatched_keys", [])]
    head = head_modules(model, list(info.get("missing_keys", [])) + mismatched)
    method = cfg["method"]["type"]
    if method in PEFT_METHODS:
        import peft

        model = peft.get_peft_model(model, peft_config(cfg, head))
        # PEFT trains the classifier (modules_to_save); a module the base lacked (BERT's pooler on a masked-LM base)
        # trains too, as in the studio, and is saved under its own name (save_adapter below).
        extra = [h for h in head if h.split(".")[0] not in ("classifier", "score")]
        for name, p in model.named_parameters():
            if ".original_module." not in name and any(f".{h}." in f".{name}" for h in extra):
                p.requires_grad_(True)
    elif method == "bottleneck":
        studio_bottleneck.attach(model, cfg["method"], cfg["train"]["seed"], head)
    else:
        raise SystemExit(f"run_config.json: method {method} cannot be trained by this script")
    return model, head


def save_adapter(cfg, model, out_dir, head):
    out_dir.mkdir(parents=True, exist_ok=True)
    if cfg["method"]["type"] == "bottleneck":
        studio_bottleneck.save(model, cfg, out_dir, cfg["baseModel"], head)
        return
    from safetensors.torch import load_file, save_file

    model.save_pretrained(str(out_dir))
    # Every trained tensor must be in the file: PEFT saves the adapter and modules_to_save; a head module we made
    # trainable ourselves (a fresh pooler) is added under the name PEFT would load it by.
    file = out_dir / "adapter_model.safetensors"
    saved = load_file(str(file))
    added = False
    for name, p in model.named_parameters():
        if not p.requires_grad or re.search(r"lora_|ia3_|prompt_encoder|\.original_module\.", name):
            continue
        key = name.replace(".modules_to_save.default", "")
        if key not in saved:
            saved[key] = p.detach().cpu().contiguous()
            added = True
    if added:
        save_file(saved, str(file), metadata={"format": "pt"})


def main(argv=None):
    args = parse_args(argv)
    cfg = json.loads(Path(args.config).read_text(encoding="utf-8"))
    tr = cfg["train"]
    base_dir = args.base_model or str((HERE / cfg["baseModel"]["path"]).resolve())
    out_dir = Path(args.output_dir)
    accelerator = Accelerator(cpu=args.cpu, gradient_accumulation_steps=tr["gradAccumulation"])
    main_process = accelerator.is_main_process
    torch.manual_seed(tr["seed"])

    tokenizer = AutoTokenizer.from_pretrained(base_dir)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    labels = cfg["labels"]
    train = encode(tokenizer, read_split(cfg, "train"), labels, tr["maxLength"])
    validation = encode(tokenizer, read_split(cfg, "validation"), labels, tr["maxLength"])
    model, head = build_model(cfg, base_dir)

    # train.batchSize is the global batch, as in the studio: split over the processes so that one GPU and N GPUs
    # take the same optimizer steps.
    n_proc = accelerator.num_processes
    per_device = max(1, tr["batchSize"] // n_proc)
    sampler = EpochShuffle(len(train), tr["seed"])
    loader = DataLoader(train, batch_size=per_device, sampler=sampler, collate_fn=collate(pad_id))
    micro_per_epoch = max(1, math.ceil(len(train) / (per_device * n_proc)))
    steps_per_epoch = math.ceil(micro_per_epoch / tr["gradAccumulation"])
    total = math.ceil(tr["epochs"] * steps_per_epoch)
    for cap in (tr.get("maxSteps"), args.max_steps):
        if cap:
            total = min(total, cap)
    warmup = math.floor(tr["warmupRatio"] * total)

    params = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    groups = [
        {"params": [p for n, p in params if decays(n)], "weight_decay": tr["weightDecay"]},
        {"params": [p for n, p in params if not decays(n)], "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW([g for g in groups if g["params"]], lr=tr["lr"], betas=(0.9, 0.999), eps=1e-8)
    model, optimizer, loader = accelerator.prepare(model, optimizer, loader)
    trainable = sum(p.numel() for _, p in params)
    total_params = sum(p.numel() for p in accelerator.unwrap_model(model).parameters())

    log = None
    if main_process:
        out_dir.mkdir(parents=True, exist_ok=True)
        log = open(out_dir / "metrics.jsonl", "w", encoding="utf-8")

    def record(entry):
        if log:
            log.write(json.dumps(entry) + "\n")
            log.flush()

    started = datetime.datetime.now(datetime.timezone.utc).isoformat()
    stop_metric = (tr.get("earlyStopping") or {}).get("metric", "loss")
    patience = (tr.get("earlyStopping") or {}).get("patience")
    best, since_best, last_eval, last_metrics = None, 0, -1, {}

    def run_eval(step):
        # Every process evaluates the whole (capped) validation split, so early stopping decides alike everywhere.
        nonlocal best, since_best, last_eval, last_metrics
        last_metrics = evaluate(accelerator.unwrap_model(model), validation, tr["batchSize"], pad_id, len(labels), accelerator.device)
        last_eval = step
        record({"step": step, "split": "validation", **last_metrics})
        if main_process:
            print(f"step {step}: " + ", ".join(f"{k} {v:.4f}" for k, v in last_metrics.items()), flush=True)
        value = last_metrics.get(stop_metric)
        if value is None:
            return False
        lower = re.search("loss|perplexity", stop_metric, re.IGNORECASE) is not None
        if best is None or (value < best if lower else value > best):
            best, since_best = value, 0
        else:
            since_best += 1
        return patience is not None and since_best >= patience

    step, epoch, stop = 0, 0, False
    model.train()
    t0 = time.time()
    while step < total and not stop:
        sampler.epoch = epoch
        micro_losses = []
        for batch in loader:
            # Set before backward: under DeepSpeed the optimizer steps inside accelerator.backward.
            lr = learning_rate(step, tr["schedule"], tr["lr"], total, warmup)
            for g in optimizer.param_groups:
                g["lr"] = lr
            with accelerator.accumulate(model):
                y = batch.pop("labels")
                loss = F.cross_entropy(model(**batch).logits.float(), y)
                accelerator.backward(loss)
                micro_losses.append(loss.detach())
                if accelerator.sync_gradients:
                    # DeepSpeed clips by its config (accelerate/deepspeed_zero2.yaml: gradient_clipping).
                    accelerator.clip_grad_norm_([p for _, p in params], tr["gradClip"])
                    optimizer.step()
                    optimizer.zero_grad()
            if not accelerator.sync_gradients:
                continue
            step_loss = accelerator.reduce(torch.stack(micro_losses).mean(), "mean").item()
            micro_losses = []
            step += 1
            if not math.isfinite(step_loss):
                raise SystemExit(f"loss became {step_loss} at step {step}: lower the learning rate")
            record({"step": step, "split": "train", "loss": step_loss, "lr": lr, "epoch": epoch})
            if tr["evalEvery"] > 0 and step % tr["evalEvery"] == 0 and step < total:
                if run_eval(step):
                    stop = True
                    break
            if step >= total:
                break
        epoch += 1
        if not stop and last_eval != step:
            stop = run_eval(step)

    accelerator.wait_for_everyone()
    if main_process:
        save_adapter(cfg, accelerator.unwrap_model(model), out_dir / "adapter", head)
        (out_dir / "final_metrics.json").write_text(json.dumps(last_metrics, indent=2) + "\n")
        import accelerate
        import transformers

        info = {
            "steps": step,
            "totalSteps": total,
            "epochs": epoch,
            "startedAt": started,
            "finishedAt": datetime.datetime.now(datetime.timezone.utc).isoformat(),
            "seconds": time.time() - t0,
            "numProcesses": n_proc,
            "perDeviceBatchSize": per_device,
            "device": torch.cuda.get_device_name(0) if torch.cuda.is_available() and not args.cpu else "cpu",
            "trainableParams": trainable,
            "totalParams": total_params,
            "headModules": head,
            "versions": {
                "torch": torch.__version__,
                "transformers": transformers.__version__,
                "accelerate": accelerate.__version__,
                "peft": _version("peft"),
            },
        }
        (out_dir / "train_info.json").write_text(json.dumps(info, indent=2) + "\n")
        log.close()
        print(f"wrote {out_dir}: studio import-run {HERE} --project PROJECT", flush=True)
    accelerator.end_training()


def _version(name):
    try:
        return __import__(name).__version__
    except ImportError:
        return None


if __name__ == "__main__":
    main()
