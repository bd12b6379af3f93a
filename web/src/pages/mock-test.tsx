/**
 * Adaptive mock tests: pick a course (everything, or one strand) and a length, then items
 * with a visible timer and count and no feedback at all, then the report: score with its
 * 95 % interval, per-strand breakdown, why it stopped, which items were uncalibrated.
 * The running test's id is kept in this tab, so a reload resumes it.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { api, call, learnerPath, loadSkills } from "../api/client";
import type { MockTest as MockSummary, MockTestNext, MockTestReport, Skill } from "../api/client";
import { newAttemptId, submitAttempt } from "../attempt";
import { ItemView } from "../components/item-view";
import { MOCK_KEY } from "../session";
import { ErrorBox, Loading, duration } from "../ui";

/** The test and the local clock's offset from the server's when it started (for the countdown). */
type Started = MockSummary & { clockOffsetMs: number };
type Running = { summary: Started; next: MockTestNext | null; attemptId: string; shownAt: number; sending: boolean; error: unknown };
type State = { kind: "setup"; error: unknown; starting: boolean } | { kind: "running"; run: Running } | { kind: "report"; report: MockTestReport } | { kind: "loading"; label: string };

const LENGTHS = [
  { items: 5, label: "Short: 5 items" },
  { items: 15, label: "Medium: 15 items" },
  { items: 30, label: "Full: up to 30 items" },
];

const STOP_REASONS: Record<string, string> = {
  se_target: "Your score was precise enough",
  max_items: "All items of the test were answered",
  time_limit: "Time ran out",
  pool_exhausted: "No more suitable items were left",
  interrupted: "The test was interrupted",
};

const strandName = (s: string) => s.replace(/-/g, " ").replace(/^./, (c) => c.toUpperCase());

function stored(): Started | null {
  try {
    const raw = sessionStorage.getItem(MOCK_KEY);
    return raw ? (JSON.parse(raw) as Started) : null;
  } catch {
    return null;
  }
}

function store(summary: Started | null): void {
  try {
    if (summary) sessionStorage.setItem(MOCK_KEY, JSON.stringify(summary));
    else sessionStorage.removeItem(MOCK_KEY);
  } catch {
    /* memory only */
  }
}

export function MockTest() {
  const [state, setState] = useState<State>(() => (stored() ? { kind: "loading", label: "Resuming your test…" } : { kind: "setup", error: null, starting: false }));
  const [skills, setSkills] = useState<Skill[]>([]);
  const [course, setCourse] = useState("all");
  const [length, setLength] = useState(15);
  const sending = useRef(false);

  useEffect(() => {
    loadSkills()
      .then(setSkills)
      .catch(() => {});
    const resume = stored();
    if (resume) void advance(resume);
  }, []);

  /** Asks for the test's next item (the same one again until it is answered) or its report. */
  const advance = async (summary: Started) => {
    try {
      const next = await call(() => api.POST("/v1/learners/{id}/mock-tests/{testId}/next", { params: { path: { ...learnerPath().path, testId: summary.testId } } }));
      if (next.done && next.report) {
        store(null);
        return setState({ kind: "report", report: next.report });
      }
      setState({ kind: "running", run: { summary, next, attemptId: newAttemptId(), shownAt: performance.now(), sending: false, error: null } });
    } catch (error) {
      store(null);
      setState({ kind: "setup", error, starting: false });
    }
  };

  const start = async (e: Event) => {
    e.preventDefault();
    if (state.kind !== "setup" || state.starting) return;
    setState({ kind: "setup", error: null, starting: true });
    try {
      const started = await call(() => api.POST("/v1/learners/{id}/mock-tests", { params: learnerPath(), body: { course, maxItems: length, timeLimitMinutes: Math.max(5, length * 2) } }));
      const summary = { ...started, clockOffsetMs: Date.now() - started.startedAt };
      store(summary);
      await advance(summary);
    } catch (error) {
      setState({ kind: "setup", error, starting: false });
    }
  };

  const answer = async (response: string | number) => {
    if (state.kind !== "running" || sending.current) return;
    const { run } = state;
    const item = run.next?.item;
    if (!item) return;
    sending.current = true;
    setState({ kind: "running", run: { ...run, sending: true, error: null } });
    try {
      await submitAttempt({ clientAttemptId: run.attemptId, itemId: item.id, response, responseMs: Math.round(performance.now() - run.shownAt) }, () => {});
      setState({ kind: "loading", label: "Next item…" });
      await advance(run.summary);
    } catch (error) {
      setState({ kind: "running", run: { ...run, sending: false, error } });
    } finally {
      sending.current = false;
    }
  };

  const strands = [...new Set(skills.map((s) => s.strand))];
  return (
    <section class="page" aria-labelledby="page-title">
      <div class="page-head">
        <h1 id="page-title">Mock test</h1>
        {state.kind === "running" ? <TestStatus run={state.run} onTimeUp={() => void advance(state.run.summary)} /> : null}
      </div>
      {state.kind === "loading" ? <Loading label={state.label} /> : null}
      {state.kind === "setup" ? (
        <form class="setup" onSubmit={start}>
          <p>An adaptive test: each item is picked from your answers so far. You see no feedback until the end, then a score with its margin of error.</p>
          <div class="field">
            <label for="course">What to test</label>
            <select id="course" value={course} onChange={(e) => setCourse((e.target as HTMLSelectElement).value)}>
              <option value="all">The whole course</option>
              {strands.map((s) => (
                <option key={s} value={s}>
                  {strandName(s)}
                </option>
              ))}
            </select>
          </div>
          <fieldset>
            <legend>Length</legend>
            {LENGTHS.map((l) => (
              <label key={l.items} class="inline">
                <input type="radio" name="length" value={l.items} checked={length === l.items} onChange={() => setLength(l.items)} /> {l.label}
              </label>
            ))}
          </fieldset>
          <button type="submit" class="primary" disabled={state.starting} aria-busy={state.starting}>
            {state.starting ? "Starting…" : "Start the test"}
          </button>
          {state.error ? <ErrorBox error={state.error} /> : null}
        </form>
      ) : null}
      {state.kind === "running" && state.run.next?.item ? (
        <>
          <ItemView item={state.run.next.item} busy={state.run.sending} submitLabel="Submit answer" onAnswer={(r) => void answer(r)} />
          {state.run.error ? <ErrorBox error={state.run.error} /> : null}
        </>
      ) : null}
      {state.kind === "report" ? <Report report={state.report} skills={skills} onAgain={() => setState({ kind: "setup", error: null, starting: false })} /> : null}
    </section>
  );
}

