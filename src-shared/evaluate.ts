/** Scoring a trained run on a file (the run page's Evaluate panel, `studio evaluate`). */

export interface ClassReport {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  /** Examples of this class in the file. */
  support: number;
}

export interface WrongExample {
  /** 1-based line in the file. */
  line: number;
  text: string;
  gold: string;
  predicted: string;
  /** The probability the run gave its (wrong) prediction. */
  confidence: number;
}

export interface EvaluationReport {
  runId: number;
  file: string;
  examples: number;
  /** The run's labels in class-index order: the confusion matrix's rows (gold) and columns (predicted). */
  labels: string[];
  metrics: { accuracy: number; macroF1: number; loss: number };
  confusion: number[][];
  perClass: ClassReport[];
  /** Wrong predictions, most confident first (at most 10). */
  confidentlyWrong: WrongExample[];
}

/** One row of a batch prediction file. */
export interface PredictionRow {
  line: number;
  text: string;
  predicted: string;
  confidence: number;
  /** Probability per label, in the run's label order. */
  probabilities: number[];
}
