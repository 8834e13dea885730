#!/usr/bin/env bash
# Issue #19's whole-run comparison: the same LoRA run (load the bundled default model, read and tokenize the
# moby-questions sample, train five epochs, evaluate each epoch, save the adapter) by `studio train` and by a
# PyTorch + PEFT script (test/bench/whole_run_peft.py; both evaluate in batches of 64), on the same machine, one after the other, each twice.
# Each side is timed twice: the whole process (start-up included) and its own clock of its work: for PyTorch from
# after its imports, for the studio from the training process's start of the job (its run.log "timings" line).
# The studio's CLI adds its own line (STUDIO_CLI_TIMINGS=1): its start-up, pre-flight and records, the training
# process's span from launch to exit, and what follows; the process minus the training's work is the CLI's share.
# Usage (GPU machine, `.gpu` carried, after `. scripts/gpu-unpack.sh`):
#   STUDIO="node .gpu/studio.mjs" STUDIO_BACKEND=webgpu bash test/bench/whole-run.sh [DIR] [EPOCHS]
# Here: bash test/bench/whole-run.sh   (the studio through `npm run -s studio --`, its chosen backend)
set -euo pipefail
DIR=${1:-/tmp/whole-run}
EPOCHS=${2:-5}
STUDIO=${STUDIO:-npm run -s studio --}
rm -rf "$DIR" && mkdir -p "$DIR"
now() { date +%s.%N; }
cat > "$DIR/run.json" <<JSON
{"project": "$DIR/project", "model": "default", "dataset": {"sample": "moby-questions"},
 "method": {"type": "lora", "r": 8, "alpha": 16, "targets": ["query", "value"]},
 "train": {"epochs": $EPOCHS, "batchSize": 16, "evalBatchSize": 64, "lr": 0.001, "maxLength": 128, "seed": 0}}
JSON
for i in 1 2; do
  t=$(now)
  python3 test/bench/whole_run_peft.py --model models/studio-bert-small \
    --sample resources/samples/moby-questions.jsonl.gz --epochs "$EPOCHS" --out "$DIR/peft-$i" > "$DIR/peft-$i.json"
  echo "pytorch+peft run $i: process $(python3 -c "print(round($(now) - $t, 2))") s; $(cat "$DIR/peft-$i.json")"
  t=$(now)
  # Progress goes to studio-$i.err; STUDIO_CLI_TIMINGS=1 adds the CLI's own phases there as its last line.
  STUDIO_CLI_TIMINGS=1 $STUDIO train --config "$DIR/run.json" --json > "$DIR/studio-$i.json" 2> "$DIR/studio-$i.err"
  echo "studio run $i: process $(python3 -c "print(round($(now) - $t, 2))") s; backend ${STUDIO_BACKEND:-auto}; $(tail -1 "$DIR/studio-$i.json" | cut -c1-300)"
  # The training process's own clock (src-main/training/phase-clock.ts), comparable with the script's "seconds".
  # Its loop's share (run.log "loop timings:") on the line before: steps, evaluations, checkpoints, the first epoch.
  grep -h ' timings: ' "$DIR/project/artifacts/run-$i/run.log" | sed "s/^.*info  /studio run $i: /"
  # The CLI's clock: its start-up, pre-flight and records before the training process's span, and what follows it.
  echo "studio run $i: $(grep -ho 'cli timings: .*' "$DIR/studio-$i.err")"
done
