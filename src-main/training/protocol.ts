/**
 * The typed protocol between main and the training process (after Signal's SQL worker): main sends commands,
 * the worker reports progress. Main owns the database and records what the worker reports.
 */
import type { TrainingProgress } from '../../src-shared/domain.ts';
import type { ContinualConfig, TrainConfig } from '../../src-shared/train-config.ts';
import type { MetricPoint } from '../db/tables/metrics.ts';

export type ToWorker =
  | {
      type: 'start';
      runId: number;
      projectDir: string;
      config: TrainConfig;
      /** Folder of the checkpoint to resume from (relative to the project), when resuming. */
      resumeFrom?: string;
    }
  /** A continual run: tasks in sequence, the retention matrix reported row by row as metrics. */
  | { type: 'continual'; runId: number; projectDir: string; config: ContinualConfig }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'cancel' };

export type FinalStatus = 'completed' | 'cancelled' | 'diverged' | 'failed';

export interface RunSummary {
  metrics: Record<string, number>;
  trainableParams: number;
  totalParams: number;
  /** Folder of the adapter the run keeps, relative to the project. */
  adapterDir: string | null;
  /** The training process's peak resident memory (training/peak-memory.ts), when it got that far. */
  peakMemoryBytes?: number;
}

export type FromWorker =
  | {
      type: 'started';
      totalSteps: number;
      trainableParams: number;
      totalParams: number;
      backend: string;
      datasetId?: number;
    }
  | ({ type: 'progress' } & TrainingProgress)
  | { type: 'metrics'; points: MetricPoint[] }
  | {
      type: 'checkpoint';
      /** `stage-adapter`: a continual run's stage `task` has trained; its adapter is kept (stage-adapter.ts). */
      kind: 'checkpoint-best' | 'checkpoint-last' | 'adapter' | 'stage-adapter';
      path: string;
      task?: string;
      /**
       * Where the worker wrote it, when main is to move it to `path` (the resume point): main stores the metrics
       * reported before it first, so the checkpoint on disk is never ahead of the database.
       */
      pending?: string;
      sha256: string;
      bytes: number;
      step: number;
    }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  /** The loop has stopped for a pause after `step` steps (sent only while it trains). */
  | { type: 'paused'; step: number }
  | { type: 'resumed'; step: number }
  | {
      type: 'finished';
      status: FinalStatus;
      message?: string;
      /** A completed run whose loss rose far above its start: flagged, not failed. */
      warning?: string;
      summary: RunSummary;
    };
