import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/fixtures.ts';

// No file of the project names a package host: installs go through the machine's own configured sources
// (npm's registry setting, apt's sources), so the project works behind a mirror and names no one's servers.
const HOSTS =
  /\b(?:deb\.debian\.org|security\.debian\.org|registry\.npmjs\.org|registry\.yarnpkg\.com|pypi\.org|files\.pythonhosted\.org|packages\.cloud\.google\.com|deb\.nodesource\.com)\b/;

describe('package hosts', () => {
  it('no tracked file names a package host', () => {
    const files = execFileSync('git', ['ls-files', '-z'], { cwd: REPO_ROOT, encoding: 'utf8' })
      .split('\0')
      .filter((f) => f && !f.endsWith('.safetensors') && !f.endsWith('.png'));
    const offenders = files.filter((f) => {
      const abs = path.join(REPO_ROOT, f);
      if (!fs.existsSync(abs) || fs.statSync(abs).size > 2_000_000) return false;
      return HOSTS.test(fs.readFileSync(abs, 'utf8'));
    });
    expect(offenders).toEqual([]);
  });

  it('the CI backports source is derived from the machine: the script names no host of its own', () => {
    const script = fs.readFileSync(path.join(REPO_ROOT, 'scripts/backports-source.sh'), 'utf8');
    expect(script).not.toMatch(/https?:\/\//);
    expect(fs.readFileSync(path.join(REPO_ROOT, '.ci/run'), 'utf8')).toContain('scripts/backports-source.sh');
  });
});
