// A small client-side router: the path is a signal; links push history entries.
import { signal } from "@preact/signals";
import { focusScreenHeading } from "./screen_focus";

export const path = signal(location.pathname);

export function go(to: string, replace = false): void {
  if (replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  path.value = location.pathname;
  window.scrollTo(0, 0);
}

window.addEventListener("popstate", () => {
  path.value = location.pathname;
  focusScreenHeading();
});

/** A move the person asked for (a link): the new screen's heading then takes the focus. */
export function navigate(to: string): void {
  const before = location.pathname + location.search;
  go(to);
  if (location.pathname + location.search !== before) focusScreenHeading();
}

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
 * A query parameter of the current address, taken out of the address bar and this tab's history
 * entry (kept in the entry's state, so a reload still has it): a mailed link's `token` is not left
 * on the screen, nor behind the back button. (The browser's own history list has it already.)
 */
export function takeQuery(name: string): string | null {
  const params = new URLSearchParams(location.search);
  const state = (history.state ?? {}) as Record<string, unknown>;
  const value = params.get(name) ?? (typeof state[name] === "string" ? (state[name] as string) : null);
  if (params.has(name)) {
    params.delete(name);
    const rest = params.toString();
    history.replaceState({ ...state, [name]: value }, "", location.pathname + (rest ? `?${rest}` : "") + location.hash);
  }
  return value;
}
