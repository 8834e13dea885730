/**
 * PEFT export: the run's adapter in PEFT's own files. Training already writes adapter_config.json and
 * adapter_model.safetensors (PEFT names, torch layouts, the task head as modules_to_save) beside our format for
 * the methods PEFT has (adapters/io.ts saveAdapter), so the export copies those files, names the base model in
 * `base_model_name_or_path` (what AutoPeftModel loads) and adds the model card (README.md) whose snippet loads
 * exactly that base, shipped as `base-model/` when it is the bundled default model (card-target.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ExportedFile } from '../../src-shared/export.ts';
import { unavailableReason } from '../../src-shared/export.ts';
import { UserError } from '../errors.ts';
import type { RunSource } from './run-source.ts';
import { cardTarget, writeCardAndBase } from './card-target.ts';

export const PEFT_FILES = ['adapter_config.json', 'adapter_model.safetensors'] as const;

export function writePeftExport(s: RunSource, outDir: string): ExportedFile[] {
  const reason = unavailableReason(s.run.method, 'peft', s.base.architecture);
  if (reason) throw new UserError(`run ${s.run.id}: ${reason}`);
  for (const f of PEFT_FILES) {
    const p = path.join(s.adapterDir, f);
    if (!fs.existsSync(p)) throw new UserError(`${p}: missing: the run's adapter folder has no PEFT files`);
  }
  fs.mkdirSync(outDir, { recursive: true });
  const config = JSON.parse(
    fs.readFileSync(path.join(s.adapterDir, 'adapter_config.json'), 'utf8'),
  ) as Record<string, unknown>;
  // Training cannot know where the export's base will live; null makes AutoPeftModel fail outside the studio.
  config.base_model_name_or_path = cardTarget(s, 'peft').baseLoad;
  fs.writeFileSync(path.join(outDir, 'adapter_config.json'), `${JSON.stringify(config, null, 2)}\n`);
  fs.copyFileSync(
    path.join(s.adapterDir, 'adapter_model.safetensors'),
    path.join(outDir, 'adapter_model.safetensors'),
  );
  return [
    ...PEFT_FILES.map((f) => ({ name: f, bytes: fs.statSync(path.join(outDir, f)).size })),
    ...writeCardAndBase(s, 'peft', outDir),
  ];
}
