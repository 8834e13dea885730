#!/usr/bin/env bash
# Packs what the GPU device machine needs to run the studio's engine (it has no Node and no network):
# node, the Vulkan/GL loader packages of GPU.md, and a slimmed node_modules, into the ignored .gpu/ folder.
# On the device: bash scripts/gpu-unpack.sh (see test/bench/RESULTS.md for the command).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .gpu
[ -f .gpu/node.xz ] || xz -T2 -6 -c "$(command -v node)" > .gpu/node.xz
if ! ls .gpu/libvulkan1_*.deb >/dev/null 2>&1; then
  mkdir -p /tmp/amd64/partial
  o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  apt-get $o update -qq
  (cd .gpu && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
fi
exclude=(
  --exclude='node_modules/@stdlib' --exclude='node_modules/electron*' --exclude='node_modules/@electron*'
  --exclude='node_modules/typescript' --exclude='node_modules/core-js' --exclude='node_modules/app-builder-*'
  --exclude='node_modules/playwright-core' --exclude='node_modules/prettier*' --exclude='node_modules/node-gyp'
  --exclude='node_modules/eslint*' --exclude='node_modules/@typescript-eslint' --exclude='node_modules/svelte*'
  --exclude='node_modules/vite' --exclude='node_modules/rollup' --exclude='node_modules/@rollup'
  --exclude='node_modules/postject' --exclude='node_modules/7zip-bin' --exclude='node_modules/dmg-*'
  --exclude='node_modules/better-sqlite3/deps' --exclude='node_modules/better-sqlite3/src'
  --exclude='node_modules/webgpu/dist/darwin*' --exclude='node_modules/webgpu/dist/win32*'
  --exclude='node_modules/webgpu/dist/linux-arm*' --exclude='*.map' --exclude='*.min.js' --exclude='*.es2017.js'
  --exclude='*.fesm*' --exclude='node_modules/@tensorflow/*/src' --exclude='node_modules/@tensorflow/tfjs-backend-wasm/wasm-out/*.d.ts'
  --exclude='node_modules/.cache'
)
tar -cf - "${exclude[@]}" node_modules | xz -T2 -6 > .gpu/node_modules.tar.xz
ls -la .gpu
