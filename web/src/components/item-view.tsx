/**
 * One item and its answer control, keyboard first: 1–4 pick a choice, Enter submits; a typed
 * answer submits with Enter. `busy` disables everything, so a double click answers once.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { Item } from "../api/client";

export function ItemView({ item, busy, submitLabel, onAnswer }: { item: Item; busy: boolean; submitLabel: string; onAnswer: (response: string | number) => void }) {
  const [choice, setChoice] = useState<number | null>(null);
  const [text, setText] = useState("");
  const form = useRef<HTMLFormElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const choices = item.kind === "choice" ? (item.choices ?? []) : [];

  useEffect(() => {
    setChoice(null);
    setText("");
    if (item.kind !== "choice") input.current?.focus();
    else form.current?.querySelector<HTMLInputElement>("input[type=radio]")?.focus();
  }, [item.id]);

  useEffect(() => {
    if (item.kind !== "choice") return;
    const onKey = (e: KeyboardEvent) => {
      if (busy || e.altKey || e.ctrlKey || e.metaKey) return;
      if (e.key === "Enter" && e.target instanceof HTMLInputElement && e.target.type === "radio") {
        e.preventDefault(); // one submission, whatever the browser does with Enter on a radio
        form.current?.requestSubmit();
        return;
      }
      const n = Number(e.key);
      if (Number.isInteger(n) && n >= 1 && n <= choices.length) {
        e.preventDefault();
        setChoice(n - 1);
        form.current?.querySelectorAll<HTMLInputElement>("input[type=radio]")[n - 1]?.focus();
      }
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, [item.id, busy, choices.length]);

  const submit = (e: Event) => {
    e.preventDefault();
    if (busy) return;
    if (item.kind === "choice") {
      if (choice !== null) onAnswer(choice);
    } else if (text.trim() !== "") onAnswer(text.trim());
  };
  const ready = item.kind === "choice" ? choice !== null : text.trim() !== "";

  return (
    <form ref={form} class="item" onSubmit={submit} aria-busy={busy} data-item-id={item.id}>
      <h2 id={`prompt-${item.id}`} class="prompt">
        {item.prompt}
      </h2>
      {item.kind === "choice" ? (
        <fieldset disabled={busy}>
          <legend class="hint">Pick one (keys 1–{choices.length}), then Enter</legend>
          {choices.map((c, i) => (
            <label key={i} class={choice === i ? "choice picked" : "choice"}>
              <input type="radio" name="choice" value={i} checked={choice === i} onChange={() => setChoice(i)} />
              <span class="key" aria-hidden="true">
                {i + 1}
              </span>
              <span>{c}</span>
            </label>
          ))}
        </fieldset>
      ) : (
        <div class="field">
          <label for={`answer-${item.id}`}>{item.kind === "numeric" ? "Your answer (a number, fraction like 3/4, or decimal)" : "Your answer"}</label>
          <input
            ref={input}
            id={`answer-${item.id}`}
            type="text"
            inputMode={item.kind === "numeric" ? "decimal" : "text"}
            autocomplete="off"
            value={text}
            disabled={busy}
            onInput={(e) => setText((e.target as HTMLInputElement).value)}
          />
        </div>
      )}
      <button type="submit" class="primary" disabled={busy || !ready}>
        {busy ? "Sending…" : submitLabel}
      </button>
    </form>
  );
}
