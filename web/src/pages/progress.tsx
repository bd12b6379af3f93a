/**
 * Progress at a glance: what to do next, the prerequisite graph coloured by mastery
 * (mastered / in progress / ready / locked, each also said in words), reviews due over the
 * next 14 days, accuracy, streak and practice time.
 */
import { useEffect, useState } from "preact/hooks";
import { api, call, learnerPath, loadSkills } from "../api/client";
import type { Progress, Schemas, Skill } from "../api/client";
import { navigate } from "../router";
import { ErrorBox, Loading, duration, percent } from "../ui";

type Status = "mastered" | "in-progress" | "ready" | "locked";
const STATUS_LABEL: Record<Status, string> = { mastered: "Mastered", "in-progress": "In progress", ready: "Ready", locked: "Locked" };

function statusOf(p: Schemas["SkillProgress"] | undefined): Status {
  if (!p) return "locked";
  if (p.mastered) return "mastered";
  if (!p.ready) return "locked";
  return p.attempts > 0 ? "in-progress" : "ready";
}

export function ProgressPage() {
  const [data, setData] = useState<{ progress: Progress; skills: Skill[] } | null>(null);
  const [error, setError] = useState<unknown>(null);

  const load = () => {
    setError(null);
    setData(null);
    const utcOffsetMinutes = -new Date().getTimezoneOffset();
    Promise.all([call(() => api.GET("/v1/learners/{id}/progress", { params: { ...learnerPath(), query: { utcOffsetMinutes } } })), loadSkills()])
      .then(([progress, skills]) => setData({ progress, skills }))
      .catch(setError);
  };
  useEffect(load, []);

  return (
    <section class="page" aria-labelledby="page-title">
      <div class="page-head">
        <h1 id="page-title">Progress</h1>
      </div>
      {error ? <ErrorBox error={error} onRetry={load} /> : null}
      {!data && !error ? <Loading label="Loading your progress…" /> : null}
      {data ? <ProgressView progress={data.progress} skills={data.skills} /> : null}
    </section>
  );
}

