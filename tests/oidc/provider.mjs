// A real, certified OpenID Provider (the oidc-provider package, pinned in package-lock.json) on a
// loopback port, for the tests of the browser's "Sign in with ..." (tests/integration/
// oauth_browser_test.cpp, web/tests/oauth.spec.ts). Started by the test; killed by it.
//
//   node tests/oidc/provider.mjs PORT CLIENTS_JSON
//
// CLIENTS_JSON: oidc-provider client metadata, e.g. [{"client_id": "pm-web", "client_secret": "...",
// "redirect_uris": ["http://127.0.0.1:8080/api/v1/auth/oauth/local/callback"]}]. The issuer is
// http://127.0.0.1:PORT. Any login name is an account: its email is the name, verified unless the
// name starts with "unverified".
//
// Test-only routes beside the provider's own (loopback only, never in a real deployment):
// - POST /test/rotate-keys: from now on the provider signs with a new key, and publishes only it.
// - GET /test/drive?start=URL&login=NAME[&deny=1][&nonce=VALUE]: plays the browser with plain
//   HTTP: opens our start URL, follows the redirects, fills the provider's login and consent
//   forms (or aborts them: deny), and stops at the redirect back to our callback (or, with
//   response_mode=form_post, at the provider's page that would POST it there). `nonce` replaces
//   the nonce of the authorization request on its way (a tampering browser). Answers
//   {callback, flow_cookie, form}: the callback URL as the provider sent it, the cookie our start
//   set, and for form_post the form's fields (absent otherwise).
import { generateKeyPairSync, randomBytes } from "node:crypto";
import http from "node:http";

import Provider from "oidc-provider";

const [port, clientsJson] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;
const clients = JSON.parse(clientsJson);
const cookieKeys = [randomBytes(32).toString("hex")];

function newKey() {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { ...privateKey.export({ format: "jwk" }), kid: `k-${randomBytes(6).toString("hex")}`, alg: "RS256", use: "sig" };
}

function makeProvider(key) {
  const provider = new Provider(issuer, {
    clients,
    jwks: { keys: [key] },
    cookies: { keys: cookieKeys },
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["given_name", "family_name"] },
    // The claims of the requested scopes go into the ID token itself, as Google's and Apple's do.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
    async findAccount(ctx, id) {
      return {
        accountId: id,
        async claims() {
          return {
            sub: id,
            email: id,
            email_verified: !id.startsWith("unverified"),
            given_name: "Robin",
            family_name: "Provider",
          };
        },
      };
    },
  });
  provider.on("server_error", (ctx, err) => console.error("server_error", err));
  return provider;
}

// Each start-up step is logged with the time since the process began: a start that never reaches
// "listening" says in the test's failure where it stopped.
const since = () => `${Math.round(performance.now())} ms`;
console.log(`oidc-provider loaded (${since()})`);
let provider = makeProvider(newKey());
console.log(`oidc-provider made its signing key and configuration (${since()})`);

// A browser's cookies, by name (one host each; paths do not matter for these flows).
class Jar {
  constructor() {
    this.cookies = new Map();
  }
  take(res) {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";");
      const [name, ...rest] = pair.trim().split("=");
      const expired = attrs.some((a) => /^\s*(max-age=0|expires=thu, 01 jan 1970)/i.test(a));
      if (expired || rest.join("=") === "") this.cookies.delete(name);
      else this.cookies.set(name, rest.join("="));
    }
  }
  header() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
}

// The self-submitting page of response_mode=form_post: its form's target and hidden fields, or null.
function formPost(page) {
  const action = /<form method="post" action="([^"]*)"/.exec(page);
  if (!action) return null;
  const unescape = (text) =>
    text.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (_, e) => ({ amp: "&", lt: "<", gt: ">", quot: '"' })[e] ?? "'");
  const fields = {};
  for (const [, name, value] of page.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)"\/>/g))
    fields[name] = unescape(value);
  return { action: unescape(action[1]), fields };
}

async function drive({ start, login, deny, nonce }) {
  const ours = new Jar();
  const theirs = new Jar();
  let res = await fetch(start, { redirect: "manual" });
  ours.take(res);
  if (res.status !== 302) throw new Error(`the start answered ${res.status}: ${await res.text()}`);
  let url = new URL(res.headers.get("location"));
  if (nonce !== undefined) url.searchParams.set("nonce", nonce);
  for (let step = 0; step < 20; step++) {
    if (url.origin !== issuer) return { callback: url.toString(), flow_cookie: ours.cookies.get("pm_oauth_flow") ?? "" };
    res = await fetch(url, { redirect: "manual", headers: { cookie: theirs.header() } });
    theirs.take(res);
    if (res.status >= 300 && res.status < 400) {
      url = new URL(res.headers.get("location"), url);
      continue;
    }
    const page = await res.text();
    const post = formPost(page);
    if (post && new URL(post.action, url).origin !== issuer)
      return { callback: post.action, form: post.fields, flow_cookie: ours.cookies.get("pm_oauth_flow") ?? "" };
    if (res.status !== 200 || !url.pathname.startsWith("/interaction/"))
      throw new Error(`the provider answered ${res.status} at ${url.pathname}: ${page.slice(0, 500)}`);
    if (deny) {
      url = new URL(`${url.pathname}/abort`, url);
      continue;
    }
    const form = page.includes('name="login"')
      ? new URLSearchParams({ prompt: "login", login, password: "any" })
      : new URLSearchParams({ prompt: "consent" });
    res = await fetch(url, {
      method: "POST",
      redirect: "manual",
      headers: { cookie: theirs.header(), "content-type": "application/x-www-form-urlencoded" },
      body: form,
    });
    theirs.take(res);
    if (res.status < 300 || res.status >= 400) throw new Error(`the form answered ${res.status}: ${await res.text()}`);
    url = new URL(res.headers.get("location"), url);
  }
  throw new Error("the flow did not come back after 20 redirects");
}

async function testRoute(req, res) {
  const url = new URL(req.url, issuer);
  res.setHeader("content-type", "application/json");
  try {
    if (req.method === "POST" && url.pathname === "/test/rotate-keys") {
      const key = newKey();
      provider = makeProvider(key);
      res.end(JSON.stringify({ kid: key.kid }));
    } else if (req.method === "GET" && url.pathname === "/test/drive") {
      const q = Object.fromEntries(url.searchParams);
      res.end(JSON.stringify(await drive({ ...q, deny: q.deny === "1" })));
    } else {
      res.statusCode = 404;
      res.end("{}");
    }
  } catch (err) {
    res.statusCode = 500;
    res.end(JSON.stringify({ error: String(err.stack ?? err) }));
  }
}

http
  .createServer((req, res) => (req.url.startsWith("/test/") ? testRoute(req, res) : provider.callback()(req, res)))
  .listen(Number(port), "127.0.0.1", () => console.log(`oidc-provider listening at ${issuer} (${since()})`));
