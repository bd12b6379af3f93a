/** Feedback after a practice answer: right or wrong, the key, the worked explanation, the mastery change. */
import { useEffect, useRef } from "preact/hooks";
import type { GradedAttempt, Skill } from "../api/client";
import { percent, when } from "../ui";

export function Feedback({ result, skills, onNext }: { result: GradedAttempt; skills: ReadonlyMap<string, Skill>; onNext: () => void }) {
  const next = useRef<HTMLButtonElement>(null);
  useEffect(() => next.current?.focus(), [result.clientAttemptId]);
  return (
    <section class={result.correct ? "feedback right" : "feedback wrong"} aria-labelledby="verdict">
      <div role="status">
        <h2 id="verdict">{result.correct ? "✓ Correct" : "✗ Not quite"}</h2>
      </div>
      <p>
        Answer: <strong class="answer">{result.correctAnswer}</strong>
      </p>
      <div class="explanation">
        <h3>Worked explanation</h3>
        <p>{result.explanation}</p>
      </div>
      <ul class="mastery" aria-label="Mastery change">
        {result.mastery.map((m) => {
          const up = m.after >= m.before;
          return (
            <li key={m.skillId}>
              <span>{skills.get(m.skillId)?.name ?? m.skillId}</span>
              <span class="bar" aria-hidden="true">
                <span style={{ width: percent(m.after).replace(" ", "") }} />
              </span>
              <span class={up ? "delta up" : "delta down"}>
                mastery {percent(m.before)} → {percent(m.after)}
              </span>
              {m.newlyMastered ? <strong class="badge">Mastered!</strong> : null}
            </li>
          );
        })}
      </ul>
      {result.nextReviewAt ? <p class="note">Next review of this skill: {when(result.nextReviewAt)}.</p> : null}
      <button ref={next} type="button" class="primary" onClick={onNext}>
        Next item
      </button>
    </section>
  );
}
