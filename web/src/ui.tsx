// Small shared pieces: a labelled field, an error box, a loading line, and the one way an action
// or a form's submit runs (busy while it runs, its problem in words, its success as a notice).
import { cloneElement, createContext, isValidElement, toChildArray, type ComponentChildren, type RefObject } from "preact";
import { useContext, useEffect, useRef, useState } from "preact/hooks";
import { errorText, FormError } from "./session";
import { t } from "./strings";
import { navigate } from "./router";

/**
 * Runs one action at a time: `busy` meanwhile, its failure in `error` (the server's words) and, by
 * the request's key, what it says about single fields in `problems` (for FieldProblems, which
 * shows each beside its Field).
 */
export function useRun(initialError: string | null | (() => string | null) = null) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(initialError);
  const [problems, setProblems] = useState<Record<string, string>>({});
  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    setProblems({});
    try {
      await work();
    } catch (e) {
      setError(errorText(e));
      setProblems(e instanceof FormError ? e.fields : {});
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, setError, problems, run };
}

/** A form's failure by field, for the Fields inside it (provided with useRun's `problems`). */
export const FieldProblems = createContext<Record<string, string>>({});

/** A form section: runs `action` on submit, shows its problem or its success (the text it returns). */
export function FormSection(props: {
  id: string;
  title: string;
  submit: string;
  action: () => Promise<string | null>;
  children?: ComponentChildren;
  danger?: boolean;
  class?: string;
}) {
  const { busy, error, problems, run } = useRun();
  const [done, setDone] = useState<string | null>(null);
  return (
    <section aria-labelledby={props.id} class={props.class ?? "account-section"}>
      <h2 id={props.id}>{props.title}</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setDone(null);
          void run(async () => setDone(await props.action()));
        }}
      >
        <FieldProblems.Provider value={problems}>{props.children}</FieldProblems.Provider>
        <ErrorBox error={error} />
        <Notice text={done} />
        <button type="submit" class={props.danger ? "danger" : ""} disabled={busy}>
          {props.submit}
        </button>
      </form>
    </section>
  );
}

/** A select's options from a table of value → label (the strings' names for genders, languages…). */
export function Options(props: { labels: Record<string, string> }) {
  return (
    <>
      {Object.entries(props.labels).map(([value, label]) => (
        <option value={value}>{label}</option>
      ))}
    </>
  );
}

/**
 * A labelled input (the child whose id is `id`), its hint, and what the form's failure says about
 * it (FieldProblems under `name`, the request's key: `id` unless said): the input is then marked
 * invalid and described by it, and the first such input of the form takes the focus, so the
 * message is read with it.
 */
export function Field(props: { label: string; id: string; name?: string; children: ComponentChildren; hint?: string }) {
  const problems = useContext(FieldProblems);
  const problem = problems[props.name ?? props.id];
  const hintId = `${props.id}-hint`;
  const problemId = `${props.id}-problem`;
  const describedBy = [props.hint ? hintId : null, problem ? problemId : null].filter(Boolean).join(" ") || undefined;
  useEffect(() => {
    const input = problem ? document.getElementById(props.id) : null;
    if (input && input.closest("form")?.querySelector('[aria-invalid="true"]') === input) input.focus();
  }, [problems]);
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {toChildArray(props.children).map((child) =>
        isValidElement(child) && (child.props as { id?: string }).id === props.id
          ? cloneElement(child, { "aria-invalid": problem ? "true" : undefined, "aria-describedby": describedBy })
          : child,
      )}
      {props.hint && <small id={hintId}>{props.hint}</small>}
      {problem && (
        <small id={problemId} class="field-problem">
          {problem}
        </small>
      )}
    </div>
  );
}

// A new password: the server's rules as the hint, the browser's password manager told what it is.
// `name`: the request's key for it (the reset's "password", a change's "new_password").
export function NewPasswordField(props: { value: string; onInput: (value: string) => void; name: string }) {
  return (
    <Field label={t.newPassword} id="new_password" name={props.name} hint={t.passwordHint}>
      <input
        id="new_password"
        type="password"
        autocomplete="new-password"
        required
        minLength={10}
        value={props.value}
        onInput={(e) => props.onInput(e.currentTarget.value)}
      />
    </Field>
  );
}

