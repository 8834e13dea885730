import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { launchProcess, launcherKind } from '../../../src-main/process/launcher.ts';
import { DataClient } from '../../../src-main/data-worker/client.ts';
import { REPO_ROOT } from '../../helpers/fixtures.ts';
import { tempDir } from '../../helpers/temp.ts';

describe('worker launcher', () => {
  it('picks utilityProcess only in Electron main, fork in Node, the CLI and web mode', () => {
    expect(launcherKind({ ...process.versions, electron: '45.5.0' }, 'browser')).toBe('utility-process');
    // An Electron binary run as Node (ELECTRON_RUN_AS_NODE) has no utilityProcess.
    expect(launcherKind({ ...process.versions, electron: '45.5.0' }, undefined)).toBe('fork');
    expect(launcherKind(process.versions, undefined)).toBe('fork');
    // This test process is plain Node.
    expect(launcherKind()).toBe('fork');
  });

  it('forks a worker in Node that answers through the WorkerProcess interface and exits when killed', async () => {
    const child = launchProcess({
      script: path.join(REPO_ROOT, 'bin/run-ts.mjs'),
      args: [path.join(REPO_ROOT, 'src-main/data-worker/worker.ts')],
      cwd: REPO_ROOT,
      env: process.env,
      name: 'test data worker',
    });
    const reply = new Promise<unknown>((resolve) => child.on('message', resolve));
    child.send({ id: 7, job: { type: 'summary', spec: { path: path.join(REPO_ROOT, 'no-such-file.csv') } } });
    expect(await reply).toEqual({ id: 7, error: expect.stringContaining('no-such-file.csv') });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill();
    await exited;
    expect(child.connected).toBe(false);
  });

  it('drops a message to a process whose channel has closed instead of raising an uncaught error', async () => {
    const tmp = tempDir('studio-launcher-');
    try {
      const script = path.join(tmp.dir, 'exits.cjs');
      fs.writeFileSync(script, 'process.exit(0);\n');
      const child = launchProcess({
        script,
        args: [],
        cwd: tmp.dir,
        env: process.env,
        name: 'test exiting worker',
      });
      const errors: unknown[] = [];
      // A ChildProcess's 'error' with no listener is an uncaught exception in main; listen to see whether one comes.
      (child as unknown as NodeJS.EventEmitter).on('error', (err) => errors.push(err));
      await new Promise<void>((resolve) => child.once('exit', () => resolve()));
      // As a cancel sent just after the run ended: the channel is closed (EPIPE or ERR_IPC_CHANNEL_CLOSED).
      child.send({ type: 'cancel' });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(errors).toEqual([]);
    } finally {
      tmp.cleanup();
    }
  });

  it('a data job runs in the worker and its result crosses back typed', async () => {
    const tmp = tempDir('studio-launcher-');
    const data = new DataClient();
    try {
      const csv = path.join(tmp.dir, 'tiny.csv');
      fs.writeFileSync(csv, 'text,label\ngood film,pos\nbad film,neg\nfine film,pos\n');
      const summary = await data.summary({ path: csv, text: 'text', label: 'label' });
      expect(summary.kind).toBe('classification');
      expect(summary.stats.rows).toBe(3);
      expect(summary.labels).toEqual(['neg', 'pos']);
    } finally {
      data.stop();
      tmp.cleanup();
    }
  });
});
