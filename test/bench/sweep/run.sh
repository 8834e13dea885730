#!/usr/bin/env bash
# The sweep of docs/EXPERIMENTS.md: the default settings as one run, then a 12-trial sweep with successive halving
# on the same data, killed (SIGKILL) in the middle and resumed. STUDIO = how to call the CLI (default: the sources).
#   bash test/bench/sweep/run.sh            # here: npm's bin/studio.mjs
#   STUDIO="node .gpu/studio.mjs" bash test/bench/sweep/run.sh   # the GPU machine's bundle (test/bench/GPU-RUNS.md)
set -uo pipefail
cd "$(dirname "$0")"
STUDIO=${STUDIO:-node ../../../bin/studio.mjs}
KILL_AFTER=${KILL_AFTER:-60}
rm -rf out && mkdir -p out
echo "== default settings"; $STUDIO train --config default.json --json | tail -1 | tee out/default.json
echo "== sweep, killed after ${KILL_AFTER}s"
$STUDIO sweep --config sweep.json --json > out/sweep-1.json 2> out/sweep-1.log &
pid=$!
sleep "$KILL_AFTER"; kill -9 "$pid"; wait "$pid" 2>/dev/null
$STUDIO sweeps --project out/project | tee out/after-kill.txt
echo "== resumed"
$STUDIO sweep --project out/project --resume 1 2> out/sweep-2.log | tee out/sweep.txt
grep -h "resuming from step" out/sweep-2.log
$STUDIO sweeps --project out/project --json | tail -1 > out/sweep.json
