"""PyTorch eager + PEFT peer for gpu-compare (test/bench/gpu-compare.ts) on the same GPU (the lent H100/H200).

Prints one JSON line. Every timing is the median of REPS (>= 20) steps after 3 warm-up steps, each step ended by
torch.cuda.synchronize() (the GPU's work finished), as our side ends each step with a read-back. fp32 with TF32 off.

- no flags: BERT-small and BERT-base shapes, full fine-tuning and LoRA r=8 on query/value, batch 16 x 128 tokens,
  dropout 0.1 (BERT's default, as in our bench), AdamW: keys "small/full", "small/lora", "base/full", "base/lora",
  and the same four under bf16 autocast ("small/full/bf16", ...).
- --causal JSON: {name: {"config": HF config.json, "targets": [...], "batch": B, "seq": T}} (gpu-compare passes
  test/bench/causal-shapes.ts' shapes): LoRA r=8 alpha 16 on the targets, next-token loss, AdamW, in fp32 and
  under bf16 autocast: keys "causal/NAME/fp32" and "causal/NAME/bf16" with stepMs and peak memory
  (torch.cuda.max_memory_allocated and max_memory_reserved, weights included, from an empty GPU).
- --generate JSON: {name: {"config": ..., "prompt": P, "newTokens": N, "batches": [1, 16]}}: greedy decoding with the
  KV cache (a manual loop: prefill, then one token per step fed back, each step's ids copied to the CPU as
  generate() does for its stopping check): keys "generate/NAME/fp32|bf16/batchB" with tokensPerSecond (batch /
  median step time), stepMs and prefillMs.

Usage: python3 test/bench/torch_peer.py [--causal JSON] [--generate JSON] [--no-bert]
"""
import argparse
import gc
import json
import statistics
import time
from contextlib import nullcontext

import torch
from peft import LoraConfig, get_peft_model
from transformers import (BertConfig, BertForSequenceClassification, GPT2Config, GPT2LMHeadModel, LlamaConfig,
                          LlamaForCausalLM)

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
dev = "cuda"
REPS = 20
SHAPES = {
    "small": dict(num_hidden_layers=4, hidden_size=256, num_attention_heads=4, intermediate_size=1024),
    "base": dict(num_hidden_layers=12, hidden_size=768, num_attention_heads=12, intermediate_size=3072),
}
CAUSAL = {"gpt2": (GPT2Config, GPT2LMHeadModel), "llama": (LlamaConfig, LlamaForCausalLM)}
MB = 2**20


def timed(fn, reps=REPS):
    """Median ms of `reps` calls of fn after 3 warm-up calls, each call ended by a synchronize."""
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def train_step(model, opt, ctx=nullcontext, **batch):
    def step():
        opt.zero_grad()
        with ctx():
            loss = model(**batch).loss
        loss.backward()
        opt.step()
    return step


def bert_step_ms(model, bf16=False):
    """Median step ms; with bf16, the forward under autocast (weights, gradients and AdamW in fp32)."""
    ids = torch.randint(0, 1000, (16, 128), device=dev)
    labels = torch.zeros(16, dtype=torch.long, device=dev)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    ctx = (lambda: torch.autocast("cuda", dtype=torch.bfloat16)) if bf16 else nullcontext
    return timed(train_step(model, opt, ctx, input_ids=ids, labels=labels))


def bert(out):
    for name, shape in SHAPES.items():
        torch.manual_seed(0)
        # BERT's default dropout (0.1 on hidden states, attention probabilities and the classifier), as our bench's
        # model has: both sides do the same work.
        cfg = BertConfig(vocab_size=1000, max_position_embeddings=512, num_labels=2, **shape)
        full = BertForSequenceClassification(cfg).to(dev).train()
        out[f"{name}/full"] = bert_step_ms(full)
        out[f"{name}/full/bf16"] = bert_step_ms(full, bf16=True)
        lora = get_peft_model(BertForSequenceClassification(cfg),
                              LoraConfig(r=8, lora_alpha=16, target_modules=["query", "value"],
                                         task_type="SEQ_CLS")).to(dev).train()
        out[f"{name}/lora"] = bert_step_ms(lora)
        out[f"{name}/lora/bf16"] = bert_step_ms(lora, bf16=True)


