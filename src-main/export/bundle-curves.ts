/**
 * A bundle's learning curves: every metric point the run recorded (loss, learning rate, evaluations, throughput,
 * the baseline), one JSON object a line, so that an imported run draws the curves it trained with instead of a
 * single point. Hashed in the manifest like every file of the bundle; read back strictly, because it is the
 * exporter's word like the final metrics (a bundle is not signed).
 */
import { z } from 'zod';
import type { MetricPoint } from '../db/tables/metrics.ts';
import { UserError } from '../errors.ts';

export const CURVES_FILE = 'metrics.jsonl';
/** The run's report (src-shared/report/): one self-contained HTML file a teammate opens without the studio. */
export const REPORT_FILE = 'report.html';
/** A long run logs a few points a step: 16 MiB holds about 200k of them, far more than any run here writes. */
export const MAX_CURVES_BYTES = 16 * 1024 * 1024;

const pointSchema = z
  .object({
    split: z.enum(['train', 'validation', 'test', 'system']),
    name: z.string().regex(/^[A-Za-z][A-Za-z0-9_./:-]{0,63}$/, 'not a metric name'),
    step: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    value: z.number().refine(Number.isFinite, 'not a finite number'),
  })
  .strict();

/** The run's points as the bundle stores them. */
export function curvesBytes(points: readonly MetricPoint[]): Uint8Array {
  const lines = points.map((p) =>
    JSON.stringify({ split: p.split, name: p.name, step: p.step, value: p.value }),
  );
  return new TextEncoder().encode(lines.length ? `${lines.join('\n')}\n` : '');
}

/** The points of a bundle's curves file, or a one-line UserError naming the line that is wrong. */
export function parseCurves(file: string, bytes: Uint8Array): MetricPoint[] {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UserError(`${file}: ${CURVES_FILE} is not UTF-8 text`);
  }
  const points: MetricPoint[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line === '' && i === lines.length - 1) break;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      throw new UserError(`${file}: ${CURVES_FILE} line ${i + 1} is not JSON`);
    }
    const parsed = pointSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.map(String).join('.') || 'point';
      throw new UserError(`${file}: ${CURVES_FILE} line ${i + 1}: ${where}: ${issue?.message ?? 'invalid'}`);
    }
    points.push(parsed.data);
  }
  return points;
}
