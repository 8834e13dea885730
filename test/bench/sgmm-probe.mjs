// Probe: what Dawn's adapter offers on this card with and without the studio's toggles (NVIDIA's f16 toggle and
// unsafe APIs): its features and its subgroup-matrix configurations. The studio's own tensor-core product is
// measured by mixed-products.mjs.
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { create } = require('webgpu');

const FLAGS = ['enable-dawn-features=allow_unsafe_apis,vulkan_enable_f16_on_nvidia'];
for (const flags of [[], FLAGS]) {
  const a = await create(flags).requestAdapter({ powerPreference: 'high-performance' });
  console.log('flags', JSON.stringify(flags), [...a.features].sort().join(' '));
  console.log(
    'configs',
    JSON.stringify(
      (a.info.subgroupMatrixConfigs ?? []).map((c) => ({
        M: c.M,
        N: c.N,
        K: c.K,
        componentType: c.componentType,
        resultComponentType: c.resultComponentType,
      })),
    ),
    a.info.subgroupMinSize,
    a.info.subgroupMaxSize,
    a.info.device,
  );
}
