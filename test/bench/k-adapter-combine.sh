#!/usr/bin/env bash
# K-Adapter on moby-questions: two knowledge adapters (first-names, spam-assassin) trained on their own tasks, then
# three target runs with the same options and seed, only the knowledge adapters differing (docs/MODALITIES.md,
# K-Adapter "Numbers"). Usage: bash test/bench/k-adapter-combine.sh [DIR] [EPOCHS]   (DIR default /tmp/ka-bench)
# Each run's --json result is kept in DIR/<name>.json; the last lines print every run's validation accuracy.
set -euo pipefail
DIR=${1:-/tmp/ka-bench}
EPOCHS=${2:-3}
rm -rf "$DIR" && mkdir -p "$DIR"
P="$DIR/project"
train() { # NAME DATASET METHOD TRAIN
  echo "{\"project\": \"$P\", \"model\": \"default\", \"dataset\": $2, \"method\": $3, \"train\": $4}" > "$DIR/$1.config.json"
  npm run -s studio -- train --config "$DIR/$1.config.json" --json > "$DIR/$1.json"
  echo "$1 done $(date -u +%T)"
}
SRC='"epochs": 1, "batchSize": 32, "lr": 0.001, "maxEvalExamples": 400, "dropout": false'
train names '{"sample": "first-names"}' '{"type": "k-adapter"}' "{$SRC, \"maxLength\": 16, \"maxSteps\": 150}"
train spam '{"sample": "spam-assassin"}' '{"type": "k-adapter"}' "{$SRC, \"maxLength\": 32, \"maxSteps\": 100}"
TGT="{\"epochs\": $EPOCHS, \"batchSize\": 32, \"lr\": 0.002, \"maxLength\": 16, \"maxEvalExamples\": 0, \"dropout\": false}"
train target-names '{"sample": "moby-questions"}' '{"type": "k-adapter", "knowledge": [1]}' "$TGT"
train target-spam '{"sample": "moby-questions"}' '{"type": "k-adapter", "knowledge": [2]}' "$TGT"
train target-both '{"sample": "moby-questions"}' '{"type": "k-adapter", "knowledge": [1, 2]}' "$TGT"
for n in names spam target-names target-spam target-both; do
  echo "$n: $(node -e 'console.log(JSON.stringify(require(process.argv[1]).metrics))' "$DIR/$n.json")"
done
