"""Checks the studio's PEFT export of a CLIP LoRA the way PEFT loads it (transformers 5.x, PEFT 0.21, torch; no Node).

Loads the tiny CLIPModel saved beside this script (`base/`), attaches the studio's export (`peft-export/`) with
`PeftModel.from_pretrained`, runs the inputs the studio saved (`inputs.safetensors`: pixel_values, input_ids,
attention_mask) and compares logits_per_image and logits_per_text with the studio's own outputs
(`studio_outputs.safetensors`). Prints one JSON line with the differences; exits 1 when any exceeds 1e-4 (or when
the adapter changed nothing, which would make the comparison vacuous).

    python3 test/bench/clip-peft/check_clip_peft_export.py [FOLDER]      # FOLDER defaults to this script's folder

The folder is made by `npx tsx test/bench/clip-peft/make-clip-peft.ts` (docs/MODALITIES.md).
"""
import json
import os
import sys

import torch
from peft import PeftConfig, PeftModel
from safetensors.torch import load_file
from transformers import CLIPModel

TOLERANCE = 1e-4


def main(folder):
    inputs = load_file(os.path.join(folder, "inputs.safetensors"))
    studio = load_file(os.path.join(folder, "studio_outputs.safetensors"))
    feed = {
        "pixel_values": inputs["pixel_values"].float(),
        "input_ids": inputs["input_ids"].long(),
        "attention_mask": inputs["attention_mask"].long(),
    }
    base = CLIPModel.from_pretrained(os.path.join(folder, "base")).eval()
    with torch.no_grad():
        plain = base(**feed)
    export = os.path.join(folder, "peft-export")
    config = PeftConfig.from_pretrained(export)
    model = PeftModel.from_pretrained(base, export).eval()
    # Every tensor of the file must have landed on a module: a renamed key would load nothing and pass silently.
    loaded = {n for n, _ in model.named_parameters() if "lora_" in n}
    saved = load_file(os.path.join(export, "adapter_model.safetensors"))
    with torch.no_grad():
        out = model(**feed)
    result = {
        "peft_type": str(config.peft_type.value if hasattr(config.peft_type, "value") else config.peft_type),
        "task_type": config.task_type,
        "target_modules": sorted(config.target_modules),
        "tensors_saved": len(saved),
        "lora_params_in_model": len(loaded),
    }
    ok = len(loaded) == len(saved) and len(saved) > 0
    for name in ("logits_per_image", "logits_per_text"):
        ours = studio[name].float()
        theirs = getattr(out, name).float()
        if tuple(ours.shape) != tuple(theirs.shape):
            result[f"{name}_shape"] = [list(ours.shape), list(theirs.shape)]
            ok = False
            continue
        diff = (ours - theirs).abs().max().item()
        # How far the adapter moves the base: the check means nothing if the LoRA were a no-op.
        moved = (getattr(plain, name) - theirs).abs().max().item()
        result[f"{name}_max_abs_diff"] = diff
        result[f"{name}_adapter_effect"] = moved
        ok = ok and diff <= TOLERANCE and moved > 10 * TOLERANCE
    result["ok"] = ok
    print(json.dumps(result))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))))
