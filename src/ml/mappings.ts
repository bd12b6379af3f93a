/**
 * How a dataset's interactions map to the knowledge model's skills. Training
 * (scripts/train.ts) uses the first mapping of each dataset; the prediction study
 * (src/eval/predict.ts) also tunes over the others.
 */
import type { NamedMapping } from "./difficulty";

/** Skill mappings per dataset; the first one is used by the production-default row. */
export function mappingsFor(dataset: string): NamedMapping[] {
  if (dataset === "assist2009") {
    return [
      { name: "skills", description: "the problem's tagged skills (multi-skill answers keep all)", skills: (x) => (x.skillIds.length > 0 ? x.skillIds : ["none"]) },
      {
        name: "skills+global",
        description: "tagged skills plus one global 'student' skill as the last secondary skill",
        skills: (x) => [...(x.skillIds.length > 0 ? x.skillIds : ["none"]), "global"],
      },
    ];
  }
  return [
    { name: "global", description: "one skill for the whole course (no skill ids in the data)", skills: () => ["global"] },
    {
      name: "global+block",
      description: "global skill plus a secondary skill per block of 20 consecutive step ids",
      skills: (x) => ["global", `block${Math.floor(Number(x.itemId) / 20)}`],
    },
  ];
}
