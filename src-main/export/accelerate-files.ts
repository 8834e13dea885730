/**
 * The text files of an Accelerate folder besides train.py: its README (launch commands for one machine and for
 * Slurm), requirements.txt, the Accelerate configs (N GPUs; DeepSpeed ZeRO-2) and a Slurm batch script. Values
 * that must agree with the run (gradient accumulation, clipping) are taken from its config.
 */
import type { AccelerateRunConfig } from './accelerate.ts';

/** What train.py was written against: the versions on the GPU machine the interop checks run on. */
export const TESTED_VERSIONS = { torch: '2.11', transformers: '5.17', peft: '0.21' } as const;

const requirements = (): string =>
  [
    '# What train.py was written and checked against (test/interop/accelerate/RESULTS.md has the exact versions).',
    `torch==${TESTED_VERSIONS.torch}.*`,
    `transformers==${TESTED_VERSIONS.transformers}.*`,
    `peft==${TESTED_VERSIONS.peft}.*`,
    'accelerate>=1.0',
    'safetensors>=0.4',
    '# For accelerate/deepspeed_zero2.yaml only:',
    '# deepspeed>=0.16',
    '',
  ].join('\n');

const multiGpu = (): string =>
  [
    "# Data parallel on the GPUs of one machine. train.py splits the run's batch size over the processes, so",
    '# `--num_processes N` on the command line changes only how the same steps are spread.',
    'compute_environment: LOCAL_MACHINE',
    'distributed_type: MULTI_GPU',
    'downcast_bf16: "no"',
    'gpu_ids: all',
    'machine_rank: 0',
    'main_training_function: main',
    'mixed_precision: "no"',
    'num_machines: 1',
    'num_processes: 2',
    'rdzv_backend: static',
    'same_network: true',
    'use_cpu: false',
    '',
  ].join('\n');

const deepSpeed = (c: AccelerateRunConfig): string =>
  [
    '# DeepSpeed ZeRO stage 2 (optimizer state and gradients sharded over the GPUs). DeepSpeed clips gradients',
    "# and accumulates them itself: these two values are the run's train.gradClip and train.gradAccumulation.",
    'compute_environment: LOCAL_MACHINE',
    'distributed_type: DEEPSPEED',
    'deepspeed_config:',
    `  gradient_accumulation_steps: ${c.train.gradAccumulation}`,
    `  gradient_clipping: ${c.train.gradClip}`,
    '  offload_optimizer_device: none',
    '  offload_param_device: none',
    '  zero3_init_flag: false',
    '  zero_stage: 2',
    'machine_rank: 0',
    'main_training_function: main',
    'mixed_precision: "no"',
    'num_machines: 1',
    'num_processes: 2',
    'rdzv_backend: static',
    'same_network: true',
    'use_cpu: false',
    '',
  ].join('\n');

const slurm = (c: AccelerateRunConfig): string =>
  [
    '#!/bin/bash',
    `# Trains run ${c.run.id} ("${c.run.name.replace(/[^\w .,:()-]/g, '_')}") on a Slurm cluster: one task per node,`,
    '# each launching one process per GPU. Submit from this folder: sbatch slurm.sbatch',
    `#SBATCH --job-name=studio-run-${c.run.id}`,
    '#SBATCH --nodes=2',
    '#SBATCH --ntasks-per-node=1',
    '#SBATCH --gpus-per-node=4',
    '#SBATCH --cpus-per-task=16',
    '#SBATCH --output=slurm-%j.log',
    'set -euo pipefail',
    'GPUS_PER_NODE=${GPUS_PER_NODE:-4}',
    'export MAIN_ADDR=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)',
    'export NUM_PROCESSES=$((SLURM_NNODES * GPUS_PER_NODE))',
    'srun bash -c \'accelerate launch --multi_gpu --num_machines "$SLURM_NNODES" --num_processes "$NUM_PROCESSES" \\',
    '  --machine_rank "$SLURM_NODEID" --main_process_ip "$MAIN_ADDR" --main_process_port 29500 \\',
    "  --rdzv_backend c10d train.py'",
    '',
  ].join('\n');

