// Probe: what Dawn offers on this card with NVIDIA's f16 toggle and unsafe APIs, and how fast a
// subgroup-matrix (tensor core) product of f32 tensors rounded to f16 in shared memory runs.
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { create, globals } = require('webgpu');
const { GPUBufferUsage, GPUMapMode } = globals;

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
const adapter = await create(FLAGS).requestAdapter({ powerPreference: 'high-performance' });
const want = ['shader-f16', 'subgroups', 'chromium-experimental-subgroup-matrix', 'timestamp-query'];
const requiredFeatures = want.filter((f) => adapter.features.has(f));
const L = adapter.limits;
const device = await adapter.requestDevice({
  requiredFeatures,
  requiredLimits: {
    maxComputeWorkgroupStorageSize: L.maxComputeWorkgroupStorageSize,
    maxStorageBufferBindingSize: L.maxStorageBufferBindingSize,
    maxBufferSize: L.maxBufferSize,
    maxComputeInvocationsPerWorkgroup: L.maxComputeInvocationsPerWorkgroup,
    maxComputeWorkgroupSizeX: L.maxComputeWorkgroupSizeX,
  },
});
device.addEventListener?.('uncapturederror', (e) => console.log('uncaptured', e.error?.message));
console.log(
  'device features',
  [...device.features].join(' '),
  'wg storage',
  L.maxComputeWorkgroupStorageSize,
);
const configs = (adapter.info.subgroupMatrixConfigs ?? []).filter(
  (c) => c.componentType === 'f16' && c.resultComponentType === 'f32',
);
console.log('f16->f32 configs', JSON.stringify(configs));

function kernel({ fm, fn, fk, wm, wn, tm, tn, bk, sg, sid }) {
  const BM = wm * tm * fm,
    BN = wn * tn * fn,
    BK = bk,
    T = wm * wn * sg;
  const acc = [],
    loadsA = [],
    loadsB = [],
    mma = [],
    stores = [];
  for (let i = 0; i < tm; i++)
    loadsA.push(
      `let a${i} = subgroupMatrixLoad<subgroup_matrix_left<f16, ${fk}, ${fm}>>(&As, (r0 + ${i * fm}u) * ${BK}u + kk, false, ${BK}u);`,
    );
  for (let j = 0; j < tn; j++)
    loadsB.push(
      `let b${j} = subgroupMatrixLoad<subgroup_matrix_right<f16, ${fn}, ${fk}>>(&Bs, kk * ${BN}u + c0 + ${j * fn}u, false, ${BN}u);`,
    );
  for (let i = 0; i < tm; i++)
    for (let j = 0; j < tn; j++) {
      acc.push(`var c${i}_${j} = subgroup_matrix_result<f32, ${fn}, ${fm}>();`);
      mma.push(`c${i}_${j} = subgroupMatrixMultiplyAccumulate(a${i}, b${j}, c${i}_${j});`);
      stores.push(
        `subgroupMatrixStore(&C, (row0 + r0 + ${i * fm}u) * d.n + col0 + c0 + ${j * fn}u, c${i}_${j}, false, d.n);`,
      );
    }
  const aVec = (BM * BK) / 4,
    bVec = (BK * BN) / 4;
  const code = `enable f16;
enable subgroups;
enable chromium_experimental_subgroup_matrix;
diagnostic(off, chromium_experimental.subgroup_matrix_uniformity);
struct Dims { m: u32, n: u32, k: u32 }
@group(0) @binding(0) var<storage, read> A: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> B: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> C: array<f32>;
@group(0) @binding(3) var<uniform> d: Dims;
var<workgroup> As: array<f16, ${BM * BK}>;
var<workgroup> Bs: array<f16, ${BK * BN}>;
@compute @workgroup_size(${T})
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) li: u32${sid ? ', @builtin(subgroup_id) sgid: u32' : ''}) {
  let row0 = wg.y * ${BM}u; let col0 = wg.x * ${BN}u;
  let s = ${sid ? 'sgid' : `li / ${sg}u`}; let r0 = (s / ${wn}u) * ${tm * fm}u; let c0 = (s % ${wn}u) * ${tn * fn}u;
  ${acc.join('\n  ')}
  for (var kt = 0u; kt < d.k; kt += ${BK}u) {
    for (var i = li; i < ${aVec}u; i += ${T}u) {
      let r = i / ${BK / 4}u; let q = i % ${BK / 4}u;
      let v = vec4<f16>(A[((row0 + r) * d.k + kt) / 4u + q]);
      let o = r * ${BK}u + q * 4u;
      As[o] = v.x; As[o + 1u] = v.y; As[o + 2u] = v.z; As[o + 3u] = v.w;
    }
    for (var i = li; i < ${bVec}u; i += ${T}u) {
      let r = i / ${BN / 4}u; let q = i % ${BN / 4}u;
      let v = vec4<f16>(B[((kt + r) * d.n + col0) / 4u + q]);
      let o = r * ${BN}u + q * 4u;
      Bs[o] = v.x; Bs[o + 1u] = v.y; Bs[o + 2u] = v.z; Bs[o + 3u] = v.w;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < ${BK}u; kk += ${fk}u) {
      ${loadsA.join('\n      ')}
      ${loadsB.join('\n      ')}
      ${mma.join('\n      ')}
    }
    workgroupBarrier();
  }
  ${stores.join('\n  ')}
}`;
  return { code, BM, BN };
}

