#!/usr/bin/env bash
# Trains a tiny LoRA run and a bottleneck run on the bundled default model (CPU, a few steps), exports them as
# merged, PEFT, AdapterHub and bundle into DIR (default .interop-out), and writes the studio's own logits for a few
# texts (`studio tokenize` ids -> `studio predict`) into DIR/expected.json. test/interop/verify_exports.py then
# loads the merged and PEFT folders exactly as their README.md cards say and compares, needing nothing but DIR.
#
#   bash test/interop/make-exports.sh [DIR]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DIR="$(mkdir -p "${1:-$ROOT/.interop-out}" && cd "${1:-$ROOT/.interop-out}" && pwd)"
STUDIO=(node "$ROOT/bin/studio.mjs")
TS=(node "$ROOT/bin/run-ts.mjs")
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export STUDIO_HOME="$WORK/home"
find "$DIR" -mindepth 1 -delete

train() { # NAME METHOD_JSON -> run id
  cat >"$WORK/$1.json" <<JSON
{"project": "$WORK/project", "model": "default", "name": "interop $1",
 "dataset": {"path": "$ROOT/test/fixtures/datasets/small.csv", "text": "text", "label": "label"},
 "method": $2,
 "train": {"epochs": 2, "batchSize": 4, "lr": 0.01, "maxLength": 32, "seed": 7}}
JSON
  "${STUDIO[@]}" train --config "$WORK/$1.json" --json | tail -n 1 |
    node -e 'const r = JSON.parse(require("fs").readFileSync(0, "utf8")); if (r.status !== "completed") process.exit(1); console.log(r.runId)'
}
LORA=$(train lora '{"type": "lora", "r": 4, "alpha": 8}')
BOTTLENECK=$(train bottleneck '{"type": "bottleneck", "variant": "houlsby", "bottleneckSize": 16}')
echo "trained runs: lora $LORA, bottleneck $BOTTLENECK" >&2

export_run() { "${STUDIO[@]}" export --project "$WORK/project" --run "$1" --format "$2" --out "$3" >/dev/null; }
export_run "$LORA" merged "$DIR/merged"
export_run "$LORA" peft "$DIR/peft"
export_run "$LORA" bundle "$DIR/bundle-lora.zip"
export_run "$BOTTLENECK" adapterhub "$DIR/adapterhub"
export_run "$BOTTLENECK" bundle "$DIR/bundle-bottleneck.zip"
# DIR must stay small: the AdapterHub folder's base-model/ is the very copy peft/base-model/ holds.
cmp "$DIR/adapterhub/base-model/model.safetensors" "$DIR/peft/base-model/model.safetensors"
rm -r "$DIR/adapterhub/base-model"
echo "adapterhub/base-model/ removed here: identical to peft/base-model/ (size limit of this folder)" >"$DIR/adapterhub/BASE-MODEL.txt"

i=0
for text in "the movie was great" "terrible plot, boring and long" "I loved it" "call me tomorrow about the free offer"; do
  "${STUDIO[@]}" tokenize --model default --text "$text" >"$WORK/tok-$i.json"
  i=$((i + 1))
done
"${TS[@]}" "$ROOT/test/interop/pack.ts" pack "$WORK" "$WORK/inputs.safetensors"
ADAPTER="$WORK/project/artifacts/run-$LORA/adapter"
"${STUDIO[@]}" predict --model "$DIR/merged" --inputs "$WORK/inputs.safetensors" --output "$WORK/merged.safetensors"
"${STUDIO[@]}" predict --model default --adapter "$ADAPTER" --inputs "$WORK/inputs.safetensors" --output "$WORK/peft.safetensors"
"${TS[@]}" "$ROOT/test/interop/pack.ts" expect "$DIR/expected.json" "$WORK/inputs.safetensors" \
  "merged=$WORK/merged.safetensors" "peft=$WORK/peft.safetensors"
cp "$ROOT/test/interop/verify_exports.py" "$DIR/"
du -sh "$DIR" >&2
echo "$DIR"
