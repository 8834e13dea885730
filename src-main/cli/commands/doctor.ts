import type { Command } from 'commander';
import { initBackend } from '../../engine/backends.ts';

/** `studio doctor [--json]`: probes the backend chain and says what was chosen and why. */
export function register(program: Command): void {
  program
    .command('doctor')
    .description('probe the compute backends and report which one is used and why')
    .option('--json', 'print the report as JSON')
    .option('--backend <name>', 'probe as if STUDIO_BACKEND were set')
    .action(async (opts: { json?: boolean; backend?: string }) => {
      const report = await initBackend(opts.backend);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(report)}\n`);
        return;
      }
      const lines = [
        `backend: ${report.backend}`,
        `device:  ${report.device}`,
        ...(report.threads !== null ? [`threads: ${report.threads}`] : []),
        'probed:',
        ...report.probed.map((p) => `  ${p.ok ? '✓' : '✗'} ${p.name.padEnd(14)} ${p.reason}`),
        'versions:',
        ...Object.entries(report.versions).map(([k, v]) => `  ${k}: ${v}`),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
