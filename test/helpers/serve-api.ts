/** The serving API as the tests start it: no project behind it (opening one fails the test), on a free port. */
import { ServeApi } from '../../src-main/serve-api/service.ts';

export async function startTestApi(
  token: string,
  opts: Parameters<ServeApi['start']>[0] = {},
): Promise<{ api: ServeApi; url: string }> {
  const api = new ServeApi(token, () => {
    throw new Error('no project here');
  });
  const { url } = await api.start(opts);
  if (!url) throw new Error('the serving API did not start');
  return { api, url };
}
