// The Perfect Match web app: which screen the path and the session call for.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { effect } from "@preact/signals";
import { liveMatch } from "./live_match";
import "./styles.css";
import { connect, disconnect, onFrame } from "./realtime";
import { go, navigate, param, path } from "./router";
import { followScreenTitles } from "./screen_focus";
import { ChatsScreen, ConversationScreen } from "./screens/chat";
import { SignIn, SignUp } from "./screens/auth";
import { AccountScreen } from "./screens/account";
import { AdminConsole } from "./screens/admin/console";
import { ForgotPasswordScreen, ResetPasswordScreen, VerifyEmailScreen, VerifyReminder } from "./screens/email-links";
import { NotificationsScreen } from "./screens/notifications";
import { refreshUnread, unreadCount } from "./notifications";
import { registerServiceWorker } from "./push";
import { checkStaff, staffAccess } from "./staff";
import { MatchDetailScreen, MatchesScreen } from "./screens/matches";
import { PlansScreen, SubscriptionScreen } from "./screens/subscription";
import { ProfileScreen } from "./screens/profile";
import { QuestionnaireScreen } from "./screens/questionnaire";
import { endLocalSession, errorText, loadMe, me, signOut, token } from "./session";
import { t } from "./strings";
import { ErrorBox, Link, Loading } from "./ui";

// The service worker shows Web Push messages (docs/web.md "Push"). While the app is open it also
// tells it: a push refreshes the bell; a click on a notification opens its page here.
registerServiceWorker();
navigator.serviceWorker?.addEventListener("message", (event: MessageEvent) => {
  const data = event.data as { type?: string; path?: string } | null;
  if (data?.type === "push" && token.value) void refreshUnread();
  if (data?.type === "open" && typeof data.path === "string" && data.path.startsWith("/")) navigate(data.path);
});

// One socket while signed in.
effect(() => {
  if (token.value) connect();
  else disconnect();
});

// The server ended this session (a sign-out elsewhere, a suspension or ban by staff, a password
// change): it says so on the socket with an `error` frame of no id before closing it
// (docs/realtime.md). Sign out here at once, in words, rather than retrying a dead token.
onFrame((f) => {
  if (f.type !== "error" || f.id != null) return;
  const problem = f.problem as { status?: number; type?: string } | undefined;
  if (problem?.status === 401 || /unauthenticated/.test(problem?.type ?? "")) endLocalSession(t.sessionEnded);
});

function LiveMatch() {
  const m = liveMatch.value;
  if (!m) return null;
  return (
    <div class="matched live" role="status">
      <p>{m.name ? t.itsAMatch(m.name) : t.itsAMatchAnon}</p>
      {m.conversation_id && <Link href={`/chats/${m.conversation_id}`}>{t.openChat}</Link>}{" "}
      <button type="button" class="link" onClick={() => (liveMatch.value = null)}>
        {t.dismiss}
      </button>
    </div>
  );
}

/** The bell: how many notifications are unread, live; its name says the count to screen readers. */
function Bell() {
  const n = unreadCount.value;
  return (
    <a
      href="/notifications"
      class={`bell${path.value === "/notifications" ? " active" : ""}`}
      aria-label={t.notificationsLabel(n)}
      aria-current={path.value === "/notifications" ? "page" : undefined}
      onClick={(e) => {
        e.preventDefault();
        navigate("/notifications");
      }}
    >
      <svg aria-hidden="true" viewBox="0 0 24 24" width="22" height="22">
        <path fill="currentColor" d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22zm7-6V11a7 7 0 0 0-5.5-6.84V3a1.5 1.5 0 0 0-3 0v1.16A7 7 0 0 0 5 11v5l-2 2v1h18v-1z" />
      </svg>
      {n > 0 && (
        <span class="badge unread">
          {n > 99 ? "99+" : n}
        </span>
      )}
    </a>
  );
}

