// Matches: the list (cards with like / pass) and one match in detail (attributes as bars, the
// insight, premium parts locked with a way to the plans: screens/subscription.tsx).
import { useEffect, useState } from "preact/hooks";
import type { Schemas } from "../api/client";
import { announceMatch } from "../live_match";
import { api, errorText, me, ok } from "../session";
import { t } from "../strings";
import { ErrorBox, Link, Loading, Notice, Pending, percent, useRun } from "../ui";

type Match = Schemas["Match"];

function Photo(props: { url: string | null | undefined; name: string; large?: boolean }) {
  return props.url ? (
    <img class={props.large ? "photo large" : "photo"} src={props.url} alt={props.name} />
  ) : (
    <div class={props.large ? "photo large placeholder" : "photo placeholder"} aria-hidden="true">
      {props.name.slice(0, 1)}
    </div>
  );
}

function LikePass(props: { match: Match; onChange: (m: Match) => void; onError: (e: string | null) => void }) {
  const m = props.match;
  const [busy, setBusy] = useState(false);
  if (m.status !== "pending") return null;
  if (m.you_liked)
    return (
      <p>
        <span class="badge liked">{t.liked}</span>
      </p>
    );
  const act = async (what: "like" | "pass") => {
    setBusy(true);
    props.onError(null);
    try {
      const path = what === "like" ? "/api/v1/matches/{match_id}/like" : "/api/v1/matches/{match_id}/pass";
      const updated = await ok(api.POST(path, { params: { path: { match_id: m.match_id! } } }));
      const merged = { ...m, ...updated, user: m.user };
      props.onChange(merged);
      if (merged.status === "active") announceMatch({ conversation_id: merged.conversation_id ?? undefined, name: merged.user?.first_name });
    } catch (e) {
      props.onError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const name = m.user?.first_name ?? "";
  return (
    <div class="actions">
      <button type="button" disabled={busy} onClick={() => act("like")} aria-label={`${t.like} ${name}`}>
        {t.like}
      </button>
      <button type="button" class="secondary" disabled={busy} onClick={() => act("pass")} aria-label={`${t.pass} ${name}`}>
        {t.pass}
      </button>
    </div>
  );
}

/** The way from a match to its chat, once both liked (and after an unmatch, to read it). */
function ChatLink(props: { match: Match }) {
  const id = props.match.conversation_id;
  return id ? (
    <p>
      <Link href={`/chats/${id}`}>{t.chatWith(props.match.user?.first_name ?? "")}</Link>
    </p>
  ) : null;
}

/**
 * Who liked the person and waits for an answer: how many for every plan, and who for a plan that
 * shows it (each a link to the match, where they answer); nothing when no one does.
 */
function LikedYou(props: { version: number }) {
  const [likes, setLikes] = useState<{ count?: number; locked?: boolean; matches?: Match[] } | null>(null);
  useEffect(() => {
    // (a failure leaves the section out: the matches below are what the screen is for)
    ok(api.GET("/api/v1/likes/received")).then(setLikes, () => setLikes(null));
  }, [props.version]);
  if (!likes?.count) return null;
  return (
    <section class="liked-you" aria-labelledby="liked-you">
      <h2 id="liked-you">{t.likedYouTitle}</h2>
      <p>{t.likedYouCount(likes.count)}</p>
      {likes.locked ? (
        <p>
          {t.likedYouLocked} <Link href="/plans">{t.seePlans}</Link>
        </p>
      ) : (
        <ul>
          {(likes.matches ?? []).map((m) => (
            <li key={m.match_id}>
              <Link href={`/matches/${m.match_id}`}>{m.user?.first_name ?? ""}</Link>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function MatchesScreen() {
  const [matches, setMatches] = useState<Match[] | null>(null);
  const { busy, error, setError, run: runAction } = useRun();
  const [status, setStatus] = useState<string | null>(null);
  // Counted up when what the likes received depend on changed (a like or pass here, a rewind).
  const [likesVersion, setLikesVersion] = useState(0);
  const load = () =>
    ok(api.GET("/api/v1/matches", { params: { query: { status: "current", limit: 50 } } })).then(
      (page) => setMatches(page.matches ?? []),
      (e) => setError(errorText(e)),
    );
  useEffect(() => {
    void load();
  }, []);
  const replace = (m: Match) => {
    setMatches((list) => (list ?? []).map((x) => (x.match_id === m.match_id ? m : x)));
    setLikesVersion((v) => v + 1);
  };
  const run = (work: () => Promise<void>) => {
    setStatus(null);
    return runAction(work);
  };

  return (
    <main>
      <h1>{t.matches}</h1>
      <div class="actions">
        <button
          type="button"
          class="secondary"
          disabled={busy}
          onClick={() =>
            run(async () => {
              const g = await ok(api.POST("/api/v1/matches/generate"));
              setStatus(t.generated(g.created ?? 0));
              await load();
            })
          }
        >
          {t.generate}
        </button>
        {/* A pass made by mistake, taken back (a plan with rewind: the server says so otherwise). */}
        <button
          type="button"
          class="secondary"
          disabled={busy}
          onClick={() =>
            run(async () => {
              const back = await ok(api.POST("/api/v1/matches/rewind"));
              await load();
              setLikesVersion((v) => v + 1);
              setStatus(t.rewound(back.user?.first_name ?? ""));
            })
          }
        >
          {t.rewind}
        </button>
      </div>
      <Notice text={status} />
      <ErrorBox error={error} />
      <LikedYou version={likesVersion} />
      {matches === null ? (
        error ? null : <Loading />
      ) : matches.length === 0 ? (
        me.value && !me.value.profile_completed ? (
          <p>
            {t.noMatchesProfileIncomplete} <Link href="/profile">{t.completeProfile}</Link>
          </p>
        ) : (
          <p>{t.noMatches}</p>
        )
      ) : (
        <ul class="cards">
          {matches.map((m) => {
            const name = m.user?.first_name ?? "";
            return (
              <li class="card" key={m.match_id}>
                <Photo url={m.user?.photo_url} name={name} />
                <div class="card-body">
                  <h2>
                    <Link href={`/matches/${m.match_id}`}>{name}</Link>
                    {m.user?.age != null && <span class="age">, {t.age(m.user.age)}</span>}
                  </h2>
                  {m.user?.location && <p class="muted">{m.user.location}</p>}
                  <p class="score">
                    <strong>{percent(m.compatibility_score)}%</strong> {t.compatibility}
                    {m.status && <span class={`badge ${m.status}`}>{t.status[m.status]}</span>}
                  </p>
                  {m.summary && <p>{m.summary}</p>}
                  <LikePass match={m} onChange={replace} onError={setError} />
                  <ChatLink match={m} />
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </main>
  );
}

function Bars(props: { attributes: Schemas["MatchAttribute"][] }) {
  return (
    <ul class="bars">
      {props.attributes.map((a) => {
        const p = percent(a.score);
        return (
          <li>
            <div class="bar-label">
              <span>{a.name}</span> <span>{p}%</span>
            </div>
            <div class="bar" role="meter" aria-label={a.name} aria-valuemin={0} aria-valuemax={100} aria-valuenow={p}>
              <div class="bar-fill" style={{ width: `${p}%` }} />
            </div>
            {a.description && <p class="muted">{a.description}</p>}
          </li>
        );
      })}
    </ul>
  );
}

export function MatchDetailScreen(props: { id: string }) {
  const [match, setMatch] = useState<Schemas["MatchDetail"] | null>(null);
  const [person, setPerson] = useState<Schemas["PublicProfile"] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    ok(api.GET("/api/v1/matches/{match_id}", { params: { path: { match_id: props.id } } })).then(
      (m) => {
        setMatch(m);
        const uid = m.user?.user_id;
        if (uid)
          ok(api.GET("/api/v1/users/{user_id}", { params: { path: { user_id: uid } } })).then(setPerson, () => undefined);
      },
      (e) => setError(errorText(e)),
    );
  }, [props.id]);
  if (!match) return error ? <main><ErrorBox error={error} /><Link href="/matches">{t.backToMatches}</Link></main> : <Pending error={null} />;
  const name = match.user?.first_name ?? "";
  const photo = person?.photos?.[0]?.url ?? match.user?.photo_url;
  const insights = match.insights ?? {};
  const locked = match.insights_locked ?? [];
  return (
    <main data-title={t.match}>
      <Link href="/matches">{t.back(t.backToMatches)}</Link>
      <article class="match-detail">
        <Photo url={photo} name={name} large />
        <div>
          <h1>
            {name}
            {match.user?.age != null && <span class="age">, {t.age(match.user.age)}</span>}
          </h1>
          <p class="muted">
            {[match.user?.location, person?.distance_km != null ? t.distance(person.distance_km) : null].filter(Boolean).join(" · ")}
          </p>
          <p class="score big">
            <strong>{percent(match.compatibility_score)}%</strong> {t.compatibility}
          </p>
          {person?.bio && <p class="bio">{person.bio}</p>}
          <ErrorBox error={error} />
          <LikePass match={match} onChange={(m) => setMatch({ ...match, ...m })} onError={setError} />
          <ChatLink match={match} />
        </div>
      </article>
      {match.attributes && match.attributes.length > 0 && (
        <section>
          <h2>{t.attributes}</h2>
          <Bars attributes={match.attributes} />
        </section>
      )}
      <section>
        <h2>{t.insight}</h2>
        {!insights.summary && !insights.keyFactors?.length && !insights.detailedAnalysis && locked.length === 0 && <p>{t.noInsight}</p>}
        {insights.summary && <p>{insights.summary}</p>}
        {insights.keyFactors && insights.keyFactors.length > 0 && (
          <>
            <h3>{t.keyFactors}</h3>
            <ul>
              {insights.keyFactors.map((k) => (
                <li>
                  <strong>{k.name}</strong>
                  {k.description ? `: ${k.description}` : ""}
                </li>
              ))}
            </ul>
          </>
        )}
        {insights.detailedAnalysis && (
          <>
            <h3>{t.detailedAnalysis}</h3>
            <p>{insights.detailedAnalysis}</p>
          </>
        )}
        {insights.premiumInsights?.conversationStarters && (
          <>
            <h3>{t.conversationStarters}</h3>
            <ul>{insights.premiumInsights.conversationStarters.map((s) => <li>{s}</li>)}</ul>
          </>
        )}
        {insights.premiumInsights?.potentialChallenges && (
          <>
            <h3>{t.potentialChallenges}</h3>
            <ul>{insights.premiumInsights.potentialChallenges.map((s) => <li>{s}</li>)}</ul>
          </>
        )}
        {locked.length > 0 && (
          <div class="locked-box">
            <h3>{t.locked}</h3>
            <p>
              {t.lockedIntro} {locked.map((l) => t.lockedNames[l] ?? l).join(", ")}.
            </p>
            <Link href="/plans" class="button">
              {t.upgrade}
            </Link>
          </div>
        )}
      </section>
    </main>
  );
}
