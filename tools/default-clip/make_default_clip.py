"""Pretrains the small CLIP the studio ships: a Hugging Face CLIPModel (vision ViT on 32x32 images, patch 4, 4 layers,
width 128; causal text transformer, 3 layers, width 128; projections 128) with its own byte-level BPE tokenizer,
trained contrastively on the image-caption pairs the studio generates (shapes, colours, positions, counts,
textures: src-main/data/shapes, written by scripts/make-clip-data.ts). About 1.3M parameters, stored in float16
(under 3 MB). The generator holds out some concepts (heart, pink by default): the model never sees them, so adapters
have something to teach it.

Make the data where Node runs (this repository), then run this where Python has torch, transformers and tokenizers
(the lent GPU machine; a CPU works, slowly). Neither Node nor the network is needed here:
    npx tsx scripts/make-clip-data.ts /tmp/clip-data --n 20000 --seed 0
    python3 tools/default-clip/make_default_clip.py /tmp/clip-data models/studio-clip-small [--minutes 4]
OUT_DIR receives a Hugging Face folder (config.json, model.safetensors in float16, tokenizer.json,
tokenizer_config.json, preprocessor_config.json), training_log.json (loss curve, held-out retrieval and zero-shot
accuracies), zero_shot_reference.json + zero-shot/*.png (transformers' logits for a few held-out images against the
shape prompts, from the saved float16 weights loaded in float32, as the studio computes) and README.md (the card,
with this run's numbers and the command that reproduced it).
"""
import argparse
import csv
import json
import math
import os
import random
import shutil
import struct
import sys
import time
import zlib

import torch
import torch.nn.functional as F
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import CLIPConfig, CLIPModel, PreTrainedTokenizerFast

p = argparse.ArgumentParser()
p.add_argument("data", help="a folder written by scripts/make-clip-data.ts (captions.csv, images/, concepts.json)")
p.add_argument("out")
p.add_argument("--minutes", type=float, default=4.0, help="training time (the whole script takes about a minute more)")
p.add_argument("--batch", type=int, default=512)
p.add_argument("--lr", type=float, default=1e-3)
p.add_argument("--vocab", type=int, default=512)
p.add_argument("--held-out", type=float, default=0.05, help="fraction of images never trained on (evaluation)")
p.add_argument("--seed", type=int, default=0)
args = p.parse_args()
random.seed(args.seed)
torch.manual_seed(args.seed)
os.makedirs(args.out, exist_ok=True)
dev = "cuda" if torch.cuda.is_available() else "cpu"
t_start = time.time()

BOS, EOS = "<|startoftext|>", "<|endoftext|>"
MEAN = STD = [0.5, 0.5, 0.5]
MAX_TEXT = 32
MAX_MB = 3.0
TEMPLATE = "a photo of a {label}"  # the studio's default zero-shot template (src-main/models/clip/config.ts)
COLOUR_TEMPLATE = "a photo of a {label} shape"  # the generator captions some scenes by colour alone this way


