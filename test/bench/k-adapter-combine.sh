#!/usr/bin/env bash
# K-Adapter combinations: two knowledge adapters (first-names, spam-assassin) trained on their own tasks, then
# three target runs per seed with the same options, only the knowledge adapters differing (docs/MODALITIES.md,
# K-Adapter "Numbers"). Usage: bash test/bench/k-adapter-combine.sh [DIR] [EPOCHS]   (DIR default /tmp/ka-bench)
# Environment (all optional):
#   TARGET   the target sample: moby-questions (default; related to neither source) or named-mail (needs both:
#            "<name>: <e-mail start>", gender x spam); its max length is 16 and 32 tokens respectively
#   SOURCES  the knowledge adapters' source tasks: plain (default: first-names, max length 16, and spam-assassin)
#            or in-form (named-mail-gender and named-mail-spam: the same labels on named-mail's form of text)
#   STUDIO   the CLI command (default "npm run -s studio --"; on the GPU machine "node .gpu/studio.mjs")
#   BACKEND  the engine backend, passed on as STUDIO_BACKEND (e.g. webgpu; default: the studio's own choice)
#   SEEDS    train seeds of the target runs, space-separated (default "0"); each combination runs once per seed
#   EPOCHS   target epochs (default 3; the second argument wins)   TARGET_MAX_STEPS  cap on target steps (default none)
#   NAMES_STEPS, SPAM_STEPS   the knowledge adapters' steps (default 150 and 100)
# Each run's --json result is kept in DIR/<name>.json; the end prints every run's validation accuracy, then the
# mean and sample sd over the seeds per combination, and per seed both minus the better single adapter.
set -euo pipefail
DIR=${1:-/tmp/ka-bench}
EPOCHS=${2:-${EPOCHS:-3}}
STUDIO=${STUDIO:-npm run -s studio --}
SEEDS=${SEEDS:-0}
TARGET=${TARGET:-moby-questions}
case "$TARGET" in
  moby-questions) TARGET_LEN=16 ;;
  # A name and an e-mail's first 64 characters: 24 tokens for half the rows, 31 for nine in ten (specials included).
  named-mail) TARGET_LEN=32 ;;
  *) echo "TARGET must be moby-questions or named-mail, not $TARGET" >&2; exit 2 ;;
esac
SOURCES=${SOURCES:-plain}
case "$SOURCES" in
  plain) NAMES_DS=first-names NAMES_LEN=16 SPAM_DS=spam-assassin ;;
  # Why a knowledge adapter should learn on text of the form it is used on: docs/MODALITIES.md, K-Adapter.
  in-form) NAMES_DS=named-mail-gender NAMES_LEN=32 SPAM_DS=named-mail-spam ;;
  *) echo "SOURCES must be plain or in-form, not $SOURCES" >&2; exit 2 ;;
esac
if [ -n "${BACKEND:-}" ]; then export STUDIO_BACKEND=$BACKEND; fi
rm -rf "$DIR" && mkdir -p "$DIR"
P="$DIR/project"
train() { # NAME DATASET METHOD TRAIN
  echo "{\"project\": \"$P\", \"model\": \"default\", \"dataset\": $2, \"method\": $3, \"train\": $4}" > "$DIR/$1.config.json"
  $STUDIO train --config "$DIR/$1.config.json" --json > "$DIR/$1.json"
  echo "$1 done $(date -u +%T)"
}
# The accuracy of a --json result file (its last line is the run's summary).
accuracy() { node -e 'const l=require("fs").readFileSync(process.argv[1],"utf8").trim().split("\n").at(-1);
  console.log(JSON.parse(l).metrics.accuracy)' "$1"; }

SRC='"epochs": 1, "batchSize": 32, "lr": 0.001, "maxEvalExamples": 400, "dropout": false'
train names "{\"sample\": \"$NAMES_DS\"}" '{"type": "k-adapter"}' "{$SRC, \"maxLength\": $NAMES_LEN, \"maxSteps\": ${NAMES_STEPS:-150}}"
train spam "{\"sample\": \"$SPAM_DS\"}" '{"type": "k-adapter"}' "{$SRC, \"maxLength\": 32, \"maxSteps\": ${SPAM_STEPS:-100}}"
CAP=${TARGET_MAX_STEPS:+, \"maxSteps\": $TARGET_MAX_STEPS}
# The knowledge adapters are the project's runs 1 (names) and 2 (spam).
declare -A KNOWLEDGE=([names]='[1]' [spam]='[2]' [both]='[1, 2]')
for seed in $SEEDS; do
  TGT="{\"epochs\": $EPOCHS, \"batchSize\": 32, \"lr\": 0.002, \"maxLength\": $TARGET_LEN, \"maxEvalExamples\": 0, \"dropout\": false, \"seed\": $seed$CAP}"
  for c in names spam both; do
    train "target-$c-seed$seed" "{\"sample\": \"$TARGET\"}" "{\"type\": \"k-adapter\", \"knowledge\": ${KNOWLEDGE[$c]}}" "$TGT"
  done
done

echo "target $TARGET, sources $SOURCES ($NAMES_DS, $SPAM_DS)"
for n in names spam; do echo "$n (its own task): $(accuracy "$DIR/$n.json")"; done
for c in names spam both; do
  values=$(for seed in $SEEDS; do accuracy "$DIR/target-$c-seed$seed.json"; done | tr '\n' ' ')
  TARGET="$TARGET" node -e 'const v=process.argv[2].trim().split(/\s+/).map(Number), n=v.length, m=v.reduce((a,b)=>a+b,0)/n;
    const sd=n>1?Math.sqrt(v.reduce((a,b)=>a+(b-m)**2,0)/(n-1)):0;
    console.log(`target ${process.env.TARGET}, ${process.argv[1]}: mean ${m.toFixed(3)} sd ${sd.toFixed(3)} over ${n} seed(s): ${v.map((x)=>x.toFixed(3)).join(" ")}`)' "$c" "$values"
done
for seed in $SEEDS; do
  a=$(accuracy "$DIR/target-names-seed$seed.json") b=$(accuracy "$DIR/target-spam-seed$seed.json")
  both=$(accuracy "$DIR/target-both-seed$seed.json")
  node -e 'const [s,a,b,c]=process.argv.slice(1);console.log(`seed ${s}: both - better single = ${(c-Math.max(a,b)).toFixed(3)}`)' "$seed" "$a" "$b" "$both"
done
