// The questionnaire's answers given so far, block by block in the person's words, each with a
// button that opens it for a change (questionnaire.tsx shows the form).
import type { Schemas } from "../api/client";
import { t } from "../strings";

type Question = Schemas["Question"];
type Block = { key?: string; title?: string; description?: string; questions?: Question[] };

// The answers given so far, block by block, each with a button that opens it for a change.
export function GivenAnswers(props: { blocks: Block[]; onChange: (q: Question) => void }) {
  const answered = props.blocks.map((b) => ({ block: b, questions: (b.questions ?? []).filter((q) => !q.locked && q.answer) }));
  const count = answered.reduce((n, b) => n + b.questions.length, 0);
  if (count === 0) return null;
  return (
    <details class="given-answers">
      <summary>{t.reviewAnswers(count)}</summary>
      {answered
        .filter((b) => b.questions.length > 0)
        .map(({ block, questions }) => (
          <section>
            <h2>{block.title}</h2>
            <ul>
              {questions.map((q) => (
                <li>
                  <span class="question-text">{q.text}</span>
                  <span class="given">{answerInWords(q)}</span>
                  <button type="button" class="link" aria-label={t.changeAnswerTo(q.text ?? "")} onClick={() => props.onChange(q)}>
                    {t.changeAnswer}
                  </button>
                </li>
              ))}
            </ul>
          </section>
        ))}
    </details>
  );
}

// An answer as the person chose it: the options' labels, yes or no, the number on its scale, the text.
function answerInWords(q: Question): string {
  const value = q.answer?.value as unknown;
  const label = (key: unknown) => q.options?.find((o) => o.key === key)?.label ?? String(key);
  if (q.type === "multiple_choice") return label(value);
  if (q.type === "multiple_select") return Array.isArray(value) ? value.map(label).join(", ") : "";
  if (q.type === "boolean") return value === true ? t.yes : t.no;
  if (q.type === "slider") return t.onScale(Number(value), q.slider?.min ?? 0, q.slider?.max ?? 10);
  return String(value ?? "");
}
