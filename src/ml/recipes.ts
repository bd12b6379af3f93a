/**
 * Model versions as training recipes. The evaluation harness (src/eval/predict.ts) scores
 * every recipe here side by side on held-out folds; `npm run train` ships CURRENT.
 * A new version = a new entry (and, once trained, a models/<version>.onnx registered in
 * predictor.ts), so old and new are compared under the same protocol before a switch.
 */
import { FEATURE_COUNT } from "../core/features";
import { LOGISTIC_FIT, MLP_FIT } from "./fit";
import type { Recipe } from "./pipeline";

export const CURRENT: Recipe = {
  version: "correctness-v1",
  description: `MLP ${FEATURE_COUNT}→${MLP_FIT.hidden} ReLU→1 on features.ts, Adam, early stopping`,
  fit: MLP_FIT,
};

export const LOGISTIC: Recipe = {
  version: "correctness-v1-logistic",
  description: "logistic regression on the same features",
  fit: LOGISTIC_FIT,
};

export const RECIPES: readonly Recipe[] = [CURRENT, LOGISTIC];
