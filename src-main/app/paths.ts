import os from 'node:os';
import path from 'node:path';

/**
 * The app-level folder (recent projects, settings). Electron passes its own userData path; the CLI and web mode
 * use STUDIO_HOME or ~/.adapter-studio so that tests can point it at a temporary folder.
 */
export function defaultUserDataDir(): string {
  return process.env.STUDIO_HOME ?? path.join(os.homedir(), '.adapter-studio');
}

/** Where new projects go when the user does not choose a folder. */
export function defaultProjectsDir(userDataDir: string): string {
  return process.env.STUDIO_PROJECTS_DIR ?? path.join(userDataDir, 'projects');
}

export const PROJECT_DB_FILE = 'studio.db';
export const ARTIFACTS_DIR = 'artifacts';
