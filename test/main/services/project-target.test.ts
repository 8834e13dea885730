/**
 * Creating a project where its folder exists asks instead of renaming (the Projects page asks `projects:target`
 * first); opening a folder the CLI made lists it as a recent project.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppStore } from '../../../src-main/app/app-store.ts';
import { ProjectsService } from '../../../src-main/services/projects.ts';
import { serviceTestContext } from '../../helpers/service-context.ts';

const { ctx, handlers, dir: tmpDir } = serviceTestContext('studio-project-target-');

describe('a new project over an existing folder', () => {
  it('says what is there: nothing, an empty folder, a project, or other files', async () => {
    const parent = path.join(tmpDir, 'targets');
    fs.mkdirSync(path.join(parent, 'empty'), { recursive: true });
    fs.mkdirSync(path.join(parent, 'papers'), { recursive: true });
    fs.writeFileSync(path.join(parent, 'papers', 'notes.txt'), 'mine');
    await handlers['projects:create']({ name: 'Spam', parentDir: parent });
    const state = async (name: string) =>
      (await handlers['projects:target']({ name, parentDir: parent })).state;
    expect(await state('New one')).toBe('free');
    expect(await state('Empty')).toBe('empty');
    expect(await state('Spam')).toBe('project');
    expect(await state('Papers')).toBe('occupied');
  });

  it('refuses a name whose folder is a project or holds files, and never renames it silently', async () => {
    const parent = path.join(tmpDir, 'refuse');
    const first = await handlers['projects:create']({ name: 'Spam', parentDir: parent });
    await expect(handlers['projects:create']({ name: 'Spam', parentDir: parent })).rejects.toThrow(
      `${first.path}: a project is already there: open it, or choose another name`,
    );
    fs.mkdirSync(path.join(parent, 'papers'));
    fs.writeFileSync(path.join(parent, 'papers', 'notes.txt'), 'mine');
    await expect(handlers['projects:create']({ name: 'Papers', parentDir: parent })).rejects.toThrow(
      /papers: a folder of that name already holds other files: choose another name/,
    );
    expect(fs.readdirSync(parent).sort()).toEqual(['papers', 'spam']);
    expect(fs.readFileSync(path.join(parent, 'papers', 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('uses an empty folder of that name as it is', async () => {
    const parent = path.join(tmpDir, 'empty');
    fs.mkdirSync(path.join(parent, 'spam'), { recursive: true });
    const created = await handlers['projects:create']({ name: 'Spam', parentDir: parent });
    expect(created.path).toBe(path.join(parent, 'spam'));
    expect(fs.existsSync(path.join(created.path, 'studio.db'))).toBe(true);
  });

  it('opens a project folder it did not create, and lists it among the recent ones', async () => {
    // Made by another studio (the CLI, a teammate): a project this app store has never seen.
    const elsewhere = new ProjectsService(new AppStore(path.join(tmpDir, 'other-home')), tmpDir);
    const made = elsewhere.create('Teammate', path.join(tmpDir, 'shared')).path;
    elsewhere.close();
    expect(ctx.projects.list().some((p) => p.path === made)).toBe(false);
    const opened = await handlers['projects:open']({ path: made });
    expect(opened.name).toBe('Teammate');
    expect((await handlers['projects:list']({})).map((p) => p.path)).toContain(made);
    await expect(handlers['projects:open']({ path: path.join(tmpDir, 'refuse', 'papers') })).rejects.toThrow(
      /no studio\.db here/,
    );
  });
});