/**
 * For a part shown in place of, or beside, the button that opened it (a question, a form, a
 * picker): once shown, its element matching `first` takes the focus (and is read out); once gone,
 * the focus goes back to that button if it is still there, rather than to the top of the page.
 * Returns the handler for Escape, which closes it with `close`.
 */
export function useFocusInPlace(box: RefObject<HTMLElement>, first: string, close: () => void) {
  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    box.current?.querySelector<HTMLElement>(first)?.focus();
    return () => {
      const focus = document.activeElement;
      const lost = !focus || focus === document.body || !!box.current?.contains(focus);
      if (lost && opener?.isConnected) opener.focus();
    };
  }, []);
  return (e: KeyboardEvent) => {
    if (e.key === "Escape") {
      e.preventDefault();
      close();
    }
  };
}

/** What is shown in place (a form, a picker), with useFocusInPlace's focus and Escape. */
export function InPlace(props: { first: string; onClose: () => void; children: ComponentChildren }) {
  const box = useRef<HTMLDivElement>(null);
  const onKeyDown = useFocusInPlace(box, props.first, props.onClose);
  return (
    <div ref={box} onKeyDown={onKeyDown}>
      {props.children}
    </div>
  );
}

/** "Are you sure?" for what cannot be undone: the question, then yes (danger) or cancel (or Escape). */
export function Confirm(props: { question: string; busy: boolean; onYes: () => void; onCancel: () => void }) {
  const box = useRef<HTMLDivElement>(null);
  const onKeyDown = useFocusInPlace(box, "p", props.onCancel);
  return (
    <div class="confirm" role="group" aria-label={props.question} ref={box} onKeyDown={onKeyDown}>
      <p tabIndex={-1}>{props.question}</p>
      <div class="actions">
        <button type="button" class="danger" disabled={props.busy} onClick={props.onYes}>
          {t.confirmYes}
        </button>
        <button type="button" class="secondary" onClick={props.onCancel}>
          {t.cancel}
        </button>
      </div>
    </div>
  );
}

export function ErrorBox(props: { error: string | null }) {
  return props.error ? (
    <p class="error" role="alert">
      {props.error}
    </p>
  ) : null;
}

export function Notice(props: { text: string | null }) {
  return props.text ? (
    <p class="notice" role="status">
      {props.text}
    </p>
  ) : null;
}

// A screen's place while its data comes, or the reason it did not: a <main> all the same, so the
// skip link has somewhere to go.
export function Pending(props: { error: string | null }) {
  return <main>{props.error ? <ErrorBox error={props.error} /> : <Loading />}</main>;
}

export function Loading() {
  return (
    <p class="loading" role="status">
      {t.loading}
    </p>
  );
}

export function Link(props: { href: string; children: ComponentChildren; class?: string; current?: boolean }) {
  return (
    <a
      href={props.href}
      class={props.class}
      aria-current={props.current ? "page" : undefined}
      onClick={(e) => {
        if (e.ctrlKey || e.metaKey || e.shiftKey) return;
        e.preventDefault();
        navigate(props.href);
      }}
    >
      {props.children}
    </a>
  );
}

/** A score of the API (0-100) as a whole percentage. (Scores of 1 or less are scores too: read as
 * fractions, an attribute two people barely share showed as 100%.) */
export function percent(score: number | undefined): number {
  if (score == null) return 0;
  return Math.round(Math.min(100, Math.max(0, score)));
}

/** When something was sent, as a chat shows it: the time today, the day and time before. */
export function SentAt(props: { at: string | undefined; class?: string }) {
  if (!props.at) return null;
  const at = new Date(props.at);
  const today = at.toDateString() === new Date().toDateString();
  const time = at.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
  const text = today ? time : `${at.toLocaleDateString(undefined, { day: "numeric", month: "short" })}, ${time}`;
  return (
    <time class={props.class ?? "sent"} dateTime={props.at}>
      {text}
    </time>
  );
}