const readme = (c: AccelerateRunConfig): string => {
  const peft = c.method.type !== 'bottleneck';
  const base = c.baseModel.shipped
    ? `\`base-model/\` in this folder: a copy of the studio's bundled default model (a name only the studio knows,
and 11 MB, so it travels with the run)`
    : `\`${c.baseModel.path}\`, the run's own model folder, named by its path rather than copied (a large model
usually sits on the cluster already). Elsewhere, pass \`--base-model DIR\` to train.py; its weights must have
sha256 \`${c.baseModel.contentHash}\` (the studio's content hash) or the import refuses the result`;
  return `# Run ${c.run.id}: ${c.run.name} — an Accelerate training folder

Written by Adapter Studio ${c.studioVersion} (\`studio export --format accelerate\`). It trains the run's
${c.method.type} adapter ${peft ? 'with transformers + PEFT' : "with the studio's bottleneck module (studio_bottleneck.py; PEFT has none)"}
under Hugging Face Accelerate, on the same data split, settings and seed (${c.seed}) as the studio, and writes
what \`studio import-run\` brings back into the project.

| file | what it is |
| --- | --- |
| \`train.py\` | the training script (the studio's loop: AdamW, ${c.train.schedule} schedule with warm-up, clipping, evaluation) |
| \`studio_bottleneck.py\` | bottleneck adapters for BERT/RoBERTa, saved in (and loaded from: \`load()\`) the studio's own folder format |
| \`studio_loop.py\` | the studio's schedule, metrics and weight-decay rule in plain Python |
| \`run_config.json\` | the run: method, hyperparameters, seed, labels, base model, data files and their sha256 |
| \`data/train.jsonl\`, \`data/validation.jsonl\` | the studio's split (${c.dataset.files.train.rows} and ${c.dataset.files.validation.rows} rows; validation capped as the studio evaluates) |
| \`accelerate/multi_gpu.yaml\` | Accelerate config for N GPUs of one machine |
| \`accelerate/deepspeed_zero2.yaml\` | the same with DeepSpeed ZeRO stage 2 |
| \`requirements.txt\` | the versions train.py was written against |
| \`slurm.sbatch\` | a Slurm batch script for several machines |

The base model is ${base}.

## Train

\`\`\`sh
pip install -r requirements.txt
accelerate launch --num_processes 1 train.py                                        # one GPU
accelerate launch --config_file accelerate/multi_gpu.yaml --num_processes 4 train.py  # 4 GPUs of this machine
accelerate launch --config_file accelerate/deepspeed_zero2.yaml --num_processes 4 train.py
sbatch slurm.sbatch                                                                  # Slurm: 2 nodes x 4 GPUs
\`\`\`

\`train.batchSize\` (${c.train.batchSize}) is the global batch: it is split over the processes, so one GPU and
several take the same optimizer steps. \`python train.py --cpu --max-steps 3\` is a quick check on a laptop.

## What it writes, and bringing it back

\`output/adapter/\` (${peft ? 'a PEFT adapter: adapter_config.json + adapter_model.safetensors' : "the studio's adapter folder: studio_adapter.json + adapter.safetensors"}),
\`output/metrics.jsonl\` (one JSON object per step: \`{"step", "split": "train", "loss", "lr"}\`, and per
evaluation \`{"step", "split": "validation", "loss", "accuracy", "macroF1"}\`), \`output/final_metrics.json\` (the
last evaluation, computed as the studio computes it) and \`output/train_info.json\` (steps, times, GPUs, versions).
Copy the whole folder back and run

\`\`\`sh
studio import-run THIS_FOLDER --project PROJECT
\`\`\`

or use "Import a trained run" on the studio's Runs page. The run then sits beside local runs in Runs and Compare,
with its curves, and exports and bundles like any other. A folder trained by transformers' Trainer instead works
too: import-run reads \`trainer_state.json\` when there is no metrics.jsonl.
`;
};

/** Every text file of the folder but train.py, run_config.json and the data, by path. */
export function accelerateTextFiles(c: AccelerateRunConfig): Record<string, string> {
  return {
    'README.md': readme(c),
    'requirements.txt': requirements(),
    'accelerate/multi_gpu.yaml': multiGpu(),
    'accelerate/deepspeed_zero2.yaml': deepSpeed(c),
    'slurm.sbatch': slurm(c),
  };
}
