// A small client-side router: the path is a signal; links push history entries.
import { signal } from "@preact/signals";

export const path = signal(location.pathname);

export function go(to: string, replace = false): void {
  if (replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  path.value = location.pathname;
  window.scrollTo(0, 0);
}

window.addEventListener("popstate", () => {
  path.value = location.pathname;
});

/** The parameter of `/prefix/:id` when `p` has that shape. */
export function param(p: string, prefix: string): string | null {
  if (!p.startsWith(prefix + "/")) return null;
  const rest = p.slice(prefix.length + 1).replace(/\/$/, "");
  if (!rest || rest.includes("/")) return null;
  try {
    return decodeURIComponent(rest);
  } catch {
    return null; // a malformed escape (`/chats/%E0`): no such page, not a blank app
  }
}

/** A query parameter of the current address (e.g. the `token` of a mailed link). */
export function query(name: string): string | null {
  return new URLSearchParams(location.search).get(name);
}

/**
 * A query parameter of the current address, taken out of it (and so out of the browser's history):
 * a mailed link's `token` must not stay where the next person at the computer finds it.
 */
export function takeQuery(name: string): string | null {
  const params = new URLSearchParams(location.search);
  const value = params.get(name);
  if (value !== null) {
    params.delete(name);
    const rest = params.toString();
    history.replaceState(history.state, "", location.pathname + (rest ? `?${rest}` : "") + location.hash);
  }
  return value;
}
