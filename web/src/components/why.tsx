/** "Why this item": each scoring term's contribution, the predicted success and its source. */
import type { Schemas } from "../api/client";

type WhyData = Omit<Schemas["Why"], "targetBand"> & { targetBand: readonly number[] };
import { percent } from "../ui";

const TERM_NAMES: Record<string, string> = {
  band: "Right difficulty (predicted success in the target band)",
  urgency: "Review urgency (memory of the skill fading)",
  readiness: "Readiness (prerequisites mastered)",
  novelty: "Novelty (never seen before)",
  exposure: "Seen recently",
  sibling: "Variety (same skill just served)",
  goal: "Your goals",
};

export function Why({ why }: { why: WhyData }) {
  const terms = Object.entries(why.terms).sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]));
  return (
    <details class="why">
      <summary>Why this item</summary>
      <p>
        Predicted chance you answer it right: <strong>{percent(why.prediction)}</strong> (target {percent(why.targetBand[0] ?? 0)}–{percent(why.targetBand[1] ?? 1)}), by{" "}
        {why.predictor}. Chosen from {why.candidates} candidates.
      </p>
      {why.mix ? (
        <p class="note">
          Two predictions, weighed by how well each has predicted your answers so far: the model's {percent(why.mix.model)}, your knowledge model's {percent(why.mix.knowledge)}; the
          model's weight for you {percent(why.mix.modelWeight)}.
        </p>
      ) : null}
      {why.fallbackReason ? <p class="note">The usual model was not available ({why.fallbackReason}); the knowledge model stood in.</p> : null}
      <table>
        <caption class="sr-only">Scoring terms</caption>
        <thead>
          <tr>
            <th scope="col">Term</th>
            <th scope="col" class="num">
              Contribution
            </th>
          </tr>
        </thead>
        <tbody>
          {terms.map(([name, value]) => (
            <tr key={name}>
              <th scope="row">{TERM_NAMES[name] ?? name}</th>
              <td class="num">{value.toFixed(3)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">Score</th>
            <td class="num">{why.score.toFixed(3)}</td>
          </tr>
        </tfoot>
      </table>
    </details>
  );
}
