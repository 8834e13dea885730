#!/usr/bin/env bash
# Packs what the GPU device machine needs to run the studio's engine (it has no Node and no network):
# node, the Vulkan/GL loader packages of GPU.md, and a slimmed node_modules, into the ignored .gpu/ folder.
# On the device: bash scripts/gpu-unpack.sh (see test/bench/RESULTS.md for the command).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .gpu
if [ ! -f .gpu/node.xz ]; then
  # Without its symbols node is ~13 MB smaller; the carried folder must stay under the device's 64 MiB.
  cp "$(command -v node)" /tmp/studio-node && strip --strip-all /tmp/studio-node
  xz -T2 -9e -c /tmp/studio-node > .gpu/node.xz && rm -f /tmp/studio-node
fi
# The public fixtures' base models (gpu-models.mjs compares them on the GPU): unpacked to ../shared on the device.
tar -cJf .gpu/fixtures.tar.xz -C ../shared fixtures/hf-tiny/manifest.json \
  $(cd ../shared && ls -d fixtures/hf-tiny/*/base)
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
  --exclude='node_modules/.cache' --exclude='node_modules/@types' --exclude='node_modules/pkijs'
  --exclude='node_modules/jiti' --exclude='node_modules/zod/src' --exclude='*.d.ts' --exclude='*.d.mts'
  --exclude='node_modules/better-sqlite3/build/Release/obj*' --exclude='node_modules/better-sqlite3/build/Release/.deps'
  --exclude='node_modules/better-sqlite3/build/deps' --exclude='node_modules/better-sqlite3/build/Release/test_extension.node'
  --exclude='node_modules/better-sqlite3/build/Release/sqlite3.a' --exclude='node_modules/@tensorflow'
  --exclude='node_modules/@eslint' --exclude='node_modules/vitest' --exclude='node_modules/@vitest'
  --exclude='node_modules/lodash' --exclude='node_modules/undici' --exclude='node_modules/plist'
  --exclude='node_modules/@peculiar' --exclude='node_modules/@noble' --exclude='node_modules/graphemer'
  --exclude='node_modules/bluebird' --exclude='node_modules/async' --exclude='node_modules/@sveltejs'
  --exclude='node_modules/uplot' --exclude='node_modules/esquery' --exclude='node_modules/ajv'
  --exclude='node_modules/tsx' --exclude='node_modules/esbuild' --exclude='node_modules/@esbuild'
  --exclude='node_modules/aria-query' --exclude='node_modules/axobject-query' --exclude='node_modules/postcss*'
  --exclude='node_modules/js-yaml' --exclude='node_modules/acorn' --exclude='node_modules/source-map*'
)
# The CLI and the benches run as bundled files (our code inlined, packages external), so the device needs no
# TypeScript loader (test/bench/GPU-RUNS.md): node .gpu/studio.mjs doctor, node .gpu/bench.mjs [--shape base], ...
bundle() { node scripts/bundle-node.mjs "$@"; }
for b in run gpu-profile gpu-train gpu-smoke gpu-models gpu-compare causal multitask serve-kernels mixed-products f32-products; do bundle "test/bench/$b.ts" --outfile=".gpu/${b/run/bench}.mjs"; done
# The CLI and the training, inference and data workers it starts (beside it, so no tsx is needed either).
node scripts/bundle-cli.mjs .gpu
# tf.js packages: Node loads only each package's main bundle (dist/*.node.js) and the wasm binaries.
tmp=$(mktemp)
tar -cf "$tmp" "${exclude[@]}" node_modules
find node_modules/@tensorflow \( -name package.json -o -name '*.node.js' -o -name '*.wasm' -o -path '*/wasm-out/*' \) \
  -not -name '*.map' -not -path '*/node_modules/@tensorflow/*/node_modules/*' -print0 |
  tar -rf "$tmp" --null -T -
xz -T2 -6 < "$tmp" > .gpu/node_modules.tar.xz
rm -f "$tmp"
ls -la .gpu
