/**
 * Practice and review: the chosen item, an answer, feedback, the next item. Review mode says
 * when nothing is due and when the next review is.
 */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { api, call, learnerPath, loadSkills } from "../api/client";
import type { GradedAttempt, Skill } from "../api/client";
import { newAttemptId, submitAttempt } from "../attempt";
import { Feedback } from "../components/feedback";
import { ItemView } from "../components/item-view";
import { Why } from "../components/why";
import { navigate } from "../router";
import { ErrorBox, Loading, when } from "../ui";

const fetchNext = (mode: "practice" | "review") => call(() => api.POST("/v1/learners/{id}/next", { params: learnerPath(), body: { mode } }));
type NextItem = Awaited<ReturnType<typeof fetchNext>>;

type State =
  | { kind: "loading" }
  | { kind: "item"; next: NextItem; attemptId: string; shownAt: number; sending: boolean; retrying: number; error: unknown }
  | { kind: "feedback"; next: NextItem; result: GradedAttempt; upcoming: NextItem | null }
  | { kind: "empty"; next: NextItem }
  | { kind: "error"; error: unknown };

export function Practice({ mode }: { mode: "practice" | "review" }) {
  const [state, setState] = useState<State>({ kind: "loading" });
  const [skills, setSkills] = useState<ReadonlyMap<string, Skill>>(new Map());
  const [tally, setTally] = useState({ answered: 0, correct: 0 });
  const sending = useRef(false);

  useEffect(() => {
    loadSkills()
      .then((list) => setSkills(new Map(list.map((s) => [s.id, s]))))
      .catch(() => {}); // names are a nicety: ids stand in
  }, []);

  const show = useCallback((next: NextItem) => {
    if (!next.item) return setState({ kind: "empty", next });
    setState({ kind: "item", next, attemptId: newAttemptId(), shownAt: performance.now(), sending: false, retrying: 0, error: null });
    if (!performance.getEntriesByName("practice-interactive").length) performance.mark("practice-interactive");
  }, []);

  /** The next item: the one that came with the last answer, or asked for now. */
  const loadNext = useCallback(
    async (upcoming: NextItem | null = null) => {
      if (upcoming) return show(upcoming);
      setState({ kind: "loading" });
      try {
        show(await fetchNext(mode));
      } catch (error) {
        setState({ kind: "error", error });
      }
    },
    [mode, show],
  );

  useEffect(() => void loadNext(), [loadNext]);

  const answer = async (response: string | number) => {
    if (state.kind !== "item" || !state.next.item || sending.current) return; // a double click answers once
    sending.current = true;
    const { next, attemptId, shownAt } = state;
    const item = state.next.item;
    setState({ ...state, sending: true, error: null, retrying: 0 });
    try {
      const body = { clientAttemptId: attemptId, itemId: item.id, response, responseMs: Math.round(performance.now() - shownAt), next: mode };
      const result = await submitAttempt(body, (retrying) => setState((s) => (s.kind === "item" ? { ...s, retrying } : s)));
      if (result.withheld) throw new Error("This item belongs to a running mock test: finish it on the Mock test page.");
      if (!result.replayed) setTally((t) => ({ answered: t.answered + 1, correct: t.correct + (result.correct ? 1 : 0) }));
      // The next item came with the feedback (null: it could not be chosen then; "Next" asks again).
      setState({ kind: "feedback", next, result, upcoming: result.next ?? null });
    } catch (error) {
      // The same attempt id is kept: answering again after an error is still one attempt.
      setState((s) => (s.kind === "item" ? { ...s, sending: false, retrying: 0, error } : s));
    } finally {
      sending.current = false;
    }
  };

  const title = mode === "practice" ? "Practice" : "Review";
  return (
    <section class="page" aria-labelledby="page-title">
      <div class="page-head">
        <h1 id="page-title">{title}</h1>
        <p class="tally" aria-live="polite">
          {tally.answered > 0 ? `${tally.correct} of ${tally.answered} right this session` : mode === "practice" ? "Items picked for you" : "Skills due for review"}
        </p>
      </div>
      {state.kind === "loading" ? <Loading label={mode === "practice" ? "Choosing your next item…" : "Looking for reviews…"} /> : null}
      {state.kind === "error" ? <ErrorBox error={state.error} onRetry={() => void loadNext()} /> : null}
      {state.kind === "empty" ? (
        <div class="empty" role="status">
          <h2>{mode === "review" ? "Nothing to review right now" : "Nothing to practise right now"}</h2>
          <p>{state.next.message}</p>
          {state.next.nextReviewAt ? <p>Next review: {when(state.next.nextReviewAt)}.</p> : <p>No reviews are scheduled yet: practise to build some.</p>}
          <button type="button" class="primary" onClick={() => navigate(mode === "review" ? "/practice" : "/progress")}>
            {mode === "review" ? "Practise instead" : "See your progress"}
          </button>
        </div>
      ) : null}
      {state.kind === "item" && state.next.item ? (
        <>
          <p class="skill">{skills.get(state.next.why?.skillId ?? "")?.name ?? state.next.why?.skillId}</p>
          <ItemView item={state.next.item} busy={state.sending} submitLabel="Check answer" onAnswer={(r) => void answer(r)} />
          {state.retrying > 0 ? (
            <p class="note" role="status">
              Connection lost — sending your answer again (try {state.retrying})…
            </p>
          ) : null}
          {state.error ? <ErrorBox error={state.error} /> : null}
          {state.next.why ? <Why why={state.next.why} /> : null}
        </>
      ) : null}
      {state.kind === "feedback" ? (
        <>
          <p class="skill">{skills.get(state.next.why?.skillId ?? "")?.name ?? state.next.why?.skillId}</p>
          <p class="prompt done">{state.next.item?.prompt}</p>
          <Feedback result={state.result} skills={skills} onNext={() => void loadNext(state.upcoming)} />
          {state.next.why ? <Why why={state.next.why} /> : null}
        </>
      ) : null}
    </section>
  );
}
