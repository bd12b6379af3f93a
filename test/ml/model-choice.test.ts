/** Which bundled model scores (src/ml/predictor.ts `chooseModel`): the links model only once the links are mature. */
import { describe, expect, it } from "vitest";
import { chooseModel } from "../../src/ml/model-choice";

const config = { CORRECTNESS_MODEL: "correctness-v2", LINKED_CORRECTNESS_MODEL: "correctness-v3", LINKED_MODEL_MIN_ANSWERS: 20_000 };

describe("chooseModel", () => {
  it("keeps the configured model until the published links rest on enough answers", () => {
    expect(chooseModel(config, null)).toBe("correctness-v2");
    expect(chooseModel(config, undefined)).toBe("correctness-v2");
    expect(chooseModel(config, { answers: 19_999 })).toBe("correctness-v2");
    expect(chooseModel(config, { answers: 20_000 })).toBe("correctness-v3");
  });

  it("never overrides the knowledge model alone, and LINKED_CORRECTNESS_MODEL=off turns the switch off", () => {
    expect(chooseModel({ ...config, CORRECTNESS_MODEL: "off" }, { answers: 1e9 })).toBe("off");
    expect(chooseModel({ ...config, CORRECTNESS_MODEL: "correctness-v1", LINKED_CORRECTNESS_MODEL: "off" }, { answers: 1e9 })).toBe("correctness-v1");
  });
});
