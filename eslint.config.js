// Layer rules after VS Code's: a runtime layer may not import a layer above it (see STYLE.md §1).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';

/** src-shared is pure TypeScript: no Electron, no Node built-ins, no other layer. */
const sharedRestrictions = {
  patterns: [
    { group: ['electron', 'electron/*'], message: 'src-shared is pure: no electron imports.' },
    { group: ['node:*'], message: 'src-shared is pure: no node: imports.' },
    {
      group: ['fs', 'path', 'os', 'child_process', 'crypto', 'url', 'http', 'net', 'worker_threads', 'fs/*'],
      message: 'src-shared is pure: no Node built-ins.',
    },
    { group: ['**/src-main/**', '**/src-renderer/**'], message: 'src-shared may not import other layers.' },
  ],
};

/** src-main never imports the renderer. */
const rendererRestriction = {
  group: ['**/src-renderer/**'],
  message: 'src-main never imports the renderer.',
};

/**
 * Code the main processes run (Electron main, the web server, the CLI's service layer): see docs/PROCESSES.md.
 * It may not import tf.js, the engine, the model graphs or the adapters' tensor code; that work goes to a worker
 * (training/worker.ts, inference/worker.ts). Type imports are erased, so they stay allowed. The esbuild metafile
 * test (test/main/electron/main-bundle.test.ts) checks the same boundary through every transitive import.
 */
/** Whole folders of main-process code. */
const MAIN_PROCESS_FOLDERS = [
  'electron',
  'server',
  'services',
  'app',
  'db',
  'data',
  'node-shared',
  'process',
  'experiments',
  'serve-api',
  'composition',
];
/** Folders shared with the workers, and the files of them main runs (the rest is engine code). */
const MAIN_PROCESS_FILES_IN = {
  export: [
    'index',
    'run-source',
    'bundle',
    'import-bundle',
    'peft',
    'engine-job',
    'card-target',
    'list-files',
    'project-cleanup',
    'unzip',
    'bundle-manifest',
    'bundle-curves',
    'zip-format',
    'accelerate',
    'accelerate-files',
    'import-run',
    'import-run-curves',
    'staged-run',
  ],
  models: ['info', 'default-model', 'content-hash', 'architectures', 'param-count'],
  training: [
    'supervisor',
    'protocol',
    'run-log',
    'run-dirs',
    'retention',
    'checkpoint',
    'checkpoint-steps',
    'baseline',
    'metrics',
    'eval-steps',
  ],
  inference: ['client', 'protocol'],
  'data-worker': ['client'],
  serving: ['client', 'protocol'],
};
const engineMessage =
  "main's processes never load the engine: send the work to a worker (docs/PROCESSES.md).";
/** Imports of engine code: from another folder (`../<dir>/x.ts`), or from a sibling in a mixed folder (`./x.ts`). */
const engineGroup = (siblingsOf) => [
  '**/engine/**',
  '**/adapters/*.ts',
  '**/adapters/*/**',
  '**/compose/**',
  ...Object.entries(MAIN_PROCESS_FILES_IN).flatMap(([dir, files]) => [
    // Files and sub-folders named apart: a whole-folder pattern would bar re-including the tokenizer below.
    `**/${dir}/*.ts`,
    `**/${dir}/*/**`,
    ...files.map((f) => `!**/${dir}/${f}.ts`),
  ]),
  ...(siblingsOf ? ['./*.ts', './*/**', ...MAIN_PROCESS_FILES_IN[siblingsOf].map((f) => `!./${f}.ts`)] : []),
  // The tokenizer files read JSON and run @huggingface/tokenizers: no graph, no tf.js.
  '!**/models/tokenizer/**',
  // An architecture's declaration (models/<arch>/spec.ts) is pure data: main may ask what an architecture is.
  '!**/models/*/spec.ts',
  // The method registry's schemas (zod, no tensors): main validates configs with them.
  '!**/adapters/schemas.ts',
  '!**/adapters/*/schema.ts',
  ...(siblingsOf === 'models' ? ['!./tokenizer/**', '!./*/spec.ts'] : []),
];
/**
 * src-main's layers, lowest first. A folder may import its own layer and the layers below it, never one above:
 * shared code moves down to the layer that owns it (STYLE.md §1, after VS Code's layer rule).
 */
const LAYERS = [
  ['app', 'node-shared', 'db', 'process'],
  ['data', 'engine'],
  ['models'],
  ['adapters'],
  ['lora-merge'],
  ['training', 'inference', 'export', 'data-worker', 'experiments', 'serving', 'composition'],
  // The API server (serve-api/) and the services start and stop each other's parts: one layer.
  ['services', 'serve-api'],
  ['server'],
  ['cli', 'electron'],
];
const layerOf = (dir) => LAYERS.findIndex((layer) => layer.includes(dir));
/** The folders above `dir`, as import patterns. */
const upwardRestriction = (dir) => {
  const above = LAYERS.slice(layerOf(dir) + 1).flat();
  return {
    group: above.map((f) => `**/${f}/**`),
    message: `src-main's lower layers never import upwards: ${dir}/ may not import ${above.join('/, ')}/; move what it needs down (eslint.config.js LAYERS).`,
  };
};
/** src-main/<dir>'s import rule: the renderer and the layers above are out of reach, plus `extra` patterns. */
const srcMainRule = (dir, extra = []) => ({
  'no-restricted-imports': [
    'error',
    {
      patterns: [
        rendererRestriction,
        ...(layerOf(dir) < LAYERS.length - 1 ? [upwardRestriction(dir)] : []),
        ...extra,
      ],
    },
  ],
});

