/**
 * Method folders, found rather than listed: every folder here with a schema.ts is a method, so adding a method
 * is adding a folder (docs/ADDING-A-METHOD.md). Bundles cannot list a folder at run time: scripts/build-electron.mjs
 * replaces schemas.ts and methods.ts with the same imports written out (methodFoldersPlugin).
 */
import fs from 'node:fs';

export function methodFolders(): string[] {
  const here = new URL('.', import.meta.url);
  return fs
    .readdirSync(here, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(new URL(`${d.name}/schema.ts`, here)))
    .map((d) => d.name)
    .sort();
}
