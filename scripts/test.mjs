// `npm test`: unit tests, then the end-to-end tests, then one closing line `N passed, N failed` for CI.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const out = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-test-'));
const suites = [
  { name: 'unit', args: ['run', '--config', 'vitest.config.ts'] },
  { name: 'e2e', args: ['run', '--config', 'vitest.e2e.config.ts'] },
];
const only = process.argv[2];
let passed = 0;
let failed = 0;
let skipped = 0;
let crashed = false;
for (const suite of suites) {
  if (only && only !== suite.name) continue;
  const report = path.join(out, `${suite.name}.json`);
  const r = spawnSync(
    process.execPath,
    [
      'node_modules/vitest/vitest.mjs',
      ...suite.args,
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${report}`,
    ],
    { stdio: 'inherit' },
  );
  if (!fs.existsSync(report)) {
    console.error(`${suite.name}: vitest exited ${r.status} without a report`);
    crashed = true;
    continue;
  }
  const json = JSON.parse(fs.readFileSync(report, 'utf8'));
  passed += json.numPassedTests;
  failed += json.numFailedTests;
  skipped += json.numPendingTests + (json.numTodoTests ?? 0);
  // A file that fails to load, or whose setup fails, fails no single test; count it as a failure, not as silence.
  const brokenFiles = json.testResults.filter(
    (f) => f.status === 'failed' && !f.assertionResults.some((a) => a.status === 'failed'),
  ).length;
  failed += brokenFiles;
  if (r.status !== 0 && json.numFailedTests === 0 && brokenFiles === 0) crashed = true;
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || crashed || passed === 0 ? 1 : 0);
