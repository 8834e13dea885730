#!/usr/bin/env bash
# Shrinks the e2e screenshots before they are committed (the repository travels whole to the GPU machine, which
# takes 64 MiB): pngquant's palette quantisation keeps UI screenshots legible at about a third of their size.
# Needs Debian's pngquant (apt-get install pngquant); the e2e tests write full-size PNGs, this is run by hand.
set -euo pipefail
cd "$(dirname "$0")/../test/e2e/screenshots"
command -v pngquant >/dev/null || { echo "compress-screenshots: pngquant is not installed (apt-get install pngquant)" >&2; exit 1; }
pngquant --force --ext .png --quality 70-90 --speed 3 --skip-if-larger -- *.png || [ $? -eq 98 ] || [ $? -eq 99 ]
du -sh .
