// What the web app's tests set up through the API itself (docs/openapi.yaml), not through screens.
import { expect, type APIRequestContext, type Page } from "@playwright/test";
import { mailedLink } from "./mail";

export const DEMO = { email: "demo1@demo.perfectmatch.test", password: "perfect-match-demo" };
/** Demo user n (every one has DEMO's password). Tests that need no matches use their own, so that no
 * account runs out of its sign-in budget (PM_LOGIN_LIMIT_PER_ACCOUNT) in one run of the suite. */
export const demoEmail = (n: number) => `demo${n}@demo.perfectmatch.test`;
export const PASSWORD = "a-long-test-passphrase-42";

export function uniqueEmail(who: string): string {
  return `${who}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@web.perfectmatch.test`;
}

type Json = Record<string, any>;

export async function call(api: APIRequestContext, method: string, url: string, token?: string, data?: unknown): Promise<Json> {
  const res = await api.fetch(url, {
    method,
    headers: token ? { Authorization: `Bearer ${token}` } : {},
    ...(data === undefined ? {} : { data }),
  });
  const text = await res.text();
  expect(res.ok(), `${method} ${url} -> ${res.status()} ${text}`).toBeTruthy();
  return text ? (JSON.parse(text) as Json) : {};
}

export interface Person {
  email: string;
  token: string;
  userId: string;
  firstName: string;
}

/** Signs up and signs in through the API, nothing more (no profile, no questionnaire). */
export async function signedUpPerson(api: APIRequestContext, firstName: string): Promise<Person> {
  const email = uniqueEmail(firstName.toLowerCase());
  await call(api, "POST", "/api/v1/auth/signup", undefined, {
    email,
    password: PASSWORD,
    first_name: firstName,
    birth_date: "1990-01-20",
    gender: "non_binary",
    seeking_gender: "everyone",
  });
  const signed = await call(api, "POST", "/api/v1/auth/login", undefined, { email, password: PASSWORD });
  return { email, token: signed.token as string, userId: signed.user.user_id as string, firstName };
}

/** Signs up, signs in, fills the profile at `place` and answers every question it is asked. */
export async function completePerson(
  api: APIRequestContext,
  opts: { firstName: string; gender: string; seeking: string; place: { label: string; latitude: number; longitude: number } },
): Promise<Person> {
  const email = uniqueEmail(opts.firstName.toLowerCase());
  await call(api, "POST", "/api/v1/auth/signup", undefined, {
    email,
    password: PASSWORD,
    first_name: opts.firstName,
    birth_date: "1992-06-15",
    gender: opts.gender,
    seeking_gender: opts.seeking,
  });
  const signed = await call(api, "POST", "/api/v1/auth/login", undefined, { email, password: PASSWORD });
  const token = signed.token as string;
  await call(api, "PATCH", "/api/v1/me", token, { location: opts.place, bio: `Hi, I'm ${opts.firstName}.` });
  await call(api, "PUT", "/api/v1/me/preferences", token, { min_age: 18, max_age: 99, max_distance: 50 });
  for (let i = 0; i < 200; i++) {
    const next = await call(api, "GET", "/api/v1/questionnaire/next?limit=1", token);
    const q = next.questions?.[0];
    if (!q) break;
    await call(api, "PUT", `/api/v1/questionnaire/answers/${q.question_id}`, token, { value: answerFor(q), importance: 5 });
  }
  await call(api, "POST", "/api/v1/questionnaire/complete", token);
  return { email, token, userId: signed.user.user_id as string, firstName: opts.firstName };
}

function answerFor(q: Json): unknown {
  const keys = (q.options ?? []).map((o: Json) => o.key);
  switch (q.type) {
    case "multiple_choice":
      return keys[0];
    case "multiple_select":
      return keys.slice(0, Math.max(1, q.min_selections ?? 1));
    case "slider":
      return q.slider?.min ?? 0;
    case "boolean":
      return true;
    default:
      return "I like long walks and good conversations.";
  }
}

/** Waits until `a` and `b` have a match (the worker generates after each completes). */
export async function matchBetween(api: APIRequestContext, a: Person, b: Person): Promise<string> {
  let generated = false;
  for (let i = 0; i < 120; i++) {
    for (const [me, other] of [
      [a, b],
      [b, a],
    ] as const) {
      // (Every page of it: one person matched with many others has more than the default 20.)
      const page = await call(api, "GET", "/api/v1/matches?status=current&limit=100", me.token);
      const m = (page.matches ?? []).find((x: Json) => x.user?.user_id === other.userId);
      if (m) return m.match_id as string;
    }
    if (i === 20 && !generated) {
      generated = true;
      await api.fetch("/api/v1/matches/generate", { method: "POST", headers: { Authorization: `Bearer ${a.token}` } });
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`no match between ${a.firstName} and ${b.firstName}`);
}

/** The first demo user (demo1, demo2, ...) who has current matches: the test data is small. */
export async function demoUserWithMatches(api: APIRequestContext): Promise<string> {
  for (let n = 1; n <= 20; n++) {
    const email = demoEmail(n);
    const signed = await call(api, "POST", "/api/v1/auth/login", undefined, { email, password: DEMO.password });
    const page = await call(api, "GET", "/api/v1/matches?status=current", signed.token);
    await call(api, "POST", "/api/v1/auth/logout", signed.token);
    if ((page.matches ?? []).length > 0) return email;
  }
  throw new Error("none of demo1..demo20 has a current match");
}

export async function like(api: APIRequestContext, who: Person, matchId: string): Promise<Json> {
  return call(api, "POST", `/api/v1/matches/${matchId}/like`, who.token);
}

/** Signs up through the app's form (after `beforeSubmit`, e.g. a choice on the form) and waits for the profile screen. */
export async function signUpThroughTheApp(
  page: Page,
  person: { email: string; firstName: string; birthDate: string },
  beforeSubmit: () => Promise<void> = async () => {},
): Promise<void> {
  await page.goto("/signup");
  await page.getByLabel("Email").fill(person.email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByLabel("First name").fill(person.firstName);
  await page.getByLabel("Birth date").fill(person.birthDate);
  await beforeSubmit();
  await page.getByRole("button", { name: "Create an account" }).click();
  await expect(page.getByRole("heading", { name: "Your profile" })).toBeVisible();
}

export async function signInThroughTheApp(page: Page, email: string, password: string): Promise<void> {
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

/** Opens the reset link mailed to `email` since `asked` (Date.now() before asking), sets `password`
 * with it and signs in with the new password: the profile is shown. */
export async function setPasswordFromTheMail(page: Page, email: string, asked: number, password: string): Promise<void> {
  await page.goto(await mailedLink(email, "/reset-password", asked));
  await page.getByLabel("New password").fill(password);
  await page.getByRole("button", { name: "Set the new password" }).click();
  await expect(page.getByText("Your password was changed. Sign in with the new one.")).toBeVisible();
  await signInThroughTheApp(page, email, password);
  await expect(page.getByRole("heading", { name: "Your profile" })).toBeVisible();
}

/** Console errors of a page, to assert there were none. (Chromium also logs every 4xx answer as
 * "Failed to load resource": those are problems the app shows in words, not errors of the app.) */
export function consoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    if (/^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) return;
    errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  return errors;
}

/** The staff web/test-e2e makes with `perfectmatch admin grant` (docs/admin.md): the last demo user
 * is an admin, the one before a moderator. */
export const STAFF = {
  admin: process.env.PM_WEB_TEST_ADMIN ?? demoEmail(40),
  moderator: process.env.PM_WEB_TEST_MODERATOR ?? demoEmail(39),
  password: DEMO.password,
};