const mainProcessPatterns = (siblingsOf) => [
  { group: ['@tensorflow/*', 'webgpu'], allowTypeImports: true, message: `tf.js: ${engineMessage}` },
  // Type imports are erased from the bundle, so main may name the workers' types.
  { group: engineGroup(siblingsOf), allowTypeImports: true, message: engineMessage },
];

const pollingMessage = 'The renderer does not poll: react to the events main pushes (on() in lib/api.ts).';
/** setInterval in any spelling (bare, window., globalThis.): the timer polling is made of. */
const NO_POLLING = [
  { selector: "CallExpression[callee.name='setInterval']", message: pollingMessage },
  { selector: "CallExpression[callee.property.name='setInterval']", message: pollingMessage },
];

/**
 * Synchronous reads of a tensor's values. tf.js's webgpu backend implements them with an OffscreenCanvas, which
 * Node does not have, so on the GPU backend they fail ("OffscreenCanvas is not defined", issue #16); on a real
 * GPU they would also stall the queue. Engine code reads with `await t.data()` / `await t.array()`.
 */
const syncReadMessage =
  'a synchronous read fails on the webgpu backend under Node (OffscreenCanvas is not defined): read with `await t.data()` / `await t.array()` and dispose after; where the tensor can only be in host memory, disable this line with the reason (test/lint/no-sync-reads.test.ts).';
const NO_SYNC_READS = ['dataSync', 'arraySync', 'bufferSync'].map((property) => ({
  property,
  message: `${property}: ${syncReadMessage}`,
}));

export default tseslint.config(
  {
    ignores: [
      'node_modules',
      'dist',
      'release',
      'test/e2e/screenshots',
      '.gpu',
      '.cache',
      '.electron-native',
      'test/fixtures',
      'test/lint-fixtures',
      // Generated from tf.js core by scripts/build-tf-core-extras.mjs.
      'src-main/engine/tf-core-extras.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['src-shared/**/*.ts', 'test/lint-fixtures/src-shared/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', sharedRestrictions] },
  },
  {
    files: ['src-renderer/**/*.ts', 'src-renderer/**/*.svelte'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      // The renderer runs in a sandboxed page: it talks to main only through lib/api.ts.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['electron', 'node:*'], message: 'The renderer has no Node or Electron access.' },
            { group: ['**/src-main/**'], message: 'The renderer may not import src-main.' },
            {
              group: ['**/src-shared/**'],
              allowTypeImports: true,
              message: 'The renderer imports only types from src-shared.',
            },
          ],
        },
      ],
      // The renderer never polls: main pushes run:status, run:metrics and run:log (it watches the project's
      // database, so runs of other processes come too). Subscribe with on() from lib/api.ts; test/lint/no-polling.
      'no-restricted-syntax': ['error', ...NO_POLLING],
    },
  },
  // Every src-main folder: no renderer, no layer above; a main-process folder also no engine (PROCESSES.md).
  ...LAYERS.flat().map((dir) => ({
    files: [`src-main/${dir}/**/*.ts`],
    rules: srcMainRule(dir, MAIN_PROCESS_FOLDERS.includes(dir) ? mainProcessPatterns() : []),
  })),
  { files: ['src-main/errors.ts'], rules: srcMainRule('app', mainProcessPatterns()) },
  // Any src-main code may run on the webgpu backend (a worker started with STUDIO_BACKEND=webgpu).
  { files: ['src-main/**/*.ts'], rules: { 'no-restricted-properties': ['error', ...NO_SYNC_READS] } },
  // The files of the mixed folders that main runs: no engine code, their siblings' included.
  ...Object.entries(MAIN_PROCESS_FILES_IN).map(([dir, files]) => ({
    files: files.map((f) => `src-main/${dir}/${f}.ts`),
    rules: srcMainRule(dir, mainProcessPatterns(dir)),
  })),
  {
    // Architecture declarations are read by the main process and export: data only, no tf.js, no graph.
    files: ['src-main/models/architectures.ts', 'src-main/models/*/spec.ts'],
    rules: srcMainRule('models', [
      { group: ['@tensorflow/*'], message: 'Declarations load no tf.js.', allowTypeImports: true },
      {
        group: ['**/graph.ts', '**/index.ts', '**/layers.ts', '**/registry.ts'],
        message: 'Declarations load no graph: import only other spec.ts files and base/spec.ts.',
        allowTypeImports: true,
      },
    ]),
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] } },
  },
);
