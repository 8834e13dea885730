/**
 * The optional WebGPU features our kernels use, asked for on tf.js's device. tf.js (4.22) requests its device with
 * only 'timestamp-query' and 'bgra8unorm-storage', so the adapter it is handed asks for ours too where the adapter
 * offers them: 'shader-f16' (mixed-precision products), 'subgroups' and 'chromium-experimental-subgroup-matrix'
 * (the GPU's matrix units). Asking costs nothing for shaders that do not use them.
 *
 * WGSL wants `enable` and `diagnostic` directives before every declaration, but tf.js puts its own declarations
 * before a program's code; so the device given to tf.js moves such directives of a shader to its top.
 */
import type { MatrixShape } from './mixed-matmul.ts';
import { watchGpuErrors } from './gpu-errors.ts';

export const OPTIONAL_FEATURES = ['shader-f16', 'subgroups', 'chromium-experimental-subgroup-matrix'];

/**
 * Dawn toggles the studio sets on its WebGPU instance (STUDIO_DAWN_FLAGS adds to them): Dawn offers shader-f16 on
 * NVIDIA's Vulkan driver only with vulkan_enable_f16_on_nvidia, and its experimental subgroup matrices only with
 * allow_unsafe_apis (a guard for web pages, which the studio does not run).
 */
export const DAWN_TOGGLES = ['allow_unsafe_apis', 'vulkan_enable_f16_on_nvidia'];

/** Dawn flags: our toggles merged with the user's (one enable-dawn-features list). */
export function dawnFlags(user: string | undefined): string[] {
  const flags = (user ?? '').split(' ').filter(Boolean);
  const enable = flags.find((f) => f.startsWith('enable-dawn-features='));
  const rest = flags.filter((f) => f !== enable);
  const theirs = enable ? enable.slice('enable-dawn-features='.length).split(',').filter(Boolean) : [];
  return [...rest, `enable-dawn-features=${[...new Set([...DAWN_TOGGLES, ...theirs])].join(',')}`];
}

interface SubgroupMatrixConfig extends MatrixShape {
  componentType: string;
  resultComponentType: string;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- Dawn's objects, typed at run time */
interface AdapterLike {
  features: Set<string>;
  limits: unknown;
  info?: any;
  requestDevice(descriptor?: any): Promise<any>;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

interface Noted {
  matrix: MatrixShape | null;
  subgroupSize: number;
  /** The adapter's smallest subgroup size: what a kernel may count on (0: not known). */
  subgroupMinSize: number;
}
let noted: Noted = { matrix: null, subgroupSize: 0, subgroupMinSize: 0 };

const DIRECTIVE = /^[ \t]*(enable|diagnostic|requires)\b[^;{}]*;[ \t]*$/gm;

/** `code` with its enable/diagnostic/requires directives moved to the top (each once). */
export function hoistDirectives(code: string): string {
  const found = code.match(DIRECTIVE);
  if (!found) return code;
  const unique = [...new Set(found.map((d) => d.trim()))];
  // `enable` must come before `diagnostic` that names an extension's rule.
  unique.sort((a, b) => +a.startsWith('diagnostic') - +b.startsWith('diagnostic'));
  return `${unique.join('\n')}\n${code.replace(DIRECTIVE, '')}`;
}

/**
 * A program whose code carries ENTRY_BUILTINS gets tf.js's entry point's workgroup id and its subgroup's id as
 * arguments of `main` (tf.js's own entry copies builtins into private variables, which WGSL's uniformity analysis
 * counts as varying per invocation; subgroup matrices must be loaded and stored at subgroup-uniform offsets).
 */
export const ENTRY_BUILTINS = '// studio:main(workgroup_id, subgroup_id)';

/** tf.js's `_start` rewritten to pass `main` its workgroup id and subgroup id, for a program marked so. */
export function passEntryBuiltins(code: string): string {
  if (!code.includes(ENTRY_BUILTINS)) return code;
  const start = code.indexOf('fn _start(');
  // The parameter list ends at the `)` before the body's `{` (its attributes have parentheses of their own).
  const body = start < 0 ? null : /\)\s*\{/.exec(code.slice(start));
  const close = body && start >= 0 ? start + body.index : -1;
  const call = close < 0 ? -1 : code.indexOf('main();', close);
  if (call < 0)
    throw new Error('tf.js shader: no _start calling main() to pass builtins to (tfjs 4.22 expected)');
  return (
    `${code.slice(0, close)}, @builtin(subgroup_id) SubgroupId : u32${code.slice(close, call)}` +
    `main(WorkgroupId, SubgroupId);${code.slice(call + 'main();'.length)}`
  );
}

/** The first f16 x f16 -> f32 matrix shape on the adapter's list (Dawn lists them by preference). */
function f16Matrix(configs: SubgroupMatrixConfig[] | undefined): MatrixShape | null {
  const c = (configs ?? []).find((x) => x.componentType === 'f16' && x.resultComponentType === 'f32');
  return c ? { M: c.M, N: c.N, K: c.K } : null;
}

/** An adapter whose requestDevice also asks for OPTIONAL_FEATURES it offers, and hoists shader directives. */
export function withOptionalFeatures(adapter: AdapterLike): AdapterLike {
  const extra = OPTIONAL_FEATURES.filter((f) => adapter.features.has(f));
  const info = adapter.info as
    | { subgroupMatrixConfigs?: SubgroupMatrixConfig[]; subgroupMaxSize?: number; subgroupMinSize?: number }
    | undefined;
  noted = {
    matrix: extra.includes('chromium-experimental-subgroup-matrix')
      ? f16Matrix(info?.subgroupMatrixConfigs)
      : null,
    subgroupSize: info?.subgroupMaxSize ?? 0,
    subgroupMinSize: info?.subgroupMinSize ?? 0,
  };
  return {
    features: adapter.features,
    limits: adapter.limits,
    info: adapter.info,
    requestDevice: async (descriptor: { requiredFeatures?: Iterable<string> } = {}) => {
      const asked = [...(descriptor.requiredFeatures ?? [])];
      const device = await adapter.requestDevice({
        ...descriptor,
        requiredFeatures: [...asked, ...extra.filter((f) => !asked.includes(f))],
      });
      const create = device.createShaderModule.bind(device) as (d: { code: string }) => unknown;
      device.createShaderModule = (d: { code: string }) =>
        create({ ...d, code: hoistDirectives(passEntryBuiltins(d.code)) });
      watchGpuErrors(device);
      return device;
    },
  };
}

/** What the device can do for mixed precision: f16 in shaders, and the matrix units' f16 shape if any. */
export function mixedCapabilities(device: { features: Set<string> } | null): {
  f16: boolean;
  matrix: { shape: MatrixShape; subgroupSize: number } | undefined;
} {
  const f16 = device?.features.has('shader-f16') ?? false;
  const matrixOk =
    f16 &&
    noted.matrix &&
    noted.subgroupSize > 0 &&
    device?.features.has('chromium-experimental-subgroup-matrix');
  return {
    f16,
    matrix: matrixOk && noted.matrix ? { shape: noted.matrix, subgroupSize: noted.subgroupSize } : undefined,
  };
}

/** Lanes a kernel can count on in one subgroup on this device: the adapter's smallest subgroup, or 0 without subgroups. */
export function subgroupLanes(device: { features: Set<string> } | null): number {
  return device?.features.has('subgroups') ? noted.subgroupMinSize : 0;
}
