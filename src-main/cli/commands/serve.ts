import type { Command } from 'commander';
import { APP_VERSION } from '../../app/package-info.ts';
import { ensureRendererBuilt } from '../../app/renderer-bundle.ts';
import { UserError } from '../../errors.ts';
import { exportDownload } from '../../server/download.ts';
import { newToken } from '../../node-shared/loopback-auth.ts';
import { startWebServer } from '../../server/web-server.ts';
import { createServiceContext, shutdownServices } from '../../services/context.ts';
import { createHandlers } from '../../services/handlers.ts';

/** Starts web mode and resolves with the URL; used by `studio serve` and by `npm start` without Electron. */
export async function serveStudio(opts: {
  port?: number;
  project?: string;
  /** Also start the serving API (its own port, `apiPort` or a free one) with the same token. */
  api?: boolean;
  apiPort?: number;
  /** The router the API's `"adapter": "auto"` goes through (default: the base's newest router). */
  autoRouter?: string;
}): Promise<{ url: string; apiUrl: string | null; token: string }> {
  const rendererDir = await ensureRendererBuilt((l) => process.stderr.write(`${l}\n`));
  const token = newToken();
  const ctx = createServiceContext({ mode: 'web', version: APP_VERSION, token });
  // Opened first, so a folder that is not a project is refused before anything listens.
  const project = opts.project ? ctx.projects.open(opts.project).path : undefined;
  const server = await startWebServer({
    handlers: createHandlers(ctx),
    events: ctx.events,
    rendererDir,
    port: opts.port,
    token,
    // Opening the project's database first refuses a folder that is not a project.
    download: (project, file) => {
      ctx.projects.db(project);
      return exportDownload(project, file);
    },
  });
  const api = opts.api
    ? await ctx.serveApi.start({
        project: project ?? null,
        ...(opts.apiPort !== undefined ? { port: opts.apiPort } : {}),
        ...(opts.autoRouter !== undefined ? { autoRouter: opts.autoRouter } : {}),
      })
    : null;
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    // Runs first: their rows are written as interrupted (resumable) before the databases close.
    void shutdownServices(ctx)
      .then(() => server.close())
      .finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return { url: project ? withProject(server.url, project) : server.url, apiUrl: api?.url ?? null, token };
}

/** The page's address with the project in it (`?project=`), so the browser opens that project directly. */
export function withProject(url: string, project: string): string {
  const u = new URL(url);
  u.searchParams.set('project', project);
  return u.toString();
}

const portOption = (flag: string, value: string | undefined): number | undefined => {
  const port = value === undefined ? undefined : Number(value);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    throw new UserError(`${flag} ${value}: not a port number`);
  }
  return port;
};

/**
 * `studio serve [--project DIR] [--port N] [--api [--api-port N]]`: the studio in a browser, on 127.0.0.1 only,
 * and with --api the serving API over the project's adapter library (docs/SERVING.md).
 */
export function register(program: Command): void {
  program
    .command('serve')
    .description('web mode: serve the studio UI and services on 127.0.0.1 (token in the printed URL)')
    .option('--project <dir>', 'open this project first')
    .option('--port <n>', 'port (default: a random free port)')
    .option('--api', "also serve the HTTP API over the project's adapter library (docs/SERVING.md)")
    .option('--api-port <n>', "the API's port (default: a random free port)")
    .option(
      '--auto-router <id|name>',
      'the library router that API requests for adapter "auto" go through (default: the newest router of the base)',
    )
    .action(
      async (opts: {
        project?: string;
        port?: string;
        api?: boolean;
        apiPort?: string;
        autoRouter?: string;
      }) => {
        const port = portOption('--port', opts.port);
        const apiPort = portOption('--api-port', opts.apiPort);
        if (apiPort !== undefined && !opts.api) throw new UserError('--api-port needs --api');
        if (opts.autoRouter !== undefined && !opts.api) throw new UserError('--auto-router needs --api');
        const s = await serveStudio({
          port,
          project: opts.project,
          api: opts.api === true,
          ...(apiPort !== undefined ? { apiPort } : {}),
          ...(opts.autoRouter !== undefined ? { autoRouter: opts.autoRouter } : {}),
        });
        process.stdout.write(`Adapter Studio is running at ${s.url}\n`);
        if (s.apiUrl)
          process.stdout.write(
            `Serving API at ${s.apiUrl} (send Authorization: Bearer ${s.token}; ${s.apiUrl}/openapi.json describes it)\n`,
          );
        // Stay alive until a signal: main() must not exit after this action.
        await new Promise<never>(() => {});
      },
    );
}
