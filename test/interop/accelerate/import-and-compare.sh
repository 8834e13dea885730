#!/usr/bin/env bash
# Here (Node), after run-on-gpu.sh: imports the trained folders back into DIR/project (`studio import-run`), runs
# `studio predict` on each imported run with the inputs check_logits.py used, and writes DIR/report.md: the
# studio's and Accelerate's validation metrics side by side, the largest logit difference against torch, and
# (when DIR holds <name>-2gpu/ folders) how far the two-GPU loss curve is from the one-GPU one.
#
#   bash test/interop/accelerate/import-and-compare.sh [DIR]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../../.." && pwd)"
DIR="$(cd "${1:-$ROOT/.interop-accelerate}" && pwd)"
STUDIO=(node "$ROOT/bin/studio.mjs")
export STUDIO_HOME="$DIR/.home"
# A <name>-<N>gpu folder brought back with only its output/ (and train.log) gets the rest of <name>/: the same
# train.py, data and run_config.json it trained from.
for folder in "$DIR"/lora-*gpu "$DIR"/bottleneck-*gpu; do
  [ -d "$folder" ] && [ ! -f "$folder/run_config.json" ] || continue
  base="$DIR/$(basename "$folder" | sed 's/-[0-9]*gpu$//')"
  (cd "$base" && tar cf - --exclude=./output --exclude=./train.log .) | (cd "$folder" && tar xf -)
done
for folder in "$DIR"/lora "$DIR"/bottleneck "$DIR"/lora-*gpu "$DIR"/bottleneck-*gpu; do
  [ -d "$folder/output/adapter" ] || continue
  name="$(basename "$folder")"
  [ -f "$DIR/import-$name.json" ] && continue
  "${STUDIO[@]}" import-run "$folder" --project "$DIR/project" --json >"$DIR/import-$name.json"
done
for folder in "$DIR"/lora "$DIR"/bottleneck "$DIR"/lora-*gpu "$DIR"/bottleneck-*gpu; do
  [ -f "$folder/output/check-inputs.safetensors" ] || continue
  name="$(basename "$folder")"
  id="$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).runId)' "$DIR/import-$name.json")"
  "${STUDIO[@]}" predict --model default --adapter "$DIR/project/artifacts/run-$id/adapter" \
    --inputs "$folder/output/check-inputs.safetensors" --output "$folder/output/studio-logits.safetensors"
done
node "$ROOT/bin/run-ts.mjs" "$ROOT/test/interop/accelerate/compare.ts" "$DIR" | tee "$DIR/report.md"
