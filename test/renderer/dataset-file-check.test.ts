import { describe, expect, it } from 'vitest';
import { checkDatasetFile } from '../../src-renderer/lib/dataset-file-check.ts';

const limits = { maxBytes: 1024 * 1024, extensions: ['.csv', '.jsonl'] };

describe('checkDatasetFile', () => {
  it('accepts a supported file within the limit, whatever the case of its extension', () => {
    expect(checkDatasetFile({ name: 'a.CSV', size: 1024 * 1024 }, limits)).toBeNull();
  });

  it('names the file and the limit when it is too big', () => {
    expect(checkDatasetFile({ name: 'big.csv', size: 3 * 1024 * 1024 }, limits)).toMatch(
      /^big\.csv is 3\.0 MiB; the Datasets page imports files up to 1\.0 MiB/,
    );
  });

  it('names the type when it is not one the import reads', () => {
    expect(checkDatasetFile({ name: 'sheet.xlsx', size: 10 }, limits)).toBe(
      'sheet.xlsx: unsupported file type ".xlsx"; import .csv, .jsonl',
    );
    expect(checkDatasetFile({ name: 'README', size: 10 }, limits)).toMatch(/"\(no extension\)"/);
  });
});
