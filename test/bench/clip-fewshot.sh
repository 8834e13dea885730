#!/usr/bin/env bash
# CLIP-Adapter few-shot vs zero-shot on the shipped studio-clip-small, with the held-out shape "heart" among the
# classes (docs/MODALITIES.md, "CLIP-Adapter on the shipped CLIP"). Usage: bash test/bench/clip-fewshot.sh [DIR]
# Environment: METHOD (clip-adapter, the default, or prompt: prompt tuning of the text tower), TOWERS (default both),
# VTOKENS (prompt's virtual tokens, default 8), LR (default 0.01). Prints the zero-shot and the trained adapter's
# accuracy on the same held-out test folder.
set -euo pipefail
DIR=${1:-/tmp/clip-fewshot}
LABELS=heart,circle,square,triangle
TOWERS=${TOWERS:-both} # which features CLIP-Adapter adapts: image, text or both
LR=${LR:-0.01}
METHOD=${METHOD:-clip-adapter}
VTOKENS=${VTOKENS:-8} # prompt tuning: context tokens before each label prompt (the text tower has 32 positions)
case "$METHOD" in
clip-adapter) METHOD_JSON="{ \"type\": \"clip-adapter\", \"towers\": \"$TOWERS\" }" ;;
prompt) METHOD_JSON="{ \"type\": \"prompt\", \"virtualTokens\": $VTOKENS }" ;;
*) echo "METHOD must be clip-adapter or prompt" >&2 && exit 2 ;;
esac
rm -rf "$DIR" && mkdir -p "$DIR"
# Few-shot training set: 16 images per class (seed 1); test set: 25 per class from another seed (2).
npx tsx scripts/make-clip-data.ts "$DIR/train" --by shape --shapes $LABELS --n 16 --seed 1
npx tsx scripts/make-clip-data.ts "$DIR/test" --by shape --shapes $LABELS --n 25 --seed 2

accuracy() { # zero-shot --json on stdin -> fraction whose top label is the image's class folder, then per class
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s).images;
    const cls=(i)=>i.image.split("/").at(-2), ok=(i)=>i.labels[0].label===cls(i), per={};
    for(const i of r){per[cls(i)]??=[0,0];per[cls(i)][1]++;if(ok(i))per[cls(i)][0]++}
    const n=r.filter(ok).length;
    console.log(`${n}/${r.length} = ${(n/r.length).toFixed(3)} (`+Object.entries(per).map(([c,[a,b]])=>`${c} ${a}/${b}`).join(", ")+")")})'
}

echo -n "zero-shot: "
npm run -s studio -- zero-shot --model studio-clip-small --image "$DIR"/test/*/*.png --labels $LABELS --json | accuracy

cat > "$DIR/train.json" <<JSON
{
  "project": "$DIR/project",
  "model": "studio-clip-small",
  "dataset": { "path": "$DIR/train" },
  "method": $METHOD_JSON,
  "train": { "epochs": 30, "batchSize": 8, "lr": $LR, "seed": 0 }
}
JSON
npm run -s studio -- train --config "$DIR/train.json" --json > "$DIR/train-result.json"
ADAPTER=$(ls -d "$DIR"/project/artifacts/*/adapter | head -1)
echo -n "$METHOD: "
npm run -s studio -- zero-shot --model studio-clip-small --adapter "$ADAPTER" --image "$DIR"/test/*/*.png \
  --labels $LABELS --json | accuracy