def png_rgb(path):
    """RGB bytes of an 8-bit PNG, with zlib alone (the generator writes unfiltered RGB, but any filter is undone)."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    i, idat, w = 8, b"", 0
    while i < len(data):
        n, kind = struct.unpack(">I4s", data[i : i + 8])
        body = data[i + 8 : i + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and ctype in (2, 6) and interlace == 0, f"{path}: unsupported PNG layout"
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        i += 12 + n
    raw, stride = zlib.decompress(idat), w * bpp
    out, prev = bytearray(), bytearray(stride)
    for y in range(h):
        f, row = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        if f:
            for x in range(stride):
                a = row[x - bpp] if x >= bpp else 0
                b, c = prev[x], (prev[x - bpp] if x >= bpp else 0)
                if f == 1:
                    row[x] = (row[x] + a) & 255
                elif f == 2:
                    row[x] = (row[x] + b) & 255
                elif f == 3:
                    row[x] = (row[x] + (a + b) // 2) & 255
                else:
                    pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                    row[x] = (row[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out += row if bpp == 3 else bytes(v for k, v in enumerate(row) if k % 4 != 3)
        prev = row
    return w, h, bytes(out)


# --- data -----------------------------------------------------------------------------------------------------
concepts = json.load(open(os.path.join(args.data, "concepts.json")))
rows = list(csv.DictReader(open(os.path.join(args.data, "captions.csv"), newline="", encoding="utf-8")))
size = concepts["size"]
pixels = torch.empty(len(rows), size, size, 3, dtype=torch.uint8)
for k, r in enumerate(rows):
    w, h, rgb = png_rgb(os.path.join(args.data, r["image"]))
    assert w == size and h == size, r["image"]
    pixels[k] = torch.frombuffer(bytearray(rgb), dtype=torch.uint8).view(size, size, 3)
n_held = max(64, int(len(rows) * args.held_out))
train_idx, held_idx = list(range(len(rows) - n_held)), list(range(len(rows) - n_held, len(rows)))
print(f"{len(rows):,} images of {size}x{size} ({len(train_idx):,} train, {n_held:,} held out), read in "
      f"{time.time() - t_start:.0f}s", flush=True)

# Byte-level BPE (any text encodes, so held-out words still have ids), lower-cased; each text is wrapped as
# <|startoftext|> ... <|endoftext|> and the text tower pools at the first <|endoftext|> (eos_token_id 1: not the
# legacy 2, which transformers would read as "pool at the highest id").
tok = Tokenizer(models.BPE())
tok.normalizer = normalizers.Lowercase()
tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
tok.decoder = decoders.ByteLevel()
tok.train_from_iterator(
    [r["caption"] for i, r in enumerate(rows) if i < len(train_idx)],
    trainers.BpeTrainer(vocab_size=args.vocab, special_tokens=[BOS, EOS], min_frequency=2,
                        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()),
)
bos_id, eos_id = tok.token_to_id(BOS), tok.token_to_id(EOS)
assert (bos_id, eos_id) == (0, 1), (bos_id, eos_id)
tok.post_processor = processors.TemplateProcessing(single=f"{BOS} $A {EOS}", special_tokens=[(BOS, bos_id), (EOS, eos_id)])
fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token=BOS, eos_token=EOS, unk_token=EOS, pad_token=EOS,
                               model_max_length=MAX_TEXT)
fast.save_pretrained(args.out)
# tokenizer.json is this tokenizer exactly (whatever save_pretrained makes of the post-processor): the studio reads
# that file itself, and training encodes with the file as saved, so the two agree.
tok.save(os.path.join(args.out, "tokenizer.json"))
tok = Tokenizer.from_file(os.path.join(args.out, "tokenizer.json"))


def encode(texts):
    """[n, longest] ids padded with <|endoftext|> and the attention mask, as the studio batches prompts."""
    enc = [tok.encode(t).ids[:MAX_TEXT] for t in texts]
    for e in enc:
        assert e[0] == bos_id and e[-1] == eos_id, e
    n = max(len(e) for e in enc)
    ids = torch.full((len(enc), n), eos_id, dtype=torch.long)
    mask = torch.zeros((len(enc), n), dtype=torch.long)
    for i, e in enumerate(enc):
        ids[i, : len(e)] = torch.tensor(e)
        mask[i, : len(e)] = 1
    return ids, mask


captions = [r["caption"] for r in rows]
cap_ids, cap_mask = encode(captions)
# Equal captions in a batch are each other's positives ("a photo of a circle" is true of many images).
uniq = {c: i for i, c in enumerate(sorted(set(captions)))}
cap_class = torch.tensor([uniq[c] for c in captions])
print(f"vocab {tok.get_vocab_size()}, longest caption {cap_ids.shape[1]} tokens, {len(uniq):,} distinct captions",
      flush=True)

mean = torch.tensor(MEAN, device=dev).view(1, 3, 1, 1)
std = torch.tensor(STD, device=dev).view(1, 3, 1, 1)
pixels_dev, cap_ids, cap_mask, cap_class = pixels.to(dev), cap_ids.to(dev), cap_mask.to(dev), cap_class.to(dev)


def pixel_values(idx, augment=False):
    x = pixels_dev[idx].permute(0, 3, 1, 2).float() / 255.0
    if augment:
        # Shifts of up to 2 pixels (edge-replicated): positions are coarse (left third, middle, ...), so the
        # captions stay true, and the 19,000 images go further.
        pad = F.pad(x, (2, 2, 2, 2), mode="replicate")
        dx, dy = random.randint(0, 4), random.randint(0, 4)
        x = pad[:, :, dy : dy + size, dx : dx + size]
    return (x - mean) / std


# --- model ----------------------------------------------------------------------------------------------------
tower = dict(hidden_size=128, intermediate_size=384, num_attention_heads=4, hidden_act="quick_gelu")
config = CLIPConfig(
    text_config=dict(vocab_size=tok.get_vocab_size(), num_hidden_layers=3, max_position_embeddings=MAX_TEXT,
                     bos_token_id=bos_id, eos_token_id=eos_id, pad_token_id=eos_id, **tower),
    vision_config=dict(image_size=size, patch_size=4, num_channels=3, num_hidden_layers=4, **tower),
    projection_dim=128,
)
model = CLIPModel(config).to(dev)
n_params = sum(p.numel() for p in model.parameters())
print(f"parameters {n_params:,} ({2 * n_params / 1e6:.2f} MB in float16)", flush=True)
if 2 * n_params / 1e6 > MAX_MB:
    sys.exit(f"the model would exceed {MAX_MB} MB in float16")

vocab = concepts["vocabulary"]
holdout = set(concepts["choice"].get("holdout", []))
seen_shapes = [s for s in vocab["shapes"] if s not in holdout]
seen_colours = [c for c in vocab["colours"] if c not in holdout]


@torch.no_grad()
def evaluate(m):
    """Held-out images: caption retrieval (image -> its caption among 256) and zero-shot shape / colour accuracy."""
    m.eval()
    out = {}
    hits, total = 0, 0
    group = min(256, n_held)
    for s in range(0, n_held - group + 1, group):
        idx = torch.tensor(held_idx[s : s + group], device=dev)
        o = m(input_ids=cap_ids[idx], attention_mask=cap_mask[idx], pixel_values=pixel_values(idx))
        same = cap_class[idx][o.logits_per_image.argmax(1)] == cap_class[idx]
        hits, total = hits + same.sum().item(), total + len(idx)
    out["retrieval@256"] = hits / max(1, total)
    for concept, labels, template in (("shape", seen_shapes, TEMPLATE), ("colour", seen_colours, COLOUR_TEMPLATE)):
        ids, mask = encode([template.format(label=l) for l in labels])
        ids, mask = ids.to(dev), mask.to(dev)
        keep = [i for i in held_idx if rows[i][concept] in labels]
        correct = 0
        for s in range(0, len(keep), 512):
            idx = torch.tensor(keep[s : s + 512], device=dev)
            o = m(input_ids=ids, attention_mask=mask, pixel_values=pixel_values(idx))
            pred = o.logits_per_image.argmax(1).tolist()
            correct += sum(labels[p] == rows[i][concept] for p, i in zip(pred, keep[s : s + 512]))
        out[f"zeroShot_{concept}"] = correct / len(keep)
    m.train()
    return out


# --- training -------------------------------------------------------------------------------------------------
opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.1, betas=(0.9, 0.98))
deadline = time.time() + args.minutes * 60
est_steps, warmup = 8000, 300
log = {"loss": [], "eval": []}
best = (-1.0, 0)
step, t0 = 0, time.time()
train_t = torch.tensor(train_idx, device=dev)
autocast = torch.autocast(dev, dtype=torch.bfloat16) if dev == "cuda" else torch.autocast("cpu", enabled=False)
model.train()
while time.time() < deadline:
    idx = train_t[torch.randint(0, len(train_idx), (args.batch,), device=dev)]
    lr = args.lr * min(1.0, (step + 1) / warmup) * max(0.05, 0.5 * (1 + math.cos(math.pi * min(1.0, step / est_steps))))
    for g in opt.param_groups:
        g["lr"] = lr
    with autocast:
        o = model(input_ids=cap_ids[idx], attention_mask=cap_mask[idx], pixel_values=pixel_values(idx, augment=True))
    logits = o.logits_per_image.float()
    same = (cap_class[idx][:, None] == cap_class[idx][None, :]).float()
    target = same / same.sum(1, keepdim=True)
    loss = 0.5 * (-(target * logits.log_softmax(1)).sum(1).mean() - (target * logits.t().log_softmax(1)).sum(1).mean())
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    with torch.no_grad():
        model.logit_scale.clamp_(0, math.log(100))  # CLIP's cap on the temperature
    step += 1
    if step % 50 == 0:
        log["loss"].append([step, loss.item()])
    if step % 250 == 0:
        ev = evaluate(model)
        log["eval"].append([step, ev])
        print(f"step {step} loss {loss.item():.3f} {json.dumps({k: round(v, 3) for k, v in ev.items()})} "
              f"scale {model.logit_scale.exp().item():.1f} ({time.time() - t0:.0f}s)", flush=True)
        score = ev["retrieval@256"] + ev["zeroShot_shape"] + ev["zeroShot_colour"]
        if score > best[0]:
            best = (score, step)
            torch.save(model.state_dict(), os.path.join(args.out, "best.pt"))

if best[1] > 0:
    model.load_state_dict(torch.load(os.path.join(args.out, "best.pt")))
    os.remove(os.path.join(args.out, "best.pt"))
model.float().eval().half().save_pretrained(args.out, safe_serialization=True)
json.dump({"image_processor_type": "CLIPImageProcessor", "do_resize": True, "size": {"shortest_edge": size},
           "do_center_crop": True, "crop_size": {"height": size, "width": size}, "do_rescale": True,
           "rescale_factor": 1 / 255, "do_normalize": True, "image_mean": MEAN, "image_std": STD,
           "do_convert_rgb": True, "resample": 3},
          open(os.path.join(args.out, "preprocessor_config.json"), "w"), indent=1)

# Everything from here is measured on the saved float16 weights loaded in float32, as the studio computes.
model = CLIPModel.from_pretrained(args.out, dtype=torch.float32).to(dev).eval()
final = evaluate(model)
log["final"] = {"steps": step, "bestStep": best[1], **final, "trainImages": len(train_idx), "heldOutImages": n_held,
                "parameters": n_params, "seconds": time.time() - t0,
                "device": torch.cuda.get_device_name() if dev == "cuda" else "cpu"}
print("final", log["final"], flush=True)
json.dump(log, open(os.path.join(args.out, "training_log.json"), "w"), indent=1)

# Zero-shot reference: one held-out single-object image of each seen shape, then the first multi-object ones.
picked, have = [], set()
for i in held_idx:
    r = rows[i]
    if r["count"] == "1" and r["shape"] not in have:
        picked.append(i)
        have.add(r["shape"])
for i in held_idx:
    if len(picked) >= len(seen_shapes) + 2:
        break
    if rows[i]["count"] != "1":
        picked.append(i)
ref_dir = os.path.join(args.out, "zero-shot")
os.makedirs(ref_dir, exist_ok=True)
files = []
for k, i in enumerate(picked):
    name = f"{k}-{rows[i]['shape']}.png"
    shutil.copyfile(os.path.join(args.data, rows[i]["image"]), os.path.join(ref_dir, name))
    files.append(name)
prompts = [TEMPLATE.format(label=l) for l in seen_shapes]
ids, mask = encode(prompts)
with torch.no_grad():
    o = model(input_ids=ids.to(dev), attention_mask=mask.to(dev), pixel_values=pixel_values(torch.tensor(picked, device=dev)))
per_image = o.logits_per_image.float().cpu()
reference = {
    "template": TEMPLATE, "labels": seen_shapes, "prompts": prompts, "input_ids": ids.tolist(),
    "attention_mask": mask.tolist(), "images": [f"zero-shot/{f}" for f in files],
    "captions": [rows[i]["caption"] for i in picked], "truth": [rows[i]["shape"] for i in picked],
    "logits_per_image": per_image.tolist(), "logits_per_text": o.logits_per_text.float().cpu().tolist(),
    "predicted": [seen_shapes[j] for j in per_image.argmax(1).tolist()],
    "imageNormalisation": {"mean": MEAN, "std": STD},
}
json.dump(reference, open(os.path.join(args.out, "zero_shot_reference.json"), "w"), indent=1)
for f, t, pr in zip(files, reference["truth"], reference["predicted"]):
    print(f"zero-shot {f}: truth {t}, predicted {pr}", flush=True)

size_mb = os.path.getsize(os.path.join(args.out, "model.safetensors")) / 1e6
f = log["final"]
import tokenizers
import transformers

card = f"""# studio-clip-small: a small CLIP Adapter Studio pretrained itself

