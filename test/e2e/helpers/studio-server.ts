import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../../helpers/fixtures.ts';

export interface StudioProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `studio serve` as a user would, and resolves with the URL it prints. */
export function startStudio(env: Record<string, string>, args: string[] = []): Promise<StudioProcess> {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/studio.mjs'), 'serve', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`studio serve printed no URL in 60 s\n${stderr}`)),
      60_000,
    );
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve({ url: m[1], child, stop });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`studio serve exited with ${code}\n${stderr}`));
    });
  });
}
