/**
 * Item links (src/core/item-links.ts) from the public datasets' student sequences: each answer's
 * residual y − σ(−b) with b from `toItem`, the same cross-fitted difficulties the rows use.
 */
import { answerResidual } from "../core/features";
import type { ItemLinks } from "../core/features";
import { DEFAULT_LINK_FIT, DEFAULT_PUBLISH_LINKS, fitItemLinks as fitSequences, linksOf, publishLinks } from "../core/item-links";
import type { FittedItemLinks, LinkAnswer, LinkFitOptions, PublishOptions } from "../core/item-links";
import type { StudentSequence } from "./dataset";
import type { ItemMapper } from "./replay";

export function fitItemLinks(students: readonly StudentSequence[], toItem: ItemMapper, options: LinkFitOptions = DEFAULT_LINK_FIT): FittedItemLinks {
  const sequences = students.map((s): LinkAnswer[] => s.interactions.map((x) => ({ itemId: x.itemId, residual: answerResidual(toItem(x).difficulty, x.correct) })));
  return fitSequences(sequences, options);
}

/**
 * The links a model is trained and scored with: the fit of `students`, cut to what the calibration
 * job publishes (`publish`, by default the job's own options: the strongest links into each item,
 * weights rounded as published) and read back as a learner object reads the document. So training
 * and evaluation see the table serving sees, not the whole fit; `publish` null keeps every link
 * (a diagnosis of what the cut costs, not what learners are served).
 */
export function servedItemLinks(students: readonly StudentSequence[], toItem: ItemMapper, publish: PublishOptions | null = DEFAULT_PUBLISH_LINKS): ItemLinks {
  const fitted = fitItemLinks(students, toItem);
  return publish ? linksOf(publishLinks(fitted, { answers: 0, learners: students.length, throughAttemptId: 0 }, publish)) : fitted;
}
