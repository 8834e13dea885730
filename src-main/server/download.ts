/**
 * Web mode's download of an export: `GET /api/download?project=DIR&path=OUT` (behind the same token check as
 * every request) sends a bundle .zip as is and zips a folder export on the fly, so a user in a browser gets the
 * files the studio wrote on its machine. Only paths inside a project folder of this studio are served.
 */
import fs from 'node:fs';
import path from 'node:path';
import { zipSync } from 'fflate';
import { UserError } from '../errors.ts';

export interface Download {
  /** The file name the browser saves. */
  name: string;
  bytes: Uint8Array;
}

function folderEntries(dir: string, prefix: string, out: Record<string, Uint8Array>): void {
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) folderEntries(p, `${prefix}${e.name}/`, out);
    else if (e.isFile()) out[`${prefix}${e.name}`] = fs.readFileSync(p);
  }
}

/**
 * The download of `file` (absolute, or relative to the project) from `projectDir`, which the caller has checked
 * to be a project of this studio. Refuses anything outside the project folder, links included.
 */
export function exportDownload(projectDir: string, file: string): Download {
  const root = fs.realpathSync(path.resolve(projectDir));
  const wanted = path.resolve(root, file);
  if (!fs.existsSync(wanted)) throw new UserError(`${wanted}: no such export`);
  const real = fs.realpathSync(wanted);
  if (real !== root && !real.startsWith(`${root}${path.sep}`))
    throw new UserError(`${wanted}: only files inside the project folder can be downloaded`);
  const stat = fs.statSync(real);
  if (stat.isFile()) return { name: path.basename(real), bytes: fs.readFileSync(real) };
  if (!stat.isDirectory()) throw new UserError(`${wanted}: not a file or folder`);
  const entries: Record<string, Uint8Array> = {};
  const top = `${path.basename(real)}/`;
  folderEntries(real, top, entries);
  // Safetensors barely compress: store-level compression keeps a large merged model quick to send.
  return { name: `${path.basename(real)}.zip`, bytes: zipSync(entries, { level: 1 }) };
}

/** A Content-Disposition header value for `name` (RFC 6266: an ASCII fallback and the UTF-8 name). */
export const attachment = (name: string): string =>
  `attachment; filename="${name.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`;
