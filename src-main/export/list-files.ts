/** The files an export folder holds, as the export result lists them (plain fs: main and the engine process both use it). */
import fs from 'node:fs';
import path from 'node:path';
import type { ExportedFile } from '../../src-shared/export.ts';

/** Every file under a folder, relative names with forward slashes, and their sizes. */
export function listFiles(dir: string, prefix = ''): ExportedFile[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) =>
      e.isDirectory()
        ? listFiles(path.join(dir, e.name), `${prefix}${e.name}/`)
        : [{ name: `${prefix}${e.name}`, bytes: fs.statSync(path.join(dir, e.name)).size }],
    );
}
