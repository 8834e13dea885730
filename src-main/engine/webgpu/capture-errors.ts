/** Why a training step cannot be captured (step-capture.ts), or why a capture no longer applies. */
/**
 * The step cannot be captured; the caller keeps running it eagerly. `retry`: the two recorded steps differed,
 * which also happens when the first of them still uploaded weights tf.js had kept on the CPU; recording one more
 * step may succeed.
 */
export class CaptureRefused extends Error {
  constructor(
    message: string,
    readonly retry = false,
  ) {
    super(message);
  }
}

/** The captured step no longer matches tf.js's state (a variable was reassigned, a read tensor disposed). */
export class CaptureStale extends Error {
  constructor(
    message: string,
    /** 'inputs': this step's inputs have another shape (run it eagerly, keep the capture); 'tensors': rebuild. */
    readonly kind: 'inputs' | 'tensors',
  ) {
    super(message);
  }
}
