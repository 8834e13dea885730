// better-sqlite3 is compiled for Node's ABI (the CLI and tests use it). Electron needs its own build; we keep that
// one in .electron-native/ and hand its path to the app (STUDIO_SQLITE_BINDING), so neither side breaks the other.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export async function ensureNativeForElectron(root) {
  const electronVersion = JSON.parse(
    fs.readFileSync(path.join(root, 'node_modules/electron/package.json'), 'utf8'),
  ).version;
  const outDir = path.join(root, '.electron-native', electronVersion);
  const binding = path.join(outDir, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node');
  if (!fs.existsSync(binding)) {
    console.error(`building better-sqlite3 for Electron ${electronVersion} (once)...`);
    fs.mkdirSync(path.join(outDir, 'node_modules'), { recursive: true });
    fs.cpSync(
      path.join(root, 'node_modules/better-sqlite3'),
      path.join(outDir, 'node_modules/better-sqlite3'),
      {
        recursive: true,
      },
    );
    const r = spawnSync(
      process.execPath,
      [
        path.join(root, 'node_modules/@electron/rebuild/lib/cli.js'),
        '--version',
        electronVersion,
        '--module-dir',
        outDir,
        '--only',
        'better-sqlite3',
        '--force',
      ],
      { cwd: root, stdio: 'inherit' },
    );
    if (r.status !== 0)
      throw new Error('could not build better-sqlite3 for Electron (needs internet for headers)');
  }
  return { STUDIO_SQLITE_BINDING: binding, STUDIO_RENDERER_DIR: path.join(root, 'dist/renderer') };
}
