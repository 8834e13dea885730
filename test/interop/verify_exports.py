#!/usr/bin/env python3
"""Loads Adapter Studio's exports outside the studio, exactly as their model cards say, and compares logits.

Usage: python verify_exports.py DIR   (DIR written by test/interop/make-exports.sh; nothing else is needed)

Needs torch, transformers (5.x) and peft (0.21). For DIR/merged and DIR/peft it takes the Python snippet of the
folder's README.md (the model card), runs it from that folder as the card tells a user to, feeds the token ids of
DIR/expected.json (made by `studio tokenize`) and prints max |diff| against the studio's own logits
(`studio predict`) and the dtype transformers chose. Exits 1 when a diff is above 1e-4.
"""
import contextlib
import json
import os
import re
import sys

import torch

TOLERANCE = 1e-4


def card_snippet(folder):
    with open(os.path.join(folder, "README.md"), encoding="utf-8") as f:
        card = f.read()
    blocks = [b for b in re.findall(r"```python\n(.*?)```", card, re.S) if "from_pretrained" in b]
    if not blocks:
        raise SystemExit(f"{folder}/README.md: no Python snippet that loads the model")
    return blocks[0]


@contextlib.contextmanager
def cwd(folder):
    old = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(old)


def load_as_card_says(folder):
    snippet = card_snippet(folder)
    print(f"--- {folder}/README.md snippet ---\n{snippet.rstrip()}\n---")
    scope = {}
    with cwd(folder):
        exec(compile(snippet, f"{folder}/README.md", "exec"), scope)
    return scope["model"]


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    root = os.path.abspath(sys.argv[1])
    with open(os.path.join(root, "expected.json"), encoding="utf-8") as f:
        expected = json.load(f)
    inputs = {
        k: torch.tensor(expected[k], dtype=torch.long) for k in ("input_ids", "attention_mask", "token_type_ids")
    }
    import peft
    import transformers

    print(f"torch {torch.__version__}, transformers {transformers.__version__}, peft {peft.__version__}")
    failed = False
    for name in ("merged", "peft"):
        model = load_as_card_says(os.path.join(root, name))
        dtype = next(model.parameters()).dtype
        with torch.no_grad():
            logits = model(**inputs).logits.float()
        want = torch.tensor(expected["logits"][name], dtype=torch.float32)
        if logits.shape != want.shape:
            print(f"{name}: logits shape {tuple(logits.shape)}, studio {tuple(want.shape)}: FAIL")
            failed = True
            continue
        diff = (logits - want).abs().max().item()
        ok = diff <= TOLERANCE
        failed |= not ok
        print(
            f"{name}: max |logits - studio| = {diff:.3e} (<= {TOLERANCE:g}: {'ok' if ok else 'FAIL'}); "
            f"dtype chosen by transformers: {dtype}; config dtype: {getattr(model.config, 'dtype', None)}"
        )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
