/**
 * Model versions as training recipes. The evaluation harness (src/eval/predict.ts) scores
 * every recipe here side by side on held-out folds; `npm run train` ships CURRENT.
 * A new version = a new entry (and, once trained, a models/<version>.onnx registered in
 * predictor.ts), so old and new are compared under the same protocol before a switch.
 */
import { FEATURE_WIDTHS } from "../core/features";
import { LOGISTIC_FIT, MLP_FIT } from "./fit";
import type { Recipe } from "./pipeline";

export const V1: Recipe = {
  version: "correctness-v1",
  description: `MLP ${FEATURE_WIDTHS["features/1"]}→${MLP_FIT.hidden} ReLU→1 on features.ts (features/1), Adam, early stopping`,
  features: "features/1",
  fit: MLP_FIT,
};

export const LOGISTIC: Recipe = {
  version: "correctness-v1-logistic",
  description: "logistic regression on the same features (features/1)",
  features: "features/1",
  fit: LOGISTIC_FIT,
};

/** v1's network and fit on features/2: v1's columns plus the difficulty-relative residuals. */
export const V2: Recipe = {
  version: "correctness-v2",
  description: `MLP ${FEATURE_WIDTHS["features/2"]}→${MLP_FIT.hidden} ReLU→1 on features.ts (features/2: + resid_long, resid_short, skill_resid, recent_b), Adam, early stopping`,
  features: "features/2",
  fit: MLP_FIT,
};

/** v2's network and fit on features/3: v2's columns plus the item links (src/ml/item-links.ts). */
export const V3: Recipe = {
  version: "correctness-v3",
  description: `MLP ${FEATURE_WIDTHS["features/3"]}→${MLP_FIT.hidden} ReLU→1 on features.ts (features/3: + link_sum, link_mean, link_count from item links learnt on training students), Adam, early stopping`,
  features: "features/3",
  fit: MLP_FIT,
};

/** The recipe `npm run train` fits and ships (models/<CURRENT.version>.*). */
export const CURRENT: Recipe = V2;

export const RECIPES: readonly Recipe[] = [V1, LOGISTIC, V2, V3];
