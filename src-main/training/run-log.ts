/**
 * A run's log: one line per event main hears from the training process (start, evaluations, checkpoints, the
 * worker's own messages, pauses, the end or a crash with the last stderr line), appended to
 * `<project>/<run dir>/run.log`, so it survives restarts and can be read while the run trains.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FromWorker } from './protocol.ts';
import { runDirs } from './run-dirs.ts';

export const runLogFile = (projectDir: string, runId: number) =>
  path.join(projectDir, runDirs(runId).root, 'run.log');

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toPrecision(4));

/** The line a message deserves, or null (progress is charted, not logged). */
export function logLine(msg: FromWorker): { level: 'info' | 'warn' | 'error'; text: string } | null {
  switch (msg.type) {
    case 'started':
      return {
        level: 'info',
        text: `started on ${msg.backend}: ${msg.trainableParams.toLocaleString('en')} of ${msg.totalParams.toLocaleString('en')} parameters train, ${msg.totalSteps} steps`,
      };
    case 'metrics': {
      const step = msg.points[0]?.step;
      const parts = msg.points.map(
        (p) => `${p.split === 'validation' ? '' : `${p.split} `}${p.name} ${fmt(p.value)}`,
      );
      return { level: 'info', text: `eval at step ${step ?? '?'}: ${parts.join(', ')}` };
    }
    case 'checkpoint':
      return { level: 'info', text: `${msg.kind} saved at step ${msg.step} (${msg.path})` };
    case 'log':
      return { level: msg.level, text: msg.message };
    case 'paused':
      return { level: 'info', text: `paused at step ${msg.step}` };
    case 'resumed':
      return { level: 'info', text: `resumed at step ${msg.step}` };
    case 'finished':
      return {
        level: msg.status === 'completed' || msg.status === 'cancelled' ? 'info' : 'error',
        text: `${msg.status}${msg.message ? `: ${msg.message}` : ''}`,
      };
    case 'progress':
      return null;
  }
}

export function appendRunLog(file: string, level: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.appendFileSync(file, `${new Date().toISOString()} ${level.padEnd(5)} ${text.replace(/\n/g, ' ⏎ ')}\n`);
}

/** Lines after the first `since` (for following a live log). */
export function readRunLog(file: string, since = 0): { lines: string[]; total: number } {
  if (!fs.existsSync(file)) return { lines: [], total: 0 };
  const all = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
  return { lines: all.slice(since), total: all.length };
}
