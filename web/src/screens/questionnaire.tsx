// The questionnaire: progress, the blocks (with their locked premium questions), and one question
// at a time in the server's asking order (GET /questionnaire/next), so branching is the server's
// and a person who comes back resumes where they left off. The answers given so far are listed
// below it (given-answers.tsx), each one open to change in the same form, filled with the answer.
// A question that is not required (an open-ended one: one's own words) may be skipped: it is left
// unanswered for this visit, and the questionnaire can be finished without it.
import { useEffect, useRef, useState } from "preact/hooks";
import type { Schemas } from "../api/client";
import { api, errorText, ok } from "../session";
import { t } from "../strings";
import { ErrorBox, Link, Notice, Pending } from "../ui";
import { GivenAnswers } from "./given-answers";

type Question = Schemas["Question"];
type Progress = Schemas["QuestionnaireProgress"];
type Block = { key?: string; title?: string; description?: string; questions?: Question[] };

export function QuestionnaireScreen() {
  const [blocks, setBlocks] = useState<Block[] | null>(null);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [question, setQuestion] = useState<Question | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [finished, setFinished] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  // An earlier answer being changed: its form is shown instead of the next question's, which stays
  // as it was (whatever was chosen there is kept) until the change is saved or cancelled.
  const [editing, setEditing] = useState<Question | null>(null);
  // Counted up when the next question should take the focus: after an answer is saved (its form is
  // a new one) and after a change is done with. Not on the first load.
  const [focusNext, setFocusNext] = useState(0);
  const editingHeading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (editing) editingHeading.current?.focus();
  }, [editing]);

  // The questions skipped on this visit (the server keeps no such state: they come back next time).
  const skipped = useRef<string[]>([]);
  const loadNext = async () => {
    // Enough to look past the skipped ones (only questions that are not required can be skipped).
    const limit = Math.min(20, skipped.current.length + 1);
    const next = await ok(api.GET("/api/v1/questionnaire/next", { params: { query: { limit } } }));
    if (next.progress) setProgress(next.progress);
    const asked = next.questions ?? [];
    let shown = asked.find((q) => !skipped.current.includes(q.question_id!));
    // As many skipped as one answer can list: more may wait behind them, so they are asked again
    // rather than the questionnaire called done.
    if (!shown && asked.length === limit && limit === 20) {
      skipped.current = [];
      shown = asked[0];
    }
    setQuestion(shown ?? null);
  };
  const loadAll = async () => {
    const q = await ok(api.GET("/api/v1/questionnaire"));
    setBlocks(q.blocks ?? []);
    if (q.progress) setProgress(q.progress);
  };
  useEffect(() => {
    Promise.all([loadAll(), loadNext()]).catch((e) => setError(errorText(e)));
  }, []);

  // Either read failing is shown (the list may have come while the next question did not: that
  // waited on "Loading" for good).
  if (!progress || question === undefined) return <Pending error={error} />;

  const lockedCount = (blocks ?? []).reduce((n, b) => n + (b.questions ?? []).filter((q) => q.locked).length, 0);
  return (
    <main>
      <h1>{t.questionnaire}</h1>
      <div class="progress">
        <label for="progress">{t.progress(progress.answered, progress.total)}</label>
        <progress id="progress" max={Math.max(progress.total, 1)} value={progress.answered}>
          {progress.percent}%
        </progress>
      </div>
      {blocks && (
        <ol class="blocks">
          {blocks.map((b) => {
            const qs = b.questions ?? [];
            const open = qs.filter((q) => !q.locked);
            const answered = open.filter((q) => q.answer).length;
            const current = question && qs.some((q) => q.question_id === question.question_id);
            return (
              <li class={current ? "current" : ""} aria-current={current ? "step" : undefined}>
                <span>{b.title}</span> <small>{`${answered}/${open.length}`}</small>
              </li>
            );
          })}
        </ol>
      )}
      {/* The premium questions, counted once for all the blocks (said in each block, it crowded them). */}
      {lockedCount > 0 && (
        <p class="hint locked">
          <Link href="/plans">{t.lockedQuestions(lockedCount)}</Link>
        </p>
      )}
      <ErrorBox error={error} />
      <Notice text={notice} />
      {editing && (
        <section aria-labelledby="changing-answer">
          <h2 id="changing-answer" tabIndex={-1} ref={editingHeading}>
            {t.changingAnswer}
          </h2>
          <QuestionForm
            key={`change-${editing.question_id}`}
            question={editing}
            focus={0}
            onSaved={async (p, retired) => {
              setError(null);
              setProgress(p);
              setEditing(null);
              setNotice(t.answerChanged(retired));
              setFocusNext((n) => n + 1);
              try {
                // A changed answer may show or hide follow-up questions: both lists are read again.
                await Promise.all([loadNext(), loadAll()]);
              } catch (e) {
                setError(errorText(e));
              }
            }}
            onError={setError}
          />
          <button
            type="button"
            class="secondary"
            onClick={() => {
              setEditing(null);
              setFocusNext((n) => n + 1);
            }}
          >
            {t.cancel}
          </button>
        </section>
      )}
      <div hidden={editing !== null}>
        {question ? (
          <QuestionForm
            key={question.question_id}
            question={question}
            focus={focusNext}
            onSaved={async (p) => {
              setError(null);
              // The total grows when an answer brings in follow-ups: said, so the count going up
              // is not a surprise.
              setNotice(p.total > progress.total ? t.followUpsAdded(p.total - progress.total) : null);
              setProgress(p);
              setFocusNext((n) => n + 1);
              try {
                await loadNext();
                void loadAll().catch(() => undefined);
              } catch (e) {
                setError(errorText(e));
              }
            }}
            onError={setError}
            onSkip={
              question.required === false
                ? async () => {
                    skipped.current = [...skipped.current, question.question_id!];
                    setError(null);
                    setNotice(t.questionSkipped);
                    setFocusNext((n) => n + 1);
                    try {
                      await loadNext();
                    } catch (e) {
                      setError(errorText(e));
                    }
                  }
                : undefined
            }
          />
        ) : (
          <section>
            <p>{skipped.current.length > 0 ? t.allRequiredAnswered : t.allAnswered}</p>
            {finished ? (
              <Link href="/matches">{t.matches}</Link>
            ) : (
              <button
                type="button"
                onClick={async () => {
                  try {
                    const p = await ok(api.POST("/api/v1/questionnaire/complete"));
                    setProgress(p);
                    setFinished(true);
                    setNotice(t.finished);
                  } catch (e) {
                    setError(errorText(e));
                  }
                }}
              >
                {t.finish}
              </button>
            )}
          </section>
        )}
      </div>
      {blocks && (
        <GivenAnswers
          blocks={blocks}
          onChange={(q) => {
            setNotice(null);
            setEditing(q);
          }}
        />
      )}
    </main>
  );
}

