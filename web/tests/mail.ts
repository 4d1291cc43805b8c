// The mails the server wrote: web/test-e2e gives the server a mail folder of its own (PM_MAIL_DIR),
// where the worker's default sender puts each mail as <id>.eml (src/mail/sender.cpp).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** A link to `path` with its token, as the server writes it (PM_PUBLIC_URL + path + ?token=…). */
function linkPattern(path: string): RegExp {
  return new RegExp(`https?://\\S+${path.replace(/[/]/g, "\\/")}\\?token=[A-Za-z0-9_-]+`);
}

/** Waits for the newest mail to `to` whose body has a link to `path` (e.g. "/verify-email"), and
 * returns that link as the server wrote it (PM_PUBLIC_URL + path + ?token=…). */
export async function mailedLink(to: string, path: string, after = 0): Promise<string> {
  const dir = process.env.PM_MAIL_DIR;
  if (!dir) throw new Error("PM_MAIL_DIR is not set: run the suite through web/test-e2e");
  const pattern = linkPattern(path);
  for (let i = 0; i < 150; i++) {
    const links: { at: number; link: string }[] = [];
    let names: string[] = [];
    try {
      names = readdirSync(dir).filter((n) => n.endsWith(".eml"));
    } catch {
      // the folder appears with the first mail
    }
    for (const name of names) {
      const text = readFileSync(join(dir, name), "utf8");
      if (!text.toLowerCase().includes(`to: <${to.toLowerCase()}>`)) continue;
      const link = text.match(pattern)?.[0];
      const at = Date.parse(text.match(/^Date: (.+)$/m)?.[1] ?? "") || 0;
      if (link && at >= after - 1000) links.push({ at, link });
    }
    if (links.length > 0) return links.sort((a, b) => b.at - a.at)[0]!.link;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no mail to ${to} with a ${path} link`);
}

/** Waits for a mail to `to` with a `path` link other than `old` (a new link, mailed in the same second perhaps). */
export async function newMailedLink(to: string, path: string, old: string): Promise<string> {
  const dir = process.env.PM_MAIL_DIR;
  if (!dir) throw new Error("PM_MAIL_DIR is not set: run the suite through web/test-e2e");
  const pattern = linkPattern(path);
  for (let i = 0; i < 150; i++) {
    for (const name of readdirSync(dir).filter((n) => n.endsWith(".eml"))) {
      const text = readFileSync(join(dir, name), "utf8");
      const link = text.toLowerCase().includes(`to: <${to.toLowerCase()}>`) ? text.match(pattern)?.[0] : undefined;
      if (link && link !== old) return link;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no new mail to ${to} with a ${path} link`);
}

/** Waits for a mail to `to` whose text holds `words`. */
export async function mailWith(to: string, words: string): Promise<void> {
  const dir = process.env.PM_MAIL_DIR;
  if (!dir) throw new Error("PM_MAIL_DIR is not set: run the suite through web/test-e2e");
  for (let i = 0; i < 150; i++) {
    let names: string[] = [];
    try {
      names = readdirSync(dir).filter((n) => n.endsWith(".eml"));
    } catch {
      // the folder appears with the first mail
    }
    for (const name of names) {
      const text = readFileSync(join(dir, name), "utf8");
      if (text.toLowerCase().includes(`to: <${to.toLowerCase()}>`) && text.includes(words)) return;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no mail to ${to} saying "${words}"`);
}
