import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { AppStore } from '../../../src-main/app/app-store.ts';
import { UserError } from '../../../src-main/errors.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-app-store-');
afterEach(() => fs.rmSync(path.join(tmp.dir, 'app-store.json'), { force: true }));
afterAll(() => tmp.cleanup());

describe('a broken app store', () => {
  it('is a UserError naming the file, without quoting what it holds, when it is not JSON', () => {
    fs.writeFileSync(path.join(tmp.dir, 'app-store.json'), '{"token": "s3cret-value"');
    const store = new AppStore(tmp.dir);
    expect(() => store.recentProjects()).toThrow(UserError);
    expect(() => store.recentProjects()).toThrow(/app-store\.json: not a valid app store \(not valid JSON/);
    // JSON.parse's own message quotes the start of the text, which may be a secret.
    expect(() => store.recentProjects()).not.toThrow(/s3cret/);
  });

  it('is a UserError naming the field when it is JSON of the wrong shape', () => {
    fs.writeFileSync(path.join(tmp.dir, 'app-store.json'), JSON.stringify({ version: 2 }));
    expect(() => new AppStore(tmp.dir).getSetting('threads')).toThrow(
      /app-store\.json: not a valid app store/,
    );
    expect(() => new AppStore(tmp.dir).getSetting('threads')).toThrow(UserError);
  });

  it('reads a missing store as empty and keeps what is written', () => {
    const store = new AppStore(tmp.dir);
    expect(store.recentProjects()).toEqual([]);
    store.setSetting('threads', 2);
    expect(new AppStore(tmp.dir).getSetting('threads')).toBe(2);
  });
});