function QuestionForm(props: {
  question: Question;
  focus: number; // the question takes the focus when this is counted up (and when shown with it above 0)
  onSaved: (p: Progress, retired: number) => void;
  onError: (e: string | null) => void;
  // Given for a question that is not required: offered as "Skip this question".
  onSkip?: () => void;
}) {
  const legend = useRef<HTMLLegendElement>(null);
  useEffect(() => {
    if (props.focus > 0) legend.current?.focus();
  }, [props.focus]);
  const q = props.question;
  const options = q.options ?? [];
  const slider = q.slider ?? {};
  const min = slider.min ?? 0;
  const max = slider.max ?? 10;
  const prior = q.answer;
  const [value, setValue] = useState<unknown>(() => {
    if (prior?.value !== undefined) return prior.value;
    if (q.type === "multiple_select") return [];
    if (q.type === "slider") return Math.round((min + max) / 2 / (slider.step ?? 1)) * (slider.step ?? 1);
    return null;
  });
  const [accept, setAccept] = useState<unknown[]>(() => (Array.isArray(prior?.acceptable) ? (prior!.acceptable as unknown[]) : []));
  const [range, setRange] = useState<{ min: number; max: number }>(() => {
    const a = prior?.acceptable as { min?: number; max?: number } | undefined;
    return { min: a?.min ?? min, max: a?.max ?? max };
  });
  const [importance, setImportance] = useState(prior?.importance ?? 5);
  const [busy, setBusy] = useState(false);
  // What the form's own check found (too few or many ticked, a range the wrong way round): said in
  // the question's words, in the part it is about, whose first input then takes the focus.
  const [problem, setProblem] = useState<{ text: string; part: "answer" | "range" } | null>(null);
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => setProblem(null), [value, range]);
  useEffect(() => {
    if (problem) form.current?.querySelector<HTMLInputElement>(problem.part === "answer" ? "fieldset input:not(:disabled)" : ".acceptable input")?.focus();
  }, [problem]);
  const name = `q-${q.question_id}`;
  const problemId = `${name}-problem`;
  const problemIn = (part: "answer" | "range") =>
    problem?.part === part ? (
      <p id={problemId} class="error" role="alert">
        {problem.text}
      </p>
    ) : null;

  const toggle = (list: unknown[], item: unknown) => (list.includes(item) ? list.filter((x) => x !== item) : [...list, item]);
  const minSelections = q.min_selections ?? 1;
  const maxSelections = q.max_selections ?? options.length;
  const selected = q.type === "multiple_select" ? (value as unknown[]).length : 0;

  const answerDescribedBy =
    [q.type === "multiple_select" ? `${name}-hint` : null, problem?.part === "answer" ? problemId : null].filter(Boolean).join(" ") || undefined;

  let acceptable: unknown = "any";
  if (q.type === "slider") acceptable = range.min === min && range.max === max ? "any" : range;
  else if (accept.length > 0) acceptable = accept;

  return (
    <form
      class="question"
      ref={form}
      onSubmit={async (e) => {
        e.preventDefault();
        // Said here, in the question's words, rather than by the server's field names.
        // (what the screen said of an earlier try goes: the form says what is wrong now)
        props.onError(null);
        if (q.type === "multiple_select" && (selected < minSelections || selected > maxSelections))
          return setProblem({ text: t.choose(minSelections, maxSelections), part: "answer" });
        if (q.type === "slider" && range.min > range.max) return setProblem({ text: t.rangeInverted, part: "range" });
        setBusy(true);
        props.onError(null);
        try {
          const body: { value: unknown; acceptable?: unknown; importance: number } = { value, importance };
          if (q.type !== "open_ended") body.acceptable = acceptable;
          const saved = await ok(
            api.PUT("/api/v1/questionnaire/answers/{question_id}", { params: { path: { question_id: q.question_id! } }, body }),
          );
          if (saved.progress) props.onSaved(saved.progress, saved.retired ?? 0);
        } catch (err) {
          props.onError(errorText(err));
        } finally {
          setBusy(false);
        }
      }}
    >
      <fieldset aria-describedby={answerDescribedBy}>
        <legend class="question-text" tabIndex={-1} ref={legend}>
          {q.text}
        </legend>
        {q.type === "multiple_choice" &&
          options.map((o) => (
            <label class="choice">
              <input type="radio" name={name} value={o.key} checked={value === o.key} onChange={() => setValue(o.key)} required />
              {o.label}
            </label>
          ))}
        {q.type === "multiple_select" && (
          <>
            <p class="hint" id={`${name}-hint`}>
              {t.choose(minSelections, maxSelections)}
            </p>
            {options.map((o) => (
              <label class="choice">
                <input
                  type="checkbox"
                  value={o.key}
                  checked={(value as unknown[]).includes(o.key)}
                  // Once as many are ticked as may be, the others wait until one is unticked.
                  disabled={!(value as unknown[]).includes(o.key) && selected >= maxSelections}
                  onChange={() => setValue(toggle(value as unknown[], o.key))}
                />
                {o.label}
              </label>
            ))}
            {problemIn("answer")}
          </>
        )}
        {q.type === "boolean" && (
          <>
            <label class="choice">
              <input type="radio" name={name} checked={value === true} onChange={() => setValue(true)} required />
              {t.yes}
            </label>
            <label class="choice">
              <input type="radio" name={name} checked={value === false} onChange={() => setValue(false)} />
              {t.no}
            </label>
          </>
        )}
        {q.type === "slider" && (
          <div class="slider">
            <label for={`${name}-value`}>
              {t.yourAnswer}: <output>{String(value)}</output>
            </label>
            <input
              id={`${name}-value`}
              type="range"
              min={min}
              max={max}
              step={slider.step ?? 1}
              value={Number(value)}
              aria-describedby={`${name}-ends`}
              onInput={(e) => setValue(Number(e.currentTarget.value))}
            />
            <div class="ends" id={`${name}-ends`}>
              <span>{slider.min_label}</span>
              <span>{slider.max_label}</span>
            </div>
          </div>
        )}
        {q.type === "open_ended" && (
          <>
            <label for={`${name}-text`}>{t.yourAnswer}</label>
            <textarea
              id={`${name}-text`}
              rows={3}
              maxLength={q.max_length ?? 1000}
              required
              value={(value as string) ?? ""}
              onInput={(e) => setValue(e.currentTarget.value)}
            />
          </>
        )}
      </fieldset>
      {(q.type === "multiple_choice" || q.type === "multiple_select" || q.type === "boolean") && (
        <fieldset class="acceptable">
          <legend>{t.acceptable}</legend>
          {(q.type === "boolean"
            ? [
                { key: true as unknown, label: t.yes },
                { key: false as unknown, label: t.no },
              ]
            : options.map((o) => ({ key: o.key as unknown, label: o.label ?? "" }))
          ).map((o) => (
            <label class="choice">
              <input type="checkbox" checked={accept.includes(o.key)} onChange={() => setAccept(toggle(accept, o.key))} />
              {o.label}
            </label>
          ))}
        </fieldset>
      )}
      {q.type === "slider" && (
        <fieldset class="acceptable" aria-describedby={problem?.part === "range" ? problemId : undefined}>
          <legend>{t.acceptRange}</legend>
          <label>
            {t.from}{" "}
            <input
              type="number"
              min={min}
              max={max}
              step={slider.step ?? 1}
              value={range.min}
              aria-invalid={problem?.part === "range" ? "true" : undefined}
              onInput={(e) => setRange({ ...range, min: Number(e.currentTarget.value) })}
            />
          </label>
          <label>
            {t.to}{" "}
            <input type="number" min={min} max={max} step={slider.step ?? 1} value={range.max} onInput={(e) => setRange({ ...range, max: Number(e.currentTarget.value) })} />
          </label>
          {problemIn("range")}
        </fieldset>
      )}
      {q.type !== "open_ended" && (
        <div class="importance">
          <label for={`${name}-importance`}>
            {t.importance}: <output>{importance}</output>
          </label>
          <input id={`${name}-importance`} type="range" min={0} max={10} value={importance} onInput={(e) => setImportance(Number(e.currentTarget.value))} />
        </div>
      )}
      <button type="submit" disabled={busy}>
        {t.saveAnswer}
      </button>
      {props.onSkip && (
        <button type="button" class="secondary" disabled={busy} onClick={props.onSkip}>
          {t.skipQuestion}
        </button>
      )}
    </form>
  );
}
