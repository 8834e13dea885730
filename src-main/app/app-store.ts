import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { UserError, jsonSyntaxProblem } from '../errors.ts';

const recentSchema = z.object({
  path: z.string(),
  name: z.string(),
  createdAt: z.string(),
  openedAt: z.string(),
});
const storeSchema = z.object({
  version: z.literal(1),
  recentProjects: z.array(recentSchema),
  settings: z.record(z.string(), z.unknown()),
});
export type RecentProject = z.infer<typeof recentSchema>;
type StoreData = z.infer<typeof storeSchema>;

const MAX_RECENT = 50;

/**
 * The small app-level store in the user-data folder: recent projects and settings. Project data never lives here;
 * it lives in each project's studio.db. Writes go to a temp file and are renamed so a crash never truncates it.
 */
export class AppStore {
  readonly file: string;

  constructor(readonly userDataDir: string) {
    this.file = path.join(userDataDir, 'app-store.json');
  }

  #read(): StoreData {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch {
      return { version: 1, recentProjects: [], settings: {} };
    }
    // A store the user (or a crash) broke is theirs to fix or delete: one line, never the file's contents.
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new UserError(`${this.file}: not a valid app store (${jsonSyntaxProblem(err, text)})`);
    }
    const parsed = storeSchema.safeParse(json);
    if (!parsed.success)
      throw new UserError(`${this.file}: not a valid app store (${parsed.error.issues[0]?.message})`);
    return parsed.data;
  }

  #write(data: StoreData): void {
    fs.mkdirSync(this.userDataDir, { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(data, null, 2));
    fs.renameSync(tmp, this.file);
  }

  /** Most recently opened first. */
  recentProjects(): RecentProject[] {
    return [...this.#read().recentProjects].sort((a, b) => b.openedAt.localeCompare(a.openedAt));
  }

  touchProject(p: RecentProject): void {
    const data = this.#read();
    const others = data.recentProjects.filter((r) => r.path !== p.path);
    data.recentProjects = [p, ...others].slice(0, MAX_RECENT);
    this.#write(data);
  }

  forgetProject(projectPath: string): void {
    const data = this.#read();
    data.recentProjects = data.recentProjects.filter((r) => r.path !== projectPath);
    this.#write(data);
  }

  getSetting(key: string): unknown {
    return this.#read().settings[key];
  }

  setSetting(key: string, value: unknown): void {
    const data = this.#read();
    data.settings[key] = value;
    this.#write(data);
  }
}