async function build(cfg) {
  const { code, BM, BN } = kernel(cfg);
  device.pushErrorScope('validation');
  const module = device.createShaderModule({ code });
  const info = await module.getCompilationInfo();
  const msgs = info.messages.filter((m) => m.type === 'error');
  if (msgs.length) throw new Error(msgs.map((m) => m.message).join('; '));
  const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
  const err = await device.popErrorScope();
  if (err) throw new Error(err.message);
  return { pipeline, BM, BN };
}

function buffers(m, n, k, fill) {
  const a = new Float32Array(m * k),
    b = new Float32Array(k * n);
  if (fill) {
    for (let i = 0; i < a.length; i++) a[i] = Math.random() * 2 - 1;
    for (let i = 0; i < b.length; i++) b[i] = Math.random() * 2 - 1;
  }
  const mk = (arr) => {
    const g = device.createBuffer({
      size: arr.byteLength,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
    });
    device.queue.writeBuffer(g, 0, arr);
    return g;
  };
  const C = device.createBuffer({ size: m * n * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const U = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(U, 0, new Uint32Array([m, n, k, 0]));
  return { a, b, A: mk(a), B: mk(b), C, U };
}

async function run(p, bufs, m, n, reps) {
  const bg = device.createBindGroup({
    layout: p.pipeline.getBindGroupLayout(0),
    entries: [bufs.A, bufs.B, bufs.C, bufs.U].map((buffer, binding) => ({ binding, resource: { buffer } })),
  });
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  pass.setPipeline(p.pipeline);
  pass.setBindGroup(0, bg);
  for (let r = 0; r < reps; r++) pass.dispatchWorkgroups(n / p.BN, m / p.BM);
  pass.end();
  const t0 = performance.now();
  device.queue.submit([enc.finish()]);
  await device.queue.onSubmittedWorkDone();
  return performance.now() - t0;
}

async function check(p) {
  const m = 256,
    n = 256,
    k = 256;
  const bufs = buffers(m, n, k, true);
  await run(p, bufs, m, n, 1);
  const R = device.createBuffer({
    size: m * n * 4,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  const e = device.createCommandEncoder();
  e.copyBufferToBuffer(bufs.C, 0, R, 0, m * n * 4);
  device.queue.submit([e.finish()]);
  await R.mapAsync(GPUMapMode.READ);
  const c = new Float32Array(R.getMappedRange().slice(0));
  let worst = 0;
  for (let i = 0; i < m; i += 7)
    for (let j = 0; j < n; j += 5) {
      let s = 0;
      for (let q = 0; q < k; q++) s += bufs.a[i * k + q] * bufs.b[q * n + j];
      worst = Math.max(worst, Math.abs(s - c[i * n + j]));
    }
  return worst;
}

const shapes = [
  [4096, 4096, 4096],
  [2048, 768, 768],
  [2048, 3072, 768],
  [2048, 768, 3072],
];
for (const c of configs.length ? configs : []) {
  const sg = adapter.info.subgroupMaxSize;
  for (const [wm, wn, tm, tn, bk] of [
    [4, 2, 2, 4, 32],
    [2, 2, 2, 2, 32],
    [2, 2, 4, 4, 32],
    [4, 2, 2, 4, 64],
    [2, 4, 4, 2, 32],
  ]) {
    const cfg = { fm: c.M, fn: c.N, fk: c.K, wm, wn, tm, tn, bk, sg };
    let p;
    try {
      p = await build(cfg);
    } catch (e) {
      console.log('build failed', JSON.stringify(cfg), String(e.message).slice(0, 300));
      continue;
    }
    const err = await check(p);
    const out = [];
    for (const [m, n, k] of shapes) {
      if (m % p.BM || n % p.BN) {
        out.push('-');
        continue;
      }
      const bufs = buffers(m, n, k, false);
      await run(p, bufs, m, n, 3);
      const reps = m === 4096 ? 20 : 100;
      const ms = await run(p, bufs, m, n, reps);
      out.push(`${m}x${n}x${k} ${((2 * m * n * k * reps) / (ms * 1e9)).toFixed(1)}`);
      for (const b of [bufs.A, bufs.B, bufs.C, bufs.U]) b.destroy();
    }
    console.log(
      `sgmm ${c.M}x${c.N}x${c.K} wg ${p.BM}x${p.BN}x${bk} (${wm}x${wn} subgroups of ${tm}x${tn}) maxerr ${err.toExponential(2)} TFLOP/s: ${out.join(' | ')}`,
    );
  }
}
process.exit(0);
