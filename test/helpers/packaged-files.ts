/**
 * The files electron-builder would put into the packaged app for a platform, computed with electron-builder's own
 * file matching (app-builder-lib's FileMatcher, getMainFileMatchers, getNodeModuleFileMatcher and
 * NodeModuleCopyHelper, and its node_modules traversal) on electron-builder.yml. `electron-builder` itself cannot
 * run here: it needs the Electron binary, which cannot be downloaded on this machine.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { REPO_ROOT } from './fixtures.ts';

const require = createRequire(import.meta.url);

/** A platform and architecture electron-builder packages for. */
export interface Target {
  /** electron-builder's platform key: the `${os}` macro and the section of electron-builder.yml. */
  os: 'linux' | 'mac' | 'win';
  /** The `${arch}` macro. */
  arch: 'x64' | 'arm64' | 'universal';
}

/** One file of the package: its path inside the app (`node_modules/...` or the app's own) and its size. */
export interface PackagedFile {
  path: string;
  bytes: number;
  /** Where it is in the working tree. */
  source: string;
}

type Config = Record<string, unknown> & { files?: unknown; asarUnpack?: unknown };
type Matcher = {
  patterns: string[];
  macroExpander: (s: string) => string;
  createFilter(): (file: string, stat: fs.Stats) => boolean;
};
interface NodeModule {
  name: string;
  dir: string;
  dependencies?: NodeModule[];
}

const lib = (file: string): Record<string, unknown> =>
  require(path.join(REPO_ROOT, 'node_modules/app-builder-lib/out', file)) as Record<string, unknown>;
const fileMatcher = lib('fileMatcher.js') as {
  FileMatcher: new (from: string, to: string, expand: (s: string) => string, patterns?: string[]) => Matcher;
  getMainFileMatchers: (...args: unknown[]) => Matcher[];
  getNodeModuleFileMatcher: (...args: unknown[]) => Matcher;
  getFileMatchers: (...args: unknown[]) => Matcher[] | null;
  excludedExts: string;
};
const { NodeModuleCopyHelper } = lib('util/NodeModuleCopyHelper.js') as {
  NodeModuleCopyHelper: new (
    matcher: Matcher,
    packager: unknown,
  ) => { collectNodeModules(dep: NodeModule, exts: string[], destination: string): Promise<string[]> };
};
const { TraversalNodeModulesCollector } = lib('node-module-collector/traversalNodeModulesCollector.js') as {
  TraversalNodeModulesCollector: new (
    root: string,
    temp: unknown,
  ) => { getNodeModules(o: { packageName: string }): Promise<{ nodeModules: NodeModule[] }> };
};
const { expandMacro } = lib('util/macroExpander.js') as {
  expandMacro: (p: string, arch: string | null, appInfo: object, extra: Record<string, string>) => string;
};

/** electron-builder.yml as electron-builder reads it. */
export function builderConfig(): Config {
  const yaml = require('js-yaml') as { load(text: string): unknown };
  return yaml.load(fs.readFileSync(path.join(REPO_ROOT, 'electron-builder.yml'), 'utf8')) as Config;
}

function walk(
  dir: string,
  rel: string,
  filter: (f: string, s: fs.Stats) => boolean,
  out: PackagedFile[],
): void {
  for (const name of fs.readdirSync(dir).sort()) {
    const file = path.join(dir, name);
    const stat = fs.lstatSync(file);
    if (!filter(file, stat)) continue;
    if (stat.isDirectory()) walk(file, `${rel}${name}/`, filter, out);
    else out.push({ path: `${rel}${name}`, bytes: stat.size, source: file });
  }
}

/**
 * Whether the app's own file `relPath` (not under node_modules) would be packaged for `target`: for build outputs
 * such as dist/, which a test cannot expect to exist.
 */
