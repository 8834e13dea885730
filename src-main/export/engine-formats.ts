/**
 * The export formats that need the engine or the adapters' tensor code (merged weights, AdapterHub's module
 * names). They run in the engine process (inference/worker.ts), never on main's event loop: main plans the export
 * (export/index.ts) and sends this job.
 */
import { writeAdapterHub } from './adapterhub.ts';
import { mergeAdapterFolder } from './merged.ts';
import type { EngineExportJob, EngineExportResult } from './engine-job.ts';
import { listFiles } from './list-files.ts';

export async function runEngineExport(job: EngineExportJob): Promise<EngineExportResult> {
  const warnings: string[] = [];
  const warn = (w: string) => warnings.push(w);
  if (job.format === 'adapterhub')
    return { files: await writeAdapterHub(job.source, job.out, warn), warnings };
  await mergeAdapterFolder(job.source.model, job.source.adapterDir, job.out, warn);
  return { files: listFiles(job.out), warnings };
}
