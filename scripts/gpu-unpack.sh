#!/usr/bin/env bash
# On the GPU device machine: unpack what scripts/gpu-bundle.sh packed. Source it: `. scripts/gpu-unpack.sh`.
set -e
mkdir -p /opt/studio-node/bin
xz -dc .gpu/node.xz > /opt/studio-node/bin/node && chmod +x /opt/studio-node/bin/node
export PATH=/opt/studio-node/bin:$PATH
for f in .gpu/*.deb; do dpkg -x "$f" /; done
ldconfig
[ -d node_modules/@tensorflow ] || tar -xJf .gpu/node_modules.tar.xz
[ -f .gpu/fixtures.tar.xz ] && mkdir -p ../shared && tar -xJf .gpu/fixtures.tar.xz -C ../shared
for d in /usr/local/nvidia /usr/lib/nvidia /usr; do
  if [ -f "$d/share/vulkan/icd.d/nvidia_icd.json" ]; then
    export VK_DRIVER_FILES="$d/share/vulkan/icd.d/nvidia_icd.json"
    export __EGL_VENDOR_LIBRARY_FILENAMES="$d/share/glvnd/egl_vendor.d/10_nvidia.json"
    break
  fi
done
set +e