function ProgressView({ progress, skills }: { progress: Progress; skills: Skill[] }) {
  const bySkill = new Map(progress.skills.map((s) => [s.skillId, s]));
  const names = new Map(skills.map((s) => [s.id, s.name]));
  const counts = { mastered: 0, "in-progress": 0, ready: 0, locked: 0 };
  for (const s of skills) counts[statusOf(bySkill.get(s.id))] += 1;
  const nextSkill = progress.readyToLearn[0];
  return (
    <>
      <div class="next-step" role="region" aria-label="What to do next">
        {progress.reviews.dueNow > 0 ? (
          <>
            <p>
              <strong>{progress.reviews.dueNow}</strong> {progress.reviews.dueNow === 1 ? "skill is" : "skills are"} due for review: review first, before you forget.
            </p>
            <button type="button" class="primary" onClick={() => navigate("/review")}>
              Review now
            </button>
          </>
        ) : (
          <>
            <p>{nextSkill ? <>Next up: <strong>{names.get(nextSkill) ?? nextSkill}</strong> — its prerequisites are mastered.</> : "Everything is mastered. Well done!"}</p>
            <button type="button" class="primary" onClick={() => navigate("/practice")}>
              Practise
            </button>
          </>
        )}
      </div>
      <dl class="stats">
        <div>
          <dt>Accuracy</dt>
          <dd>{progress.accuracy === null ? "—" : percent(progress.accuracy)}</dd>
        </div>
        <div>
          <dt>Answers</dt>
          <dd>{progress.attempts}</dd>
        </div>
        <div>
          <dt>Streak</dt>
          <dd>
            {progress.streakDays} {progress.streakDays === 1 ? "day" : "days"}
          </dd>
        </div>
        <div>
          <dt>Practice time</dt>
          <dd>{duration(progress.practiceTimeMs)}</dd>
        </div>
      </dl>
      <ReviewChart byDay={progress.reviews.byDay} />
      <h2>Skills</h2>
      <p class="legend">
        {(Object.keys(STATUS_LABEL) as Status[]).map((s) => (
          <span key={s} class={`chip ${s}`}>
            {STATUS_LABEL[s]}: {counts[s]}
          </span>
        ))}
      </p>
      <SkillGraph skills={skills} status={(id) => statusOf(bySkill.get(id))} mastery={(id) => bySkill.get(id)?.mastery ?? 0} />
      <details>
        <summary>All skills as a list</summary>
        <table>
          <caption class="sr-only">Skills with mastery</caption>
          <thead>
            <tr>
              <th scope="col">Skill</th>
              <th scope="col">Status</th>
              <th scope="col" class="num">
                Mastery
              </th>
            </tr>
          </thead>
          <tbody>
            {skills.map((s) => (
              <tr key={s.id}>
                <th scope="row">{s.name}</th>
                <td>{STATUS_LABEL[statusOf(bySkill.get(s.id))]}</td>
                <td class="num">{percent(bySkill.get(s.id)?.mastery ?? 0)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
      <p class="note">Mastered means: {progress.masteryRule}.</p>
    </>
  );
}

function ReviewChart({ byDay }: { byDay: ReadonlyArray<{ date: string; count: number }> }) {
  const days = byDay.slice(0, 14);
  const max = Math.max(1, ...days.map((d) => d.count));
  const W = 28;
  const H = 90;
  const total = days.reduce((a, d) => a + d.count, 0);
  return (
    <figure class="chart">
      <figcaption>
        <h2>Reviews over the next 14 days</h2>
        <span>
          {days[0]?.count ?? 0} today, {total} in total
        </span>
      </figcaption>
      <svg viewBox={`0 0 ${days.length * W} ${H + 30}`} role="img" aria-label={days.map((d, i) => `${i === 0 ? "today" : d.date}: ${d.count}`).join(", ")}>
        {days.map((d, i) => {
          const h = (d.count / max) * H;
          return (
            <g key={d.date}>
              <rect x={i * W + 4} y={H - h + 12} width={W - 8} height={Math.max(h, 1)} class={i === 0 ? "bar today" : "bar"} />
              {d.count > 0 ? (
                <text x={i * W + W / 2} y={H - h + 8} text-anchor="middle" class="count">
                  {d.count}
                </text>
              ) : null}
              <text x={i * W + W / 2} y={H + 26} text-anchor="middle" class="day">
                {i === 0 ? "T" : d.date.slice(8)}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}

/** Layered drawing of the prerequisite graph: a skill's column is its longest prerequisite chain. */
function SkillGraph({ skills, status, mastery }: { skills: Skill[]; status: (id: string) => Status; mastery: (id: string) => number }) {
  const depth = new Map<string, number>();
  const byId = new Map(skills.map((s) => [s.id, s]));
  const depthOf = (id: string, seen: Set<string>): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    if (seen.has(id)) return 0; // a cycle: content validation forbids it; draw rather than hang
    seen.add(id);
    const prereqs = byId.get(id)?.prerequisites ?? [];
    const d = prereqs.length === 0 ? 0 : 1 + Math.max(...prereqs.map((p) => depthOf(p, seen)));
    depth.set(id, d);
    return d;
  };
  for (const s of skills) depthOf(s.id, new Set());
  const columns: Skill[][] = [];
  for (const s of skills) (columns[depth.get(s.id) ?? 0] ??= []).push(s);
  const NW = 150;
  const NH = 40;
  const GX = 40;
  const GY = 10;
  const pos = new Map<string, { x: number; y: number }>();
  columns.forEach((col, c) => col.forEach((s, r) => pos.set(s.id, { x: c * (NW + GX), y: r * (NH + GY) })));
  const width = columns.length * (NW + GX) - GX;
  const height = Math.max(...columns.map((c) => c.length)) * (NH + GY) - GY;
  return (
    <div class="graph" tabIndex={0} role="region" aria-label="Prerequisite graph (scrolls sideways)">
      <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`Prerequisite graph of ${skills.length} skills; the list below has the same information`}>
        {skills.flatMap((s) =>
          s.prerequisites.map((p) => {
            const a = pos.get(p);
            const b = pos.get(s.id);
            if (!a || !b) return null;
            return <path key={`${p}>${s.id}`} class="edge" d={`M${a.x + NW},${a.y + NH / 2} C${a.x + NW + GX / 2},${a.y + NH / 2} ${b.x - GX / 2},${b.y + NH / 2} ${b.x},${b.y + NH / 2}`} />;
          }),
        )}
        {skills.map((s) => {
          const p = pos.get(s.id);
          if (!p) return null;
          const st = status(s.id);
          return (
            <g key={s.id} transform={`translate(${p.x},${p.y})`} class={`node ${st}`}>
              <title>{`${s.name}: ${STATUS_LABEL[st]}, mastery ${percent(mastery(s.id))}`}</title>
              <rect width={NW} height={NH} rx="6" />
              <text x="8" y="16" class="name">
                {s.name.length > 22 ? `${s.name.slice(0, 21)}…` : s.name}
              </text>
              <text x="8" y="32" class="state">
                {STATUS_LABEL[st]} · {percent(mastery(s.id))}
              </text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}
