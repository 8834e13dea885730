#!/usr/bin/env bash
# Here (Node, CPU): trains a LoRA run and a bottleneck run in the studio on the shipped first-names sample with the
# bundled default model, and exports both as Accelerate folders into DIR (default .interop-accelerate/):
#
#   DIR/project/      the studio project holding the two runs trained here (the reference metrics)
#   DIR/lora/         `studio export --format accelerate` of the LoRA run (train.py, data, run_config.json, ...)
#   DIR/bottleneck/   the same for the bottleneck run
#   DIR/runs.json     {"lora": ID, "bottleneck": ID}: the studio runs the folders came from
#
#   bash test/interop/accelerate/make-folders.sh [DIR]      (20 to 30 minutes on 2 busy CPU cores)
#
# MAX_STEPS=N caps both runs (a smoke test of the scripts; the folders then train N steps on the GPU too).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../../.." && pwd)"
DIR="$(mkdir -p "${1:-$ROOT/.interop-accelerate}" && cd "${1:-$ROOT/.interop-accelerate}" && pwd)"
# STUDIO="node .gpu/studio.mjs" runs the bundled CLI instead (the GPU machine: test/bench/GPU-RUNS.md).
read -ra STUDIO <<<"${STUDIO:-node $ROOT/bin/studio.mjs}"
export STUDIO_HOME="$DIR/.home"
find "$DIR" -mindepth 1 -delete

train() { # NAME METHOD_JSON -> run id
  cat >"$DIR/$1.json" <<JSON
{"project": "$DIR/project", "model": "default", "name": "accelerate interop $1",
 "dataset": {"sample": "first-names"},
 "method": $2,
 "train": {"epochs": 2, "batchSize": 32, "lr": 0.002, "maxLength": 16, "seed": 0${MAX_STEPS:+, \"maxSteps\": $MAX_STEPS}}}
JSON
  "${STUDIO[@]}" train --config "$DIR/$1.json" --json | tail -n 1 |
    node -e 'const r = JSON.parse(require("fs").readFileSync(0, "utf8")); if (r.status !== "completed") process.exit(1); console.log(r.runId)'
}
LORA=$(train lora '{"type": "lora", "r": 8, "alpha": 16}')
BOTTLENECK=$(train bottleneck '{"type": "bottleneck", "variant": "pfeiffer", "reductionFactor": 16}')
echo "{\"lora\": $LORA, \"bottleneck\": $BOTTLENECK}" >"$DIR/runs.json"
"${STUDIO[@]}" export --project "$DIR/project" --run "$LORA" --format accelerate --out "$DIR/lora" >/dev/null
"${STUDIO[@]}" export --project "$DIR/project" --run "$BOTTLENECK" --format accelerate --out "$DIR/bottleneck" >/dev/null
"${STUDIO[@]}" runs list --project "$DIR/project" >&2 || true
du -sh "$DIR/lora" "$DIR/bottleneck" >&2
echo "$DIR"
