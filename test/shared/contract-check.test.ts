import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { join } from '../../src-shared/contract/define.ts';
import { REPO_ROOT } from '../helpers/fixtures.ts';

// The contract's type checks (src-shared/contract.ts checkHandlers, contract/define.ts join and call) must fail
// `tsc` on a missing, doubled or extra handler and on a call declared twice or without a result type. The
// fixture marks each such line with `@ts-expect-error`; it is outside tsconfig.json, so it is compiled here.
const FIXTURE = path.join(REPO_ROOT, 'test/lint-fixtures/contract/handler-map.ts');

/** A marked line: the mistake is on the line after it. */
const MARK = /^\/\/ @ts-expect-error/m;

function compilerOptions(): ts.CompilerOptions {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    path.join(REPO_ROOT, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (!parsed) throw new Error('tsconfig.json could not be read');
  return parsed.options;
}

/** Diagnostics of the fixture, optionally with its source rewritten, as `line: message`. */
function diagnostics(rewrite: (source: string) => string = (s) => s): string[] {
  const options = compilerOptions();
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  host.readFile = (file) => {
    const text = readFile(file);
    return text !== undefined && path.resolve(file) === FIXTURE ? rewrite(text) : text;
  };
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, lang, onError, create) =>
    path.resolve(file) === FIXTURE
      ? ts.createSourceFile(file, rewrite(ts.sys.readFile(file) ?? ''), lang)
      : getSourceFile(file, lang, onError, create);
  const program = ts.createProgram([FIXTURE], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
    return `${line}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

describe('the contract type check', () => {
  it('compiles the fixture: every marked mistake fails and the correct handler map passes', () => {
    expect(diagnostics()).toEqual([]);
  });

  it('names what is wrong when the marks are removed', () => {
    const source = ts.sys.readFile(FIXTURE) ?? '';
    const marked = source.split('\n').flatMap((l, i) => (MARK.test(l) ? [i + 2] : []));
    expect(marked).toHaveLength(6);
    // Blank the marks (keeping line numbers) so each mistake reports its own error.
    const errors = diagnostics((s) => s.replace(new RegExp(MARK.source, 'gm'), '// mistake:'));
    const lines = new Set(errors.map((e) => Number(e.split(':')[0])));
    expect([...lines].sort((a, b) => a - b)).toEqual(marked);
    const text = errors.join('\n');
    for (const phrase of [
      'calls without a handler',
      'calls with more than one handler',
      'handlers without a call',
      'declared by more than one feature',
    ])
      expect(text).toContain(phrase);
  });
});

describe('join', () => {
  it('refuses a key declared twice at run time too (a spread would keep the last silently)', () => {
    const maps = [{ 'x:one': 1 }, { 'x:one': 2 }] as const;
    expect(() => join(...(maps as readonly object[]))).toThrow('x:one is declared twice');
  });
});
