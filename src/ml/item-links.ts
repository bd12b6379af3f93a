/**
 * Item links (src/core/item-links.ts) from the public datasets' student sequences: each answer's
 * residual y − σ(−b) with b from `toItem`, the same cross-fitted difficulties the rows use.
 */
import { answerResidual } from "../core/features";
import { DEFAULT_LINK_FIT, fitItemLinks as fitSequences } from "../core/item-links";
import type { FittedItemLinks, LinkAnswer, LinkFitOptions } from "../core/item-links";
import type { StudentSequence } from "./dataset";
import type { ItemMapper } from "./replay";

export function fitItemLinks(students: readonly StudentSequence[], toItem: ItemMapper, options: LinkFitOptions = DEFAULT_LINK_FIT): FittedItemLinks {
  const sequences = students.map((s): LinkAnswer[] => s.interactions.map((x) => ({ itemId: x.itemId, residual: answerResidual(toItem(x).difficulty, x.correct) })));
  return fitSequences(sequences, options);
}
