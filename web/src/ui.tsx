// Small shared pieces: a labelled field, an error box, a loading line.
import type { ComponentChildren } from "preact";
import { t } from "./strings";
import { go } from "./router";

export function Field(props: { label: string; id: string; children: ComponentChildren; hint?: string }) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {props.children}
      {props.hint && <small id={`${props.id}-hint`}>{props.hint}</small>}
    </div>
  );
}

// A new password: the server's rules as the hint, the browser's password manager told what it is.
export function NewPasswordField(props: { value: string; onInput: (value: string) => void }) {
  return (
    <Field label={t.newPassword} id="new_password" hint={t.passwordHint}>
      <input
        id="new_password"
        type="password"
        autocomplete="new-password"
        required
        minLength={10}
        aria-describedby="new_password-hint"
        value={props.value}
        onInput={(e) => props.onInput(e.currentTarget.value)}
      />
    </Field>
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
        go(props.href);
      }}
    >
      {props.children}
    </a>
  );
}

export function percent(score: number | undefined): number {
  if (score == null) return 0;
  return Math.round(score <= 1 ? score * 100 : score);
}