A CLIP (`CLIPModel`): a ViT on {size}x{size} RGB images (patch 4, 4 layers, width 128, 4 heads, feed-forward 384) and a
causal text transformer (3 layers, width 128, 4 heads, {MAX_TEXT} positions) with its own byte-level BPE vocabulary of
{tok.get_vocab_size()} tokens, both projected to 128 dimensions; {n_params / 1e6:.2f}M parameters, stored in float16
({size_mb:.1f} MB). It exists so that zero-shot image classification, CLIP adapters and the video adapters have a
vision-language base without downloading anything. It knows only the studio's generated pictures.

## Data

Image-caption pairs the studio generates (`src-main/data/shapes`, seed {concepts['seed']}): {len(rows):,} pictures
of {size}x{size} pixels, each one to four shapes ({', '.join(seen_shapes)}) in one colour
({', '.join(seen_colours)}) and texture ({', '.join(vocab['textures'])}) on a dark gradient; a single shape sits
on the left, right, top, bottom or in the middle. Captions name the shape and, at random, the colour, texture,
count and position ("a photo of two striped red squares", "a circle at the top").

**Held out**: {', '.join(sorted(holdout)) or 'nothing'}. No pretraining image shows or names them, so they are
what an adapter can teach it (`npx tsx scripts/make-clip-data.ts DIR --by shape --shapes heart,circle,square`
makes a few-shot set).

