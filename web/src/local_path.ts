/** The path (and query) of `url` on `origin`: a link in a push message never sends the app to
 * another site, whatever the message says. A path that starts with "//" ("https://x//evil.com")
 * would be read as another host by `clients.openWindow`, so its leading slashes become one. */
export function localPath(url: string | undefined, origin: string): string {
  try {
    const u = new URL(url ?? "/", origin);
    return "/" + u.pathname.replace(/^\/+/, "") + u.search;
  } catch {
    return "/";
  }
}
