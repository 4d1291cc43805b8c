// Where a click on a push notification may lead (web/src/local_path.ts, used by the service
// worker): only to a page of the app's own origin. No browser needed: the function is plain.
import { expect, test } from "@playwright/test";

import { localPath } from "../src/local_path";

const origin = "https://app.example";

test("a push message's link stays on the app's own site", () => {
  // Before, "https://x//evil.com" gave "//evil.com", which openWindow reads as https://evil.com.
  for (const url of ["https://x//evil.com", "//evil.com", "https://evil.com//evil.com/a?b=1", "///evil.com"]) {
    const path = localPath(url, origin);
    expect(path.startsWith("//"), `${url} -> ${path}`).toBe(false);
    expect(new URL(path, origin).origin, url).toBe(origin);
  }
  expect(localPath("https://evil.com/conversations/1?x=2", origin)).toBe("/conversations/1?x=2");
  expect(localPath("/matches/abc", origin)).toBe("/matches/abc");
  expect(localPath(undefined, origin)).toBe("/");
});
