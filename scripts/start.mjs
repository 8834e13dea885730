// `npm start`: the Electron window where Electron's binary is installed, otherwise web mode on 127.0.0.1.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

/** The Electron binary's path, or why there is none (not installed, or its binary was never downloaded). */
function electronBinary() {
  if (process.env.STUDIO_NO_ELECTRON === '1') return { reason: 'STUDIO_NO_ELECTRON=1' };
  try {
    require.resolve('electron/package.json');
  } catch {
    return { reason: 'the optional electron package is not installed (its binary could not be downloaded)' };
  }
  // Resolve the binary in a child process: electron 45 downloads it on first require, and when that fails (offline)
  // its installer prints a stack trace; the user gets our one-line reason instead.
  const probe = spawnSync(process.execPath, ['-e', "process.stdout.write(String(require('electron')))"], {
    cwd: root,
    encoding: 'utf8',
    timeout: 10 * 60 * 1000,
  });
  const bin = probe.stdout.trim();
  if (probe.status === 0 && bin && fs.existsSync(bin)) return { bin };
  const why = (probe.stderr || '').split('\n').find((l) => /Error|failed/.test(l)) ?? 'no binary';
  return { reason: `Electron's binary is not available here (${why.trim()})` };
}

const electron = electronBinary();
if (electron.bin) {
  const build = spawnSync(process.execPath, ['scripts/build-electron.mjs'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
  const { ensureNativeForElectron } = await import('./electron-native.mjs');
  const env = { ...process.env, ...(await ensureNativeForElectron(root)) };
  const vite = spawnSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (vite.status !== 0) process.exit(vite.status ?? 1);
  const child = spawn(electron.bin, ['.'], { cwd: root, stdio: 'inherit', env });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  console.error(`No Electron window: ${electron.reason}. Starting web mode instead.`);
  const args = ['bin/studio.mjs', 'serve', ...process.argv.slice(2)];
  const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code) => process.exit(code ?? 0));
}