function Nav() {
  const p = path.value;
  useEffect(checkStaff, [token.value]);
  const item = (href: string, label: string) => {
    const active = p === href || p.startsWith(href + "/");
    return (
      <li>
        <Link href={href} class={active ? "active" : ""} current={active}>
          {label}
        </Link>
      </li>
    );
  };
  return (
    <header class="top">
      {/* For the keyboard: past the header's links, to the screen's own content. */}
      <a
        href="#"
        class="skip-link"
        onClick={(e) => {
          e.preventDefault();
          const main = document.querySelector("main");
          main?.setAttribute("tabindex", "-1");
          main?.focus();
        }}
      >
        {t.skipToContent}
      </a>
      <Link href="/" class="brand">
        {t.appName}
      </Link>
      <nav aria-label={t.mainNavigation}>
        <ul>
          {item("/matches", t.matches)}
          {item("/chats", t.chats)}
          {item("/questionnaire", t.questionnaire)}
          {item("/profile", t.profile)}
          {item("/plans", t.plans)}
          {item("/account", t.account)}
          {staffAccess.value === "allowed" && item("/admin", t.staffConsole)}
        </ul>
      </nav>
      <div class="session">
        <Bell />
        <span class="who">{me.value?.first_name}</span>
        <button type="button" class="link" onClick={() => void signOut(false)}>
          {t.signOut}
        </button>
      </div>
    </header>
  );
}

function SignedIn() {
  const [error, setError] = useState<string | null>(null);
  const load = () => {
    setError(null);
    loadMe().catch((e) => setError(errorText(e)));
  };
  useEffect(() => {
    if (!me.value) load();
  }, []);
  const profile = me.value;
  // Without the profile there is no screen to go to: the error comes with a way on (or out).
  if (!profile)
    return error ? (
      <main>
        <ErrorBox error={error} />
        <button type="button" onClick={load}>
          {t.retry}
        </button>{" "}
        <button type="button" class="link" onClick={() => void signOut(false).catch(() => undefined)}>
          {t.signOut}
        </button>
      </main>
    ) : (
      <Loading />
    );
  const p = path.value;
  let screen;
  let id: string | null;
  if (p === "/" || p === "/signin" || p === "/signup") {
    go(profile.profile_completed ? "/matches" : "/profile", true);
    return <Loading />;
  } else if (p === "/profile") screen = <ProfileScreen />;
  else if (p === "/questionnaire") screen = <QuestionnaireScreen />;
  else if (p === "/matches") screen = <MatchesScreen />;
  else if ((id = param(p, "/matches"))) screen = <MatchDetailScreen key={id} id={id} />;
  else if (p === "/chats") screen = <ChatsScreen />;
  else if ((id = param(p, "/chats"))) screen = <ConversationScreen key={id} id={id} />;
  else if (p === "/plans") screen = <PlansScreen />;
  else if (p === "/subscription") screen = <SubscriptionScreen />;
  else if (p === "/notifications") screen = <NotificationsScreen />;
  else if (p === "/account") screen = <AccountScreen />;
  else if (p === "/admin" || p.startsWith("/admin/")) screen = <AdminConsole />;
  else
    screen = (
      <main>
        <p>{t.notFound}</p>
        <Link href="/">{t.appName}</Link>
      </main>
    );
  return (
    <>
      <Nav />
      <VerifyReminder />
      <LiveMatch />
      {screen}
    </>
  );
}

/** Screens a mailed link opens, whether or not someone is signed in on this browser. */
function EmailLinkScreen() {
  if (path.value === "/verify-email") return <VerifyEmailScreen />;
  if (path.value === "/reset-password") return <ResetPasswordScreen />;
  if (path.value === "/forgot-password" && !token.value) return <ForgotPasswordScreen />;
  return null;
}

function App() {
  const link = EmailLinkScreen();
  if (link) return link;
  if (!token.value) {
    if (path.value === "/signup") return <SignUp />;
    if (path.value !== "/signin") {
      go("/signin", true);
      return <Loading />;
    }
    return <SignIn />;
  }
  return <SignedIn />;
}

render(<App />, document.getElementById("app")!);
followScreenTitles("Perfect Match");
