"""The studio's learning-rate schedule and validation metrics in plain Python (no torch), so train.py reports what
the studio would: src-main/training/schedule.ts and metrics.ts. test/main/export/accelerate-python.test.ts checks
them against the studio's own functions."""
import math
import re

NO_DECAY = re.compile(r"(^|\.)(bias|b)$|norm|LayerNorm|layernorm|ln_", re.IGNORECASE)


def learning_rate(step, kind, base, total, warmup):
    """Linear warm-up, then linear or cosine decay to zero, or constant (transformers' get_*_schedule_with_warmup)."""
    if warmup > 0 and step < warmup:
        return base * step / warmup
    if kind == "constant":
        return base
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    if kind == "linear":
        return base * max(0.0, 1 - progress)
    return base * 0.5 * (1 + math.cos(math.pi * progress))


def accuracy(pred, gold):
    return sum(int(p == g) for p, g in zip(pred, gold)) / len(gold) if gold else 0.0


def macro_f1(pred, gold, num_classes):
    """Macro-averaged F1; a class with no gold and no predicted example is skipped."""
    tp, fp, fn = [0] * num_classes, [0] * num_classes, [0] * num_classes
    for p, g in zip(pred, gold):
        if p == g:
            tp[g] += 1
        else:
            fp[p] += 1
            fn[g] += 1
    scores = [2 * tp[c] / (2 * tp[c] + fp[c] + fn[c]) for c in range(num_classes) if 2 * tp[c] + fp[c] + fn[c] > 0]
    return sum(scores) / len(scores) if scores else 0.0


def decays(name):
    """Whether AdamW decays this weight: not biases and norms (the studio's adamw.ts defaultNoDecay)."""
    return NO_DECAY.search(name) is None
