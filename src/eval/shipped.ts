/**
 * The shipped model file, scored as shipped: the bundled models/<version>.onnx run by
 * onnxruntime (src/ml/onnx-node.ts) on one fixed fold's test students, with that fold's
 * protocol (item difficulties fitted on the other students, every answer predicted online
 * from the student's earlier answers). `npm run train` writes the result into the model
 * card, and test/ml/shipped-model.test.ts recomputes it, so a model file, a feature change
 * or a loader change that moves the shipped model's AUC cannot go unnoticed.
 *
 * The shipped model is fitted on EVERY student, these included: this AUC is in-sample for
 * its weights (not for the item difficulties), a drift check and not a held-out score.
 * The held-out score of the shipped recipe is the card's "pooled recipe" column.
 */
import { DEFAULT_KNOWLEDGE_CONFIG } from "../core/knowledge";
import type { Dataset } from "../ml/dataset";
import { DEFAULT_FIT } from "../ml/difficulty";
import { mappingsFor } from "../ml/mappings";
import { scoreRows } from "../ml/onnx-node";
import type { ShippedModel } from "../ml/onnx-node";
import { testTable } from "../ml/pipeline";
import { auc } from "./metrics";

export const CHECK_FOLD = 1;

export interface ShippedCheck {
  readonly dataset: string;
  readonly fold: number;
  readonly answers: number;
  readonly auc: number;
}

export async function checkShippedModel(model: ShippedModel, ds: Dataset, fold = CHECK_FOLD): Promise<ShippedCheck> {
  const mapping = mappingsFor(ds.name)[0];
  if (!mapping) throw new Error(`no skill mapping for ${ds.name}`);
  const train = ds.students.filter((s) => s.fold !== fold);
  const test = ds.students.filter((s) => s.fold === fold);
  const table = testTable(train, test, mapping.skills, DEFAULT_KNOWLEDGE_CONFIG, DEFAULT_FIT);
  return { dataset: ds.name, fold, answers: table.n, auc: auc(await scoreRows(model, table), table.y) };
}

const HEADING = "## Shipped file check";
const ROW = /^\| (\S+) \| (\d+) \| (\d+) \| (0\.\d+) \|$/;

/** The card section (markdown) for `checks`. */
export function renderShippedChecks(version: string, checks: readonly ShippedCheck[]): string {
  return [
    HEADING,
    "",
    `models/${version}.onnx itself, run by onnxruntime-node, on fold ${CHECK_FOLD}'s test students (src/eval/shipped.ts). ` +
      "In-sample for the weights (the shipped model is fitted on every student): a drift check that test/ml/shipped-model.test.ts recomputes, not a held-out score.",
    "",
    "| Data | Fold | Test answers | AUC |",
    "|---|---|---|---|",
    ...checks.map((c) => `| ${c.dataset} | ${c.fold} | ${c.answers} | ${c.auc.toFixed(4)} |`),
    "",
  ].join("\n");
}

/** The checks a card records (empty when it has no such section). */
export function parseShippedChecks(card: string): ShippedCheck[] {
  const start = card.indexOf(HEADING);
  if (start < 0) return [];
  const out: ShippedCheck[] = [];
  for (const line of card.slice(start).split("\n").slice(1)) {
    if (line.startsWith("## ")) break;
    const m = ROW.exec(line);
    if (m) out.push({ dataset: m[1] ?? "", fold: Number(m[2]), answers: Number(m[3]), auc: Number(m[4]) });
  }
  return out;
}

/** `card` with its shipped-check section replaced by (or, if absent, followed by) `section`. */
export function withShippedChecks(card: string, section: string): string {
  const start = card.indexOf(HEADING);
  if (start < 0) return `${card.trimEnd()}\n\n${section}`;
  const next = card.indexOf("\n## ", start + HEADING.length);
  return `${card.slice(0, start)}${section}${next < 0 ? "" : card.slice(next + 1)}`;
}
