/**
 * The processes the reliability tests kill, started as a user starts them: `studio train` / `studio resume` from a
 * shell, and `studio serve` driven through its HTTP API (CLI.md).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { HF_TINY_DIR, OWN_FIXTURES_DIR, REPO_ROOT } from './fixtures.ts';

/** A small LoRA run on hf-tiny BERT: 8 rows, many short steps, checkpoints often (so kills land on writes). */
export function writeTrainConfig(dir: string, project: string, epochs = 6): string {
  const file = path.join(dir, `train-${path.basename(project)}.json`);
  fs.writeFileSync(
    file,
    JSON.stringify({
      project,
      model: path.join(HF_TINY_DIR, 'bert-seqcls/base'),
      dataset: { path: path.join(OWN_FIXTURES_DIR, 'datasets/small.csv') },
      method: { type: 'lora', r: 2, alpha: 4 },
      train: { epochs, batchSize: 2, lr: 0.01, maxLength: 16, evalEvery: 2, seed: 3 },
    }),
  );
  return file;
}

export interface CliProcess {
  child: ChildProcess;
  stderr: () => string;
  stdout: () => string;
  exited: Promise<number | null>;
}

/** `studio <args>` as a background process with its own STUDIO_HOME. */
export function spawnStudio(home: string, args: string[]): CliProcess {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/studio.mjs'), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, STUDIO_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  let out = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stderr: () => err, stdout: () => out, exited };
}

/** Resolves with the URL `studio serve` prints. */
export function servedUrl(p: CliProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(p.stdout());
      if (m?.[1]) {
        clearInterval(timer);
        resolve(m[1]);
      }
    };
    const timer = setInterval(check, 100);
    void p.exited.then((code) => {
      clearInterval(timer);
      reject(new Error(`studio serve exited with ${code}\n${p.stderr()}`));
    });
  });
}

/** A contract call on a served studio, with the token as CLI.md documents it. */
export async function apiCall<T>(url: string, name: string, args: unknown): Promise<T> {
  const u = new URL(url);
  const res = await fetch(`${u.origin}/api/call/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${u.searchParams.get('token')}` },
    body: JSON.stringify(args),
  });
  const body = (await res.json()) as { value?: T; error?: { message: string } };
  // A refused call answers 200 with `{ error }` (web-server.ts), so the body decides, not only the status.
  if (!res.ok || body.error) throw new Error(`${name}: ${body.error?.message ?? res.status}`);
  return body.value as T;
}