export function packagesAppFile(target: Target, relPath: string): boolean {
  const { platformOptions, expand, info, outDir } = setup(target);
  const stat = { isDirectory: () => false, isSymbolicLink: () => false } as fs.Stats;
  return fileMatcher
    .getMainFileMatchers(REPO_ROOT, DESTINATION, expand, platformOptions, { info }, outDir, false)
    .some((m) => m.createFilter()(path.join(REPO_ROOT, relPath), stat));
}

const DESTINATION = '/app';

function setup(target: Target) {
  const config = builderConfig();
  const appDir = REPO_ROOT;
  return {
    config,
    appDir,
    platformOptions: (config[target.os] ?? {}) as Config,
    // As PlatformPackager.createGetFileMatchersOptions does (`${platform}` would be the build host's).
    expand: (p: string) => expandMacro(p, target.arch, {}, { os: target.os, '/*': '{,/**/*}' }),
    outDir: path.join(appDir, 'release'),
    info: {
      config,
      projectDir: appDir,
      appDir,
      buildResourcesDir: path.join(appDir, 'resources/build'),
      isPrepackedAppAsar: false,
      debugLogger: { isEnabled: false },
      appInfo: { type: 'module' },
      getWorkspaceRoot: async () => appDir,
    },
  };
}

/** The app's files and node_modules electron-builder would package for `target`, and those it would unpack. */
export async function packagedFiles(
  target: Target,
): Promise<{ files: PackagedFile[]; unpacked: Set<string> }> {
  const { config, appDir, platformOptions, expand, info, outDir } = setup(target);
  const destination = DESTINATION;
  const files: PackagedFile[] = [];
  for (const matcher of fileMatcher.getMainFileMatchers(
    appDir,
    destination,
    expand,
    platformOptions,
    { info },
    outDir,
    false,
  ))
    walk(appDir, '', matcher.createFilter(), files);

  const nodeMatcher = fileMatcher.getNodeModuleFileMatcher(
    appDir,
    destination,
    expand,
    platformOptions,
    info,
  );
  const excludedExts = ['.o', '.obj', '.pdb', ...fileMatcher.excludedExts.split(',').map((e) => `.${e}`)];
  if (target.os !== 'win') excludedExts.push('.dll', '.exe');
  const { nodeModules } = await new TraversalNodeModulesCollector(appDir, null).getNodeModules({
    packageName: (JSON.parse(fs.readFileSync(path.join(appDir, 'package.json'), 'utf8')) as { name: string })
      .name,
  });
  const collect = async (dep: NodeModule, to: string): Promise<void> => {
    const matcher = new fileMatcher.FileMatcher(dep.dir, to, expand, nodeMatcher.patterns);
    const helper = new NodeModuleCopyHelper(matcher, info);
    for (const file of await helper.collectNodeModules(dep, excludedExts, path.relative(destination, to))) {
      const stat = fs.lstatSync(file);
      const inApp = path.posix.join(path.relative(destination, to), path.relative(dep.dir, file));
      if (!stat.isDirectory()) files.push({ path: inApp, bytes: stat.size, source: file });
    }
    for (const child of dep.dependencies ?? [])
      await collect(child, path.join(to, 'node_modules', child.name));
  };
  for (const dep of nodeModules) await collect(dep, path.join(destination, 'node_modules', dep.name));

  const unpackMatchers = fileMatcher.getFileMatchers(config, 'asarUnpack', destination, {
    macroExpander: expand,
    customBuildOptions: platformOptions,
    globalOutDir: outDir,
    defaultSrc: appDir,
  });
  const unpackFilter = unpackMatchers?.[0]?.createFilter();
  // As the asar packager calls it: node_modules files carry their path inside the app in the stat.
  const unpacked = new Set(
    files
      .filter((f) =>
        unpackFilter?.(f.source, Object.assign(fs.lstatSync(f.source), { moduleFullFilePath: f.path })),
      )
      .map((f) => f.path),
  );
  return { files, unpacked };
}