def fresh():
    gc.collect()
    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats()


def build(config):
    """The causal LM of an HF config dict with random weights, made on the GPU (no file)."""
    cfg = dict(config)
    config_cls, model_cls = CAUSAL[cfg.pop("model_type")]
    cfg.pop("architectures", None)
    torch.manual_seed(0)
    with torch.device(dev):
        return model_cls(config_cls(**cfg))


def peak():
    return {"peakAllocatedMB": torch.cuda.max_memory_allocated() / MB,
            "peakReservedMB": torch.cuda.max_memory_reserved() / MB}


def causal(out, shapes):
    for name, s in shapes.items():
        for precision in ("fp32", "bf16"):
            fresh()
            # fan_in_fan_out: GPT-2's c_attn is a Conv1D ([in, out]); PEFT sets it with a warning otherwise.
            lora = LoraConfig(r=8, lora_alpha=16, lora_dropout=0.0, target_modules=s["targets"],
                              task_type="CAUSAL_LM", fan_in_fan_out=s["config"]["model_type"] == "gpt2")
            model = get_peft_model(build(s["config"]), lora).train()
            g = torch.Generator(device=dev).manual_seed(5)
            ids = torch.randint(0, s["config"]["vocab_size"], (s["batch"], s["seq"]), device=dev, generator=g)
            opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
            step = train_step(model, opt, input_ids=ids, labels=ids)
            ctx = (lambda: torch.autocast("cuda", dtype=torch.bfloat16)) if precision == "bf16" else nullcontext

            def run():
                with ctx():
                    step()
            ms = timed(run)
            out[f"causal/{name}/{precision}"] = {
                "stepMs": ms, **peak(), "params": sum(p.numel() for p in model.parameters()),
                "attention": model.base_model.model.config._attn_implementation}
            # `run` holds the step, which holds the model: all of them go before the next precision's peak.
            del model, opt, step, run
    fresh()


@torch.no_grad()
def greedy(model, prompt, new_tokens):
    t0 = time.perf_counter()
    o = model(input_ids=prompt, use_cache=True)
    nxt = o.logits[:, -1].argmax(-1)
    nxt.cpu()
    prefill = (time.perf_counter() - t0) * 1000
    past, steps = o.past_key_values, []
    for _ in range(new_tokens - 1):
        t = time.perf_counter()
        o = model(input_ids=nxt[:, None], past_key_values=past, use_cache=True)
        past, nxt = o.past_key_values, o.logits[:, -1].argmax(-1)
        nxt.cpu()
        steps.append((time.perf_counter() - t) * 1000)
    return prefill, steps


def generate(out, shapes):
    for name, s in shapes.items():
        fresh()
        model = build(s["config"]).eval()
        for precision in ("fp32", "bf16"):
            ctx = torch.autocast("cuda", dtype=torch.bfloat16) if precision == "bf16" else nullcontext()
            for b in s["batches"]:
                g = torch.Generator(device=dev).manual_seed(11)
                prompt = torch.randint(0, s["config"]["vocab_size"], (b, s["prompt"]), device=dev, generator=g)
                with ctx:
                    greedy(model, prompt, s["newTokens"])  # warm-up
                    prefill, steps = greedy(model, prompt, s["newTokens"])
                ms = statistics.median(steps)
                out[f"generate/{name}/{precision}/batch{b}"] = {
                    "tokensPerSecond": b * 1000 / ms, "stepMs": ms, "steps": len(steps), "prefillMs": prefill}
        out[f"generate/{name}/peak"] = peak()
        del model
    fresh()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--causal", type=json.loads, default=None)
    p.add_argument("--generate", type=json.loads, default=None)
    p.add_argument("--no-bert", action="store_true")
    a = p.parse_args()
    out = {"device": torch.cuda.get_device_name(0), "torch": torch.__version__, "statistic": f"median of {REPS}"}
    if not a.no_bert:
        bert(out)
    if a.causal:
        causal(out, a.causal)
    if a.generate:
        generate(out, a.generate)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