function TestStatus({ run, onTimeUp }: { run: Running; onTimeUp: () => void }) {
  const [now, setNow] = useState(Date.now());
  const fired = useRef(false);
  // The server's clock decides the limit; the countdown shows it on the local clock.
  const endsAt = useRef(run.summary.expiresAt + run.summary.clockOffsetMs);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  const left = Math.max(0, endsAt.current - now);
  useEffect(() => {
    if (left === 0 && !fired.current) {
      fired.current = true;
      onTimeUp();
    }
  }, [left]);
  const mm = Math.floor(left / 60_000);
  const ss = String(Math.floor((left % 60_000) / 1000)).padStart(2, "0");
  return (
    <p class="status">
      <span>
        Item {(run.next?.answered ?? 0) + 1} of up to {run.summary.config.maxItems}
      </span>
      <span class="timer" role="timer" aria-label={`Time left: ${mm} minutes ${ss} seconds`}>
        Time left {mm}:{ss}
      </span>
    </p>
  );
}

function Report({ report, skills, onAgain }: { report: MockTestReport; skills: Skill[]; onAgain: () => void }) {
  const names = new Map(skills.map((s) => [s.id, s.name]));
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <article class="report" aria-labelledby="report-title">
      <h2 id="report-title" ref={heading} tabIndex={-1}>
        Your score: {report.score.value}
      </h2>
      <p class="interval">
        95 % interval: {report.score.low}–{report.score.high} (scale 200–800). {report.correct} of {report.itemsAnswered} right in {duration(report.elapsedMs)}.
      </p>
      <p>Stopped because: {STOP_REASONS[report.stopReason ?? ""] ?? "the test was left unfinished"}.</p>
      {report.stopNote ? <p class="stop-note">{report.stopNote}</p> : null}
      <table>
        <caption>By {report.course === "all" ? "strand" : "skill"}</caption>
        <thead>
          <tr>
            <th scope="col">{report.course === "all" ? "Strand" : "Skill"}</th>
            <th scope="col" class="num">
              Items
            </th>
            <th scope="col" class="num">
              Right
            </th>
            <th scope="col" class="num">
              Estimate (θ ± SE)
            </th>
          </tr>
        </thead>
        <tbody>
          {report.skills.map((s) => (
            <tr key={s.skillId}>
              <th scope="row">{names.get(s.skillId) ?? strandName(s.skillId)}</th>
              <td class="num">{s.items}</td>
              <td class="num">{s.correct}</td>
              <td class="num">{s.items > 0 ? `${s.theta.toFixed(2)} ± ${s.se.toFixed(2)}` : "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <details>
        <summary>
          {report.uncalibratedItemIds.length} of {report.itemsAnswered} items were uncalibrated
        </summary>
        <p class="note">{report.parameterNote}</p>
        <ul class="ids">
          {report.uncalibratedItemIds.map((id) => (
            <li key={id}>
              <code>{id}</code>
            </li>
          ))}
        </ul>
      </details>
      <button type="button" class="primary" onClick={onAgain}>
        Take another test
      </button>
    </article>
  );
}
