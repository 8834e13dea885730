#!/usr/bin/env bash
# On the GPU machine (torch, transformers, PEFT, Accelerate; no Node): trains the Accelerate folders that
# make-folders.sh exported, with `accelerate launch`, and leaves their output/ for `studio import-run`.
#
#   bash run-on-gpu.sh DIR [N] [OUT]
#
# DIR holds lora/ and bottleneck/. N (default 1) is the number of GPUs: with N > 1 each folder is copied to
# <name>-<N>gpu/ first and trained there, so the one-GPU output stays for comparison. Then check_logits.py writes
# each trained adapter's logits on validation inputs, computed by PEFT (LoRA) or studio_bottleneck.py. With OUT, every output/ (and the logs and
# the environment report) is copied to OUT/<folder>/ as well, for machines whose files come back from one folder.
set -euo pipefail
DIR="$(cd "$1" && pwd)"
N="${2:-1}"
OUT="${3:-}"
HERE="$(cd "$(dirname "$0")" && pwd)"
{
  date -u
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
  python3 -c 'import torch, transformers, peft, accelerate; print("torch", torch.__version__, "cuda", torch.version.cuda); print("transformers", transformers.__version__); print("peft", peft.__version__); print("accelerate", accelerate.__version__)'
} >"$DIR/gpu-env-${N}gpu.txt" 2>&1
cat "$DIR/gpu-env-${N}gpu.txt"

for name in lora bottleneck; do
  src="$DIR/$name"
  dst="$src"
  if [ "$N" -gt 1 ]; then
    dst="$DIR/$name-${N}gpu"
    rm -rf "$dst"
    mkdir -p "$dst"
    # Everything but a previous output/: the same data, settings and base model.
    (cd "$src" && tar cf - --exclude=./output .) | (cd "$dst" && tar xf -)
  fi
  rm -rf "$dst/output"
  launch=(accelerate launch --num_processes "$N" --num_machines 1 --mixed_precision no --dynamo_backend no)
  if [ "$N" -gt 1 ]; then launch+=(--multi_gpu); fi
  echo "== $(basename "$dst"): ${launch[*]} train.py" >&2
  (cd "$dst" && time "${launch[@]}" train.py) 2>&1 | tee "$dst/train.log"
  test -f "$dst/output/final_metrics.json"
done

for name in lora bottleneck; do
  d="$DIR/$name"
  [ "$N" -gt 1 ] && d="$DIR/$name-${N}gpu"
  python3 "$HERE/check_logits.py" "$d" 2>&1 | tee "$d/output/check_logits.log"
done

if [ -n "$OUT" ]; then
  mkdir -p "$OUT"
  cp "$DIR/gpu-env-${N}gpu.txt" "$OUT/"
  for name in lora bottleneck; do
    d="$DIR/$name"
    [ "$N" -gt 1 ] && d="$DIR/$name-${N}gpu"
    mkdir -p "$OUT/$(basename "$d")"
    cp -r "$d/output" "$d/train.log" "$OUT/$(basename "$d")/"
  done
fi
echo "done: bring back each folder's output/ (and train.log), then run import-and-compare.sh here" >&2
