"""Bottleneck adapters (Houlsby, Pfeiffer) for transformers' BERT and RoBERTa, computed as Adapter Studio computes
them (src-main/adapters/bottleneck/), and saved in the studio's own adapter folder format.

PEFT has no bottleneck adapter. Each adapter is a down-projection, a non-linearity and an up-projection added to a
sub-layer's output right before its residual add and LayerNorm: after the attention block (Houlsby) and after the
feed-forward block (both variants). Sequential: out + up(act(down(out))); parallel: out + scaling * adapter(input).
The up-projection starts at zero, so training starts from the base model's own outputs.

The saved folder (studio_adapter.json + adapter.safetensors) holds the adapter as `adapters.<layer>.<attention|ffn>.
<down|up>.<weight|bias>` and the trained head (`classifier.*`, and `bert.pooler.dense.*` when the base had no
pooler) under the model's own names, matrices in the studio's [in, out] layout (torch keeps [out, in]).
"""
import json
import types

import torch
from torch import nn

ACTIVATIONS = {"relu": nn.ReLU, "gelu": nn.GELU, "swish": nn.SiLU, "silu": nn.SiLU, "tanh": nn.Tanh}


class Bottleneck(nn.Module):
    def __init__(self, hidden, size, activation):
        super().__init__()
        self.down = nn.Linear(hidden, size)
        self.up = nn.Linear(size, hidden)
        self.act = ACTIVATIONS[activation]()
        nn.init.normal_(self.down.weight, std=0.01)
        nn.init.zeros_(self.down.bias)
        nn.init.zeros_(self.up.weight)
        nn.init.zeros_(self.up.bias)

    def forward(self, x):
        return self.up(self.act(self.down(x)))


def bottleneck_size(method, hidden):
    """As the studio's bottleneck/config.ts: bottleneckSize, else hidden // reductionFactor (16 by default)."""
    if method.get("bottleneckSize"):
        return int(method["bottleneckSize"])
    return max(1, int(hidden // method.get("reductionFactor", 16)))


def positions(method):
    return ("attention", "ffn") if method.get("variant", "pfeiffer") == "houlsby" else ("ffn",)


def _sublayers(model):
    """(layer index, kind, module) for every BertSelfOutput/BertOutput-shaped module (dense, dropout, LayerNorm)."""
    encoder = getattr(model.base_model, "encoder", None)
    layers = getattr(encoder, "layer", None)
    if layers is None:
        raise SystemExit(f"bottleneck adapters here need a BERT or RoBERTa model, not {type(model).__name__}")
    for i, layer in enumerate(layers):
        yield i, "attention", layer.attention.output
        yield i, "ffn", layer.output


def _forward(method):
    placement = method.get("placement", "sequential")
    scaling = float(method.get("scaling", 1))

    def forward(self, hidden_states, input_tensor):
        out = self.dropout(self.dense(hidden_states))
        if placement == "parallel":
            out = out + scaling * self.studio_adapter(input_tensor)
        else:
            out = out + self.studio_adapter(out)
        return self.LayerNorm(out + input_tensor)

    return forward


def attach(model, method, seed, head):
    """Freezes the base, adds the adapters, leaves the head modules trainable; the adapters are seeded."""
    for p in model.parameters():
        p.requires_grad_(False)
    hidden = model.config.hidden_size
    size = bottleneck_size(method, hidden)
    torch.manual_seed(seed)
    wanted = positions(method)
    for i, kind, module in _sublayers(model):
        if kind not in wanted:
            continue
        for part in ("dense", "dropout", "LayerNorm"):
            if not hasattr(module, part):
                raise SystemExit(f"layer {i} {kind}: no {part}: not a BERT-style sub-layer")
        module.studio_adapter = Bottleneck(hidden, size, method.get("activation", "relu"))
        module.forward = types.MethodType(_forward(method), module)
    for name, p in model.named_parameters():
        if any(f".{h}." in f".{name}" for h in head):
            p.requires_grad_(True)


def adapter_tensors(model, head):
    """The studio's tensor names and layouts ([in, out] matrices) for the adapters and the trained head."""
    out = {}
    for i, kind, module in _sublayers(model):
        a = getattr(module, "studio_adapter", None)
        if a is None:
            continue
        p = f"adapters.{i}.{kind}"
        out[f"{p}.down.weight"] = a.down.weight.detach().t()
        out[f"{p}.down.bias"] = a.down.bias.detach()
        out[f"{p}.up.weight"] = a.up.weight.detach().t()
        out[f"{p}.up.bias"] = a.up.bias.detach()
    for name, p in model.named_parameters():
        if "studio_adapter" in name or not any(f".{h}." in f".{name}" for h in head):
            continue
        value = p.detach()
        out[name] = value.t() if name.endswith(".weight") and value.dim() == 2 else value
    return {k: v.float().cpu().contiguous() for k, v in out.items()}


def save(model, cfg, out_dir, base, head):
    """Writes studio_adapter.json + adapter.safetensors; `studio import-run` records the folder as the run's adapter."""
    from safetensors.torch import save_file

    method = {k: v for k, v in cfg["method"].items() if k != "type"}
    tensors = adapter_tensors(model, head)
    save_file(tensors, str(out_dir / "adapter.safetensors"), metadata={"format": "adapter-studio", "method": "bottleneck"})
    meta = {
        "format": "adapter-studio",
        "version": 1,
        "method": "bottleneck",
        "config": {**method, "labels": cfg["labels"], "task": "classification"},
        "base": {
            "architecture": base.get("architecture"),
            "hiddenSize": model.config.hidden_size,
            "numLayers": model.config.num_hidden_layers,
            **({"contentHash": base["contentHash"]} if base.get("contentHash") else {}),
        },
    }
    (out_dir / "studio_adapter.json").write_text(json.dumps(meta, indent=2) + "\n")


def load(model, method, adapter_dir):
    """Attaches the adapter saved in `adapter_dir` (our format) to `model`, with its head: the inverse of save()."""
    from pathlib import Path

    from safetensors.torch import load_file

    tensors = load_file(str(Path(adapter_dir) / "adapter.safetensors"))
    head = sorted({n.rsplit(".", 1)[0] for n in tensors if not n.startswith("adapters.")})
    attach(model, method, 0, head)
    params = dict(model.named_parameters())
    with torch.no_grad():
        for i, kind, module in _sublayers(model):
            a = getattr(module, "studio_adapter", None)
            if a is None:
                continue
            p = f"adapters.{i}.{kind}"
            a.down.weight.copy_(tensors[f"{p}.down.weight"].t())
            a.down.bias.copy_(tensors[f"{p}.down.bias"])
            a.up.weight.copy_(tensors[f"{p}.up.weight"].t())
            a.up.bias.copy_(tensors[f"{p}.up.bias"])
        for name, value in tensors.items():
            if name.startswith("adapters."):
                continue
            target = params[name]
            target.copy_(value.t() if name.endswith(".weight") and value.dim() == 2 else value)
    return model
