/**
 * The open project lives in the page's URL (`?project=<folder>`, before the `#/page` route), so a reload or a
 * bookmark opens it again. The web-mode token is a separate parameter that api.ts removes once read.
 */
const PARAM = 'project';

/** The project folder named by the URL, if any. */
export function projectInUrl(): string | null {
  return new URL(window.location.href).searchParams.get(PARAM);
}

/** Names the open project in the URL (or removes it), keeping the route and the other parameters. */
export function setProjectInUrl(path: string | null): void {
  const url = new URL(window.location.href);
  if (path === null) url.searchParams.delete(PARAM);
  else url.searchParams.set(PARAM, path);
  if (url.href !== window.location.href) history.replaceState(history.state, '', url.href);
}
