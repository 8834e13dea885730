/**
 * PEFT export: the run's adapter in PEFT's own files. Training already writes adapter_config.json and
 * adapter_model.safetensors (PEFT names, torch layouts, the task head as modules_to_save) beside our format for
 * the methods PEFT has (adapters/io.ts saveAdapter), so the export copies exactly those files.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ExportedFile } from '../../src-shared/export.ts';
import { unavailableReason } from '../../src-shared/export.ts';
import { UserError } from '../errors.ts';
import type { RunSource } from './run-source.ts';

export const PEFT_FILES = ['adapter_config.json', 'adapter_model.safetensors'] as const;

export function writePeftExport(s: RunSource, outDir: string): ExportedFile[] {
  const reason = unavailableReason(s.run.method, 'peft');
  if (reason) throw new UserError(`run ${s.run.id}: ${reason}`);
  for (const f of PEFT_FILES) {
    const p = path.join(s.adapterDir, f);
    if (!fs.existsSync(p)) throw new UserError(`${p}: missing: the run's adapter folder has no PEFT files`);
  }
  fs.mkdirSync(outDir, { recursive: true });
  return PEFT_FILES.map((f) => {
    fs.copyFileSync(path.join(s.adapterDir, f), path.join(outDir, f));
    return { name: f, bytes: fs.statSync(path.join(outDir, f)).size };
  });
}