## How it was made

`tools/default-clip/make_default_clip.py`, run on {f['device']} with torch {torch.__version__},
transformers {transformers.__version__} and tokenizers {tokenizers.__version__}:

    npx tsx scripts/make-clip-data.ts /tmp/clip-data --n {concepts['n']} --seed {concepts['seed']}
    python3 tools/default-clip/make_default_clip.py /tmp/clip-data models/studio-clip-small --minutes {args.minutes:g}

Contrastive training (CLIP's symmetric cross-entropy; identical captions in a batch count as positives), batch
{args.batch}, AdamW lr {args.lr:g} with warmup and cosine decay, weight decay 0.1, shifts of up to 2 pixels, bf16
autocast, for {f['seconds'] / 60:.1f} minutes: {f['steps']:,} steps; the checkpoint kept is step {f['bestStep']:,}
(best held-out score). The last {n_held:,} images are held out.

## Held-out numbers (float16 weights, computed in float32)

- caption retrieval (each image against 256 captions, its own among them): {f['retrieval@256']:.3f}
- zero-shot shape, `{TEMPLATE}` over the {len(seen_shapes)} pretrained shapes: {f['zeroShot_shape']:.3f}
- zero-shot colour, `{COLOUR_TEMPLATE}` over the {len(seen_colours)} pretrained colours: {f['zeroShot_colour']:.3f}

`zero_shot_reference.json` holds transformers' logits for the images in `zero-shot/` against the shape prompts
(the studio's tests compare its own with them).

## Use

    studio zero-shot --model models/studio-clip-small --image picture.png --labels "{','.join(seen_shapes)}"

In transformers: `CLIPModel.from_pretrained("models/studio-clip-small")` with
`PreTrainedTokenizerFast.from_pretrained(...)`; images are {size}x{size} RGB normalised with mean and std 0.5.
"""
open(os.path.join(args.out, "README.md"), "w").write(card)
print(f"wrote {args.out} ({size_mb:.2f} MB weights) in {(time.time() - t_start) / 60:.1f} min", flush=True)
if size_mb > MAX_MB:
    sys.exit(f"the weights exceed the {MAX_MB} MB budget")
