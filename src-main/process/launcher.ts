/**
 * How main starts a worker process, chosen at run time: Electron's `utilityProcess` inside the Electron main
 * process (Chromium's own process model: crash reporting, no second Node runtime to ship), `child_process.fork`
 * everywhere else (the CLI, `studio serve`, tests). Both are seen through `WorkerProcess`, the part of
 * ChildProcess the supervisor and the worker clients use.
 */
import { fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';
import type * as Electron from 'electron';
import type { UtilityProcess } from 'electron';

/** What main needs of a worker process (a ChildProcess is one). */
export interface WorkerProcess {
  readonly pid?: number | undefined;
  readonly connected: boolean;
  readonly exitCode: number | null;
  readonly stderr: Readable | null;
  send(message: unknown): boolean;
  kill(signal?: NodeJS.Signals): boolean;
  on(event: 'message', listener: (message: unknown) => void): this;
  on(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): this;
  once(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): this;
}

export interface LaunchOptions {
  /** The script to run: a bundled .cjs, or bin/run-ts.mjs with the .ts entry as the first argument. */
  script: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** A name for the process in Electron's task manager and crash reports. */
  name: string;
}

export type LauncherKind = 'utility-process' | 'fork';

/** `utilityProcess` exists only in Electron's main ("browser") process. */
export function launcherKind(
  versions: NodeJS.ProcessVersions = process.versions,
  type: string | undefined = (process as { type?: string }).type,
): LauncherKind {
  return versions.electron && type === 'browser' ? 'utility-process' : 'fork';
}

function forkWorker(o: LaunchOptions): WorkerProcess {
  // The packaged app's runAsNode fuse is off (electron-builder.yml): forking the Electron binary would start a
  // second studio, not a worker. Inside Electron only its main process starts workers, as utility processes.
  if (process.versions.electron)
    throw new Error('inside Electron, workers start from the main process as utility processes');
  const child = fork(o.script, o.args, {
    cwd: o.cwd,
    env: o.env,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    // Structured clone, as utilityProcess's postMessage: typed arrays and Maps cross unchanged.
    serialization: 'advanced',
  });
  // A message to a process that is exiting (a cancel sent just after its run's outcome was recorded) can fail with
  // EPIPE after `connected` said true, and without a callback Node raises that as an uncaught error in main. The
  // process's exit is what its supervisor waits for, so such a send is dropped, as a utility process's is.
  const send = child.send.bind(child) as (message: unknown, callback: (err: Error | null) => void) => boolean;
  child.send = ((message: unknown) => send(message, () => {})) as typeof child.send;
  return child;
}

/** A utility process seen as a WorkerProcess. Its worker talks through process.parentPort (parent-port.ts). */
class UtilityWorker extends EventEmitter implements WorkerProcess {
  exitCode: number | null = null;
  readonly stderr: Readable | null;

  constructor(private readonly child: UtilityProcess) {
    super();
    this.stderr = child.stderr as Readable | null;
    child.on('message', (m: unknown) => this.emit('message', m));
    child.once('exit', (code: number) => {
      this.exitCode = code;
      this.emit('exit', code, null);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get connected(): boolean {
    return this.exitCode === null && this.child.pid !== undefined;
  }

  send(message: unknown): boolean {
    if (!this.connected) return false;
    this.child.postMessage(message);
    return true;
  }

  kill(): boolean {
    return this.child.kill();
  }
}

function utilityWorker(o: LaunchOptions): WorkerProcess {
  // Loaded only here: 'electron' does not exist outside the Electron binary.
  const { utilityProcess } = createRequire(import.meta.url)('electron') as typeof Electron;
  const child = utilityProcess.fork(o.script, o.args, {
    cwd: o.cwd,
    env: o.env,
    stdio: ['ignore', 'ignore', 'pipe'],
    serviceName: o.name,
  });
  return new UtilityWorker(child);
}

export function launchProcess(o: LaunchOptions, kind: LauncherKind = launcherKind()): WorkerProcess {
  return kind === 'utility-process' ? utilityWorker(o) : forkWorker(o);
}
