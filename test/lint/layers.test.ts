import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/fixtures.ts';

// The layer rules of STYLE.md §1, checked against lint fixtures that sit under a src-shared/ folder.
const eslint = new ESLint({ cwd: REPO_ROOT, ignore: false });
const fixture = (name: string) => path.join(REPO_ROOT, 'test/lint-fixtures/src-shared', name);

describe('layer rules', () => {
  it('reject electron, node: and Node built-in imports in src-shared', async () => {
    const [result] = await eslint.lintFiles([fixture('leaks-node-and-electron.ts')]);
    const restricted = result?.messages.filter((m) => m.ruleId === 'no-restricted-imports') ?? [];
    expect(restricted.map((m) => m.line)).toEqual([2, 3, 4]);
    expect(restricted[0]?.message).toContain('no electron imports');
    expect(restricted[1]?.message).toContain('no node: imports');
    expect(restricted[2]?.message).toContain('no Node built-ins');
  });

  it('accept a pure src-shared file', async () => {
    const [result] = await eslint.lintFiles([fixture('pure.ts')]);
    expect(result?.messages).toEqual([]);
  });

  it('reject a value import of src-shared from the renderer, but allow a type import', async () => {
    const code = [
      "import { calls } from '../src-shared/contract.ts';",
      "import type { Handlers } from '../src-shared/contract.ts';",
      'export const x: Handlers | typeof calls | null = null;',
    ].join('\n');
    const [result] = await eslint.lintText(code, { filePath: path.join(REPO_ROOT, 'src-renderer/bad.ts') });
    const restricted = result?.messages.filter((m) => m.ruleId === 'no-restricted-imports') ?? [];
    expect(restricted).toHaveLength(1);
    expect(restricted[0]?.line).toBe(1);
  });

  it('keep the real src-shared clean', async () => {
    const results = await eslint.lintFiles(['src-shared/**/*.ts']);
    expect(results.flatMap((r) => r.messages.map((m) => `${r.filePath}:${m.line} ${m.message}`))).toEqual([]);
  });

  it('reject an upward import from adapters/ or models/ (e.g. of training/)', async () => {
    const code =
      "import { resolveModelDir } from '../training/prepare.ts';\nexport const r = resolveModelDir;\n";
    const [result] = await eslint.lintText(code, {
      filePath: path.join(REPO_ROOT, 'src-main/adapters/bad.ts'),
    });
    const restricted = result?.messages.filter((m) => m.ruleId === 'no-restricted-imports') ?? [];
    expect(restricted.map((m) => m.message)).toEqual([expect.stringContaining('lower layers')]);
  });

  describe("src-main's layers never import upwards (eslint.config.js LAYERS)", () => {
    const upward = async (file: string, imports: string[]) => {
      const code = `${imports.map((i) => `import '${i}';`).join('\n')}\n`;
      const [result] = await eslint.lintText(code, { filePath: path.join(REPO_ROOT, file) });
      return (result?.messages ?? [])
        .filter((m) => m.ruleId === 'no-restricted-imports' && m.message.includes('never import upwards'))
        .map((m) => m.line);
    };

    it.each([
      // The back-imports issue #13 found: the CLI's error text in services and workers, services in export.
      ['src-main/services/dispatch.ts', '../cli/main.ts'],
      ['src-main/training/worker.ts', '../cli/progress.ts'],
      ['src-main/process/serve-jobs.ts', '../cli/main.ts'],
      ['src-main/export/index.ts', '../services/projects.ts'],
      ['src-main/export/run-source.ts', '../services/runs.ts'],
      ['src-main/adapters/lora/index.ts', '../../training/prepare.ts'],
      ['src-main/process/worker-client.ts', '../training/supervisor.ts'],
      ['src-main/models/bert/graph.ts', '../../adapters/io.ts'],
      ['src-main/data/load.ts', '../models/info.ts'],
      ['src-main/db/tables/runs.ts', '../../services/runs.ts'],
      ['src-main/services/runs.ts', '../server/web-server.ts'],
    ])('%s may not import %s', async (file, target) => {
      expect(await upward(file, [target])).toEqual([1]);
    });

    it('allow imports of the same layer and the layers below', async () => {
      const lines = ['../errors.ts', '../db/open.ts', '../training/supervisor.ts', '../export/index.ts'];
      expect(await upward('src-main/services/x.ts', lines)).toEqual([]);
      expect(await upward('src-main/cli/x.ts', ['../services/runs.ts', '../server/web-server.ts'])).toEqual(
        [],
      );
      expect(await upward('src-main/process/x.ts', ['../errors.ts', '../app/paths.ts'])).toEqual([]);
    });

    it('keep the real src-main free of upward imports', async () => {
      const results = await eslint.lintFiles(['src-main/**/*.ts']);
      const restricted = results.flatMap((r) =>
        r.messages
          .filter((m) => m.ruleId === 'no-restricted-imports')
          .map((m) => `${r.filePath}:${m.line} ${m.message}`),
      );
      expect(restricted).toEqual([]);
    });
  });

  it('reject tf.js and graph imports in an architecture declaration', async () => {
    const code = [
      "import * as tf from '@tensorflow/tfjs-core';",
      "import { BertModel } from '../bert/graph.ts';",
      'export const x = [tf, BertModel];',
    ].join('\n');
    const [result] = await eslint.lintText(code, {
      filePath: path.join(REPO_ROOT, 'src-main/models/bert/spec.ts'),
    });
    const restricted = result?.messages.filter((m) => m.ruleId === 'no-restricted-imports') ?? [];
    expect(restricted.map((m) => m.line)).toEqual([1, 2]);
  });

  it('keep the real models/ and adapters/ free of upward imports', async () => {
    const results = await eslint.lintFiles(['src-main/models/**/*.ts', 'src-main/adapters/**/*.ts']);
    const restricted = results.flatMap((r) =>
      r.messages
        .filter((m) => m.ruleId === 'no-restricted-imports')
        .map((m) => `${r.filePath}:${m.line} ${m.message}`),
    );
    expect(restricted).toEqual([]);
  });

  describe("main's processes never import the engine (docs/PROCESSES.md)", () => {
    const restrictedLines = async (file: string, lines: string[]) => {
      const [result] = await eslint.lintText(`${lines.join('\n')}\n`, {
        filePath: path.join(REPO_ROOT, file),
      });
      return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.line);
    };

    it('reject tf.js, the engine, a model graph, the adapters and the workers from a service', async () => {
      const lines = [
        "import '@tensorflow/tfjs-core';",
        "import '../engine/backends.ts';",
        "import '../models/index.ts';",
        "import '../models/bert/index.ts';",
        "import '../adapters/io.ts';",
        "import '../training/prepare.ts';",
        "import '../inference/predict.ts';",
        "import '../export/merged.ts';",
        // Allowed: main's own files of the mixed folders, the tokenizer files, and types from anywhere.
        "import '../training/supervisor.ts';",
        "import '../inference/client.ts';",
        "import '../models/info.ts';",
        "import '../models/tokenizer/fallback.ts';",
        "import type { PredictRequest } from '../inference/predict.ts';",
        'export type X = PredictRequest;',
      ];
      expect(await restrictedLines('src-main/services/bad.ts', lines)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    });

    it("reject a sibling's engine code in a mixed folder, allow main's own siblings", async () => {
      const lines = ["import './merged.ts';", "import './adapterhub.ts';", "import './bundle.ts';"];
      expect(await restrictedLines('src-main/export/index.ts', lines)).toEqual([1, 2]);
      const training = ["import './session.ts';", "import './protocol.ts';"];
      expect(await restrictedLines('src-main/training/supervisor.ts', training)).toEqual([1]);
    });

    it('keep the real main-process code clean', async () => {
      const results = await eslint.lintFiles([
        'src-main/{electron,server,services,app,db,node-shared}/**/*.ts',
        'src-main/export/index.ts',
        'src-main/inference/client.ts',
      ]);
      const restricted = results.flatMap((r) =>
        r.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => `${r.filePath}:${m.line}`),
      );
      expect(restricted).toEqual([]);
    });
  });
});
